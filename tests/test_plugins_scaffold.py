"""`partnerboard new-canvas`: the package it writes passes its own tests, installs into a fresh
virtualenv, and a server started from that virtualenv offers the canvas."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import httpx
import pytest
from conftest import ServerProcess, once_whatever_the_store

from partnerboard.server.cli import main
from partnerboard.server.scaffold import ScaffoldError, new_canvas, scaffold_for

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "partnerboard.server.cli"]


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True,
                          text=True, timeout=90)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def readme_example() -> str:
    """The test shown in the plugin guide's walk-through."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "plugins" / "README.md").read_text(),
                        re.DOTALL)
    return next(block for block in blocks if "def test_" in block)


def test_names_are_derived_from_the_canvas_name():
    scaffold = scaffold_for("risk-matrix")
    assert (scaffold.dist, scaffold.module, scaffold.title) == (
        "partnerboard-risk-matrix", "partnerboard_risk_matrix", "Risk matrix")
    assert scaffold_for("partnerboard-x").dist == "partnerboard-x"
    for bad in ("Risk", "risk_matrix", "risk--matrix", "-risk", "9lives", "", "a b"):
        with pytest.raises(ScaffoldError, match="not a canvas name"):
            scaffold_for(bad)


def test_it_never_overwrites(tmp_path, capsys):
    root, files = new_canvas("demo", tmp_path)
    assert sorted(str(path.relative_to(root)) for path in files) == [
        "README.md", "partnerboard_demo/__init__.py", "partnerboard_demo/spec.py",
        "partnerboard_demo/static/board.js", "pyproject.toml", "tests/test_canvas.py"]
    with pytest.raises(ScaffoldError, match="already exists"):
        new_canvas("demo", tmp_path)
    assert main(["new-canvas", "demo", "--output", str(tmp_path)]) == 2
    assert "choose another --output" in capsys.readouterr().err
    assert main(["new-canvas", "Bad Name", "--output", str(tmp_path)]) == 2


def test_the_command_has_help():
    helped = run(*CLI, "new-canvas", "--help").stdout
    assert "NAME" in helped and "--output DIR" in helped and "entry point" in helped
    assert "new-canvas" in run(*CLI, "--help").stdout


@once_whatever_the_store("the scaffold is linted and runs its own tests, no server")
def test_the_scaffold_is_lint_clean_and_its_tests_and_the_guides_example_pass(tmp_path):
    out = run(*CLI, "new-canvas", "risk-matrix", "--output", tmp_path).stdout
    package = tmp_path / "partnerboard-risk-matrix"
    assert f"created {package}" in out and "pip install -e" in out
    (package / "tests" / "test_readme.py").write_text(readme_example())
    run(sys.executable, "-m", "ruff", "check", "--no-cache", ".", cwd=package)
    tested = run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=package)
    assert "3 passed" in tested.stdout


def test_a_scaffolded_plugin_installs_into_a_fresh_virtualenv_and_the_server_lists_it(tmp_path):
    run(*CLI, "new-canvas", "risk-matrix", "--output", tmp_path)
    package = tmp_path / "partnerboard-risk-matrix"
    static = package / "partnerboard_risk_matrix" / "static"
    (static / "matrix.js").write_text("export const cells = 9\n")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    # Like --system-site-packages, with the project's own virtualenv as the "system": the fresh
    # venv sees partnerboard and its dependencies without downloading them, while whatever is
    # installed into it stays out of the project's virtualenv.
    site_packages = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                           "['purelib'])").stdout.strip())
    (site_packages / "_partnerboard_project.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    run(python, "-m", "pip", "install", "-q", "--no-deps", "-e", package)

    listed = json.loads(run(python, "-m", "partnerboard.server.cli", "plugins", "--json").stdout)
    by_name = {info["name"]: info for info in listed}
    assert by_name["risk-matrix"] == {**by_name["risk-matrix"], "state": "ok", "version": "0.1.0",
                                      "canvases": ["risk-matrix"]}
    own = json.loads(run(*CLI, "plugins", "--json").stdout)
    assert "risk-matrix" not in {info["name"] for info in own}

    process = ServerProcess(tmp_path / "data", python=str(python))
    try:
        process.start()
        canvases = httpx.get(process.url + "/api/canvases", timeout=5).json()
        assert {"id": "risk-matrix", "plugin": "risk-matrix"}.items() <= next(
            c for c in canvases if c["id"] == "risk-matrix").items()
        spec = httpx.get(process.url + "/api/canvases/risk-matrix", timeout=5).json()
        assert spec["steps"] == ["ideas", "choices"]
        assert process.create_board("risk-matrix")["canvas"] == "risk-matrix"
        asset = httpx.get(process.url + "/-/plugins/risk-matrix/matrix.js", timeout=5)
        assert asset.status_code == 200 and asset.text == "export const cells = 9\n"
        module = httpx.get(process.url + "/-/plugins/risk-matrix/board.js", timeout=5)
        assert module.status_code == 200 and "registerCanvas('risk-matrix'" in module.text
        served = {i["name"]: i for i in httpx.get(process.url + "/-/plugins.json").json()}
        assert served["risk-matrix"]["static"] is True
        assert served["risk-matrix"]["state"] == served["game-rules"]["state"] == "ok"
    finally:
        process.stop()
