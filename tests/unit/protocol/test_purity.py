"""The clinical core never reads the clock, the network, files or the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import alemtrack.protocol

PROTOCOL = Path(alemtrack.protocol.__file__).parent
SOURCES = sorted(PROTOCOL.rglob("*.py"))

# Calls that read the wall clock or the outside world.
FORBIDDEN_CALLS = {
    ("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
    ("time", "time"), ("time", "monotonic"), ("time", "localtime"), ("time", "gmtime"),
    ("os", "getenv"), ("os", "environ"), ("random", "random"),
}
FORBIDDEN_MODULES = {"os", "sys", "time", "random", "socket", "urllib", "http", "sqlite3",
                     "subprocess", "pathlib", "io", "requests", "httpx"}
ALLOWED_THIRD_PARTY: set[str] = set()


def _calls(tree: ast.AST) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found.add((node.value.id, node.attr))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            found.add((node.value.attr, node.attr))
    return found


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_protocol_sources_exist():
    assert len(SOURCES) >= 10


def test_protocol_never_reads_the_clock():
    offenders = {
        f"{path.relative_to(PROTOCOL)}: {obj}.{attr}"
        for path in SOURCES
        for obj, attr in _calls(ast.parse(path.read_text(encoding="utf-8")))
        if (obj, attr) in FORBIDDEN_CALLS
    }
    assert not offenders, f"clock or environment read in protocol/: {sorted(offenders)}"


def test_protocol_imports_only_the_standard_library_and_itself():
    import sys

    stdlib = sys.stdlib_module_names
    offenders = {}
    for path in SOURCES:
        for name in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if name in FORBIDDEN_MODULES or (name not in stdlib and name != "__future__"
                                             and name not in ALLOWED_THIRD_PARTY):
                offenders.setdefault(str(path.relative_to(PROTOCOL)), []).append(name)
    assert not offenders, f"protocol/ imports I/O or third-party modules: {offenders}"


def test_the_clock_check_would_catch_date_today():
    tree = ast.parse("from datetime import date\nx = date.today()\ny = datetime.now()")
    assert {("date", "today"), ("datetime", "now")} <= _calls(tree)
