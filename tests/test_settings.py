"""One settings table (klynge.config.SETTINGS): the README's table, the environment names and the checks
are derived from it, and no module reads a Klynge variable of its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from klynge.config import ENV, SETTINGS, load_settings, markdown_table, read_setting
from klynge.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
#: Variables Klynge sets for a child process it starts (not settings a user sets).
CHILD_PROCESS_VARIABLES = {"KLYNGE_NEO4J_PASSWORD", "KLYNGE_NEO4J_LOG"}


def test_the_readme_table_is_the_generated_one():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- settings:[^\n]*-->\n(.*?)<!-- /settings -->", text, re.S)
    assert block, "README.md lost its settings block"
    assert block.group(1) == markdown_table(), "run: python -m klynge.config --markdown, and paste it into README.md"


def test_every_setting_has_one_variable_and_a_default_of_its_kind():
    assert len({s.env for s in SETTINGS}) == len(SETTINGS) == len(ENV)
    defaults = load_settings(environ={})
    for s in SETTINGS:
        value = getattr(defaults, s.name)
        assert value is None or isinstance(value, s.kind), s.name


def _environment_reads(path: Path) -> list[str]:
    """Names read with os.environ[...] / os.environ.get(...) / os.getenv(...) in one module."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        target = None
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            target = node.slice
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("os.environ.get", "os.getenv") and node.args:
            target = node.args[0]
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            out.append(target.value)
    return out


def test_no_module_reads_a_klynge_variable_outside_the_settings_table():
    offenders = []
    for pkg in ("cypher", "loaders", "gds_jobs", "web", "klynge"):
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if path == ROOT / "klynge" / "config.py":
                continue
            offenders += [f"{path.relative_to(ROOT)} reads {name}" for name in _environment_reads(path)
                          if name.startswith(("KLYNGE_", "NEO4J_")) and name not in CHILD_PROCESS_VARIABLES]
    assert offenders == []


def test_the_checker_finds_a_direct_read(tmp_path):
    """The rule above fails on a module that reads a variable itself."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nA = os.environ.get('KLYNGE_X')\nB = os.environ['KLYNGE_Y']\nC = os.getenv('KLYNGE_Z')\n")
    assert _environment_reads(bad) == ["KLYNGE_X", "KLYNGE_Y", "KLYNGE_Z"]


@pytest.mark.parametrize("env,message", [
    ({"KLYNGE_SYNC_PAGE_SIZE": "0"}, r"sync_page_size \(KLYNGE_SYNC_PAGE_SIZE\) must be 1 to 10000, got 0"),
    ({"KLYNGE_NEO4J_HEAP": "lots"}, r"KLYNGE_NEO4J_HEAP\) must be a size such as 512m or 4g"),
    ({"KLYNGE_SECURE_COOKIES": "maybe"}, r"KLYNGE_SECURE_COOKIES\) must be auto, true or false"),
    ({"KLYNGE_SESSION_HOURS": "0"}, r"must be above 0, got 0.0; a login needs a bounded lifetime"),
    ({"KLYNGE_PORT": "http"}, r"web_port \(KLYNGE_PORT\) must be int, got 'http'"),
    ({"KLYNGE_MEASURES_CACHE_S": "-1"}, r"KLYNGE_MEASURES_CACHE_S\) must be at least 0"),
])
def test_bad_values_are_refused_naming_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=env)


def test_one_setting_is_read_with_the_same_checks():
    assert read_setting("schedule", {}) == "30 2 * * *"
    assert read_setting("measures_check_s", {"KLYNGE_MEASURES_CHECK_S": "2.5"}) == 2.5
    with pytest.raises(ConfigError, match="KLYNGE_MEASURES_CHECK_S"):
        read_setting("measures_check_s", {"KLYNGE_MEASURES_CHECK_S": "soon"})
