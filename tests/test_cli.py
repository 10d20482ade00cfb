"""The ``partnerboard`` command: help texts and clear errors for bad settings."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

from partnerboard.server.settings import OPTIONS, SettingsError, load_settings


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "partnerboard.server.cli", *args],
                          capture_output=True, text=True, timeout=30)


def test_serve_help_explains_every_option_and_its_environment_variable():
    result = run("serve", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for _name, flag, env, _help in OPTIONS:
        assert flag in text and env in text


@pytest.mark.parametrize("command", ["--help", "plugins --help"])
def test_every_command_has_help(command):
    assert run(*command.split()).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "out of range"),
        (["--port", "eighty"], "not a valid int"),
        (["--compact-every", "0"], "at least 1"),
        (["--database-url", "mysql://u:hunter2@db/x"], "not supported"),
        (["--redis-url", "redis://127.0.0.1:6379/0"], "needs a shared database"),
    ],
)
def test_bad_settings_exit_with_a_message_not_a_traceback(args, message, tmp_path):
    result = run("serve", "--data-dir", str(tmp_path), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


def test_environment_is_read_once_and_flags_win():
    settings = load_settings({"port": "9000"}, environ={"PARTNERBOARD_PORT": "8100",
                                                        "PARTNERBOARD_HOST": "0.0.0.0"})
    assert settings.port == 9000 and settings.host == "0.0.0.0"
    with pytest.raises(SettingsError, match="room idle"):
        load_settings({"room_idle_seconds": "-1"}, environ={})


def test_version_names_the_installed_distribution():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"partnerboard {metadata.version('partnerboard')}"
