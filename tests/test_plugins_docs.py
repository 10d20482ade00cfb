"""The plugin guide cannot drift from the hook specifications, and no hook goes undocumented."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from partnerboard.plugins import hookspecs
from partnerboard.plugins.manager import PluginRegistry
from partnerboard.plugins.reference import (
    BEGIN,
    END,
    hook_names,
    hook_reference,
    main,
    readme_block,
    update_readme,
)

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "plugins" / "README.md"
HOOKS = hook_names()


def test_every_hook_the_plugin_manager_knows_is_in_the_reference():
    known = {name for name in vars(PluginRegistry().pm.hook) if not name.startswith("_")}
    assert set(HOOKS) == known
    assert len(HOOKS) >= 5


def test_the_readme_hook_reference_is_the_hookspec_docstrings():
    assert readme_block(README.read_text(encoding="utf-8")) == hook_reference().strip("\n"), (
        "plugins/README.md is out of date: run "
        "`python -m partnerboard.plugins.reference plugins/README.md`"
    )


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_is_fully_documented(name):
    function = getattr(hookspecs, name)
    doc = inspect.getdoc(function) or ""
    spec_opts = function.partnerboard_spec
    assert doc.strip(), f"{name} has no docstring"
    assert ":return:" in doc, f"{name}: say what it returns"
    assert "Called " in doc, f"{name}: say when it is called"
    assert ".. versionadded::" in doc, f"{name}: say when it was added"
    for parameter in inspect.signature(function).parameters:
        assert f":param {parameter}:" in doc, f"{name}: document :param {parameter}:"
    if spec_opts["firstresult"]:
        assert "Stops at the first non-None result" in doc
    else:
        assert "Not firstresult" in doc, f"{name}: say that every plugin's result is collected"
    assert f"### `{name}`" in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_test(name):
    tests = [path for path in sorted((ROOT / "tests").glob("test_*.py"))
             if path.name != Path(__file__).name]
    assert any(re.search(rf"\b{name}\b", path.read_text(encoding="utf-8")) for path in tests), (
        f"no test mentions {name}"
    )


def test_the_reference_tool_rewrites_only_the_generated_block(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Guide\n\nintro\n\n{BEGIN}\n\nold text\n\n{END}\n\nafter\n")
    assert main([str(readme)]) == 0
    assert "updated" in capsys.readouterr().out
    text = readme.read_text()
    assert text.startswith("# Guide\n\nintro\n\n") and text.endswith(f"{END}\n\nafter\n")
    assert readme_block(text) == hook_reference().strip("\n")
    assert update_readme(readme) is False
    assert main([str(readme)]) == 0
    assert "already up to date" in capsys.readouterr().out
    assert main([]) == 2
    with pytest.raises(ValueError, match="lacks the markers"):
        readme_block("no markers here")
