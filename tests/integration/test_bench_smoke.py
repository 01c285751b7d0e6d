"""The benchmark scripts of ``bench/`` still run: each ``main`` with tiny sizes prints its table.

The figures themselves are not checked (they belong in docs/benchmarks.md, measured on
purpose); this only keeps the scripts from rotting as the code they drive changes.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
NUMBER = r"\d[\d,]*(?:\.\d+)?"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_smoke_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(output: str, header: str) -> list[str]:
    """The body lines of the table whose header line starts with ``header``."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    assert set(lines[start + 1].replace(" ", "")) == {"-"}, lines[start + 1]
    body = []
    for line in lines[start + 2:]:
        if not re.search(rf"{NUMBER}\s*$", line):
            break
        body.append(line)
    return body


def test_assess_benchmark_prints_a_rate_for_the_examples_and_each_profile(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert load("bench_assess").main(["--patients", "3", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    body = rows(out, "set")
    assert [line.split()[0] for line in body] == ["examples", "demo", "demo", "demo"]
    assert all(re.search(rf"\s{NUMBER}\s+{NUMBER}\s+{NUMBER}$", line) for line in body)
    assert "resources/s" in out


def test_worklist_benchmark_builds_a_clinic_and_times_every_call(
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    db = tmp_path / "bench.db"
    assert load("bench_worklist").main(["--patients", "4", "--repeat", "2",
                                        "--database", str(db)]) == 0
    out = capsys.readouterr().out
    assert "4 patients" in out and "resources/s" in out
    calls = [line.split("(")[0] for line in rows(out, "call")]
    assert calls.count("worklist") == 2
    assert calls.count("list_patients") == 7
    assert calls.count("adherence") == 3
    assert db.is_file()


def test_cds_hooks_benchmark_gets_cards_from_a_real_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert load("bench_cds_hooks").main(["--calls", "2", "--warmup", "0"]) == 0
    body = rows(capsys.readouterr().out, "scenario")
    assert len(body) == 4
    for line in body:
        resources, cards, calls = line.split()[-6:-3]  # then median, p95, max
        assert int(resources.replace(",", "")) > 1 and int(cards) >= 1 and calls == "2"


def test_bulk_import_benchmark_runs_through_the_reader_and_the_clinic(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = load("bench_bulk_import")
    monkeypatch.setattr(sys, "argv", ["bench_bulk_import.py", "--patients", "3",
                                      "--observations", "2"])
    module.main()
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[1:]] == [["reader", "3"], ["clinic", "3"]]
