"""`alemtrack rules` lists the whole catalogue, in text and JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from alemtrack.cli.main import app

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "clinical-rules.md"
runner = CliRunner()


def test_rules_json_lists_every_rule_id_of_the_spec_with_its_source():
    result = runner.invoke(app, ["rules", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    spec_ids = set(re.findall(r"\bR-[A-Z]\d+\b", SPEC.read_text(encoding="utf-8")))
    assert {r["id"] for r in listed} == spec_ids
    assert all(r["source"] and r["title"] and r["produces"] for r in listed)


def test_rules_text_shows_the_itp_rule_with_its_source():
    result = runner.invoke(app, ["rules"], terminal_width=200)
    assert result.exit_code == 0
    assert "R-H4" in result.stdout
    assert "R-G0" in result.stdout


def test_rules_text_explains_every_source_key_the_rules_cite():
    from alemtrack.protocol.catalogue import SOURCES, all_rules

    cited = {
        key for r in all_rules() for key in SOURCES
        if key not in ("✔", "◐", "✱") and re.search(rf"(?<![\w-]){re.escape(key)}\b", r.source)
    }
    assert {"S3", "EU", "US"} <= cited
    result = runner.invoke(app, ["rules"], terminal_width=200)
    assert "003_595478138bec9c2b.txt" in result.stdout
    assert "Sources (clinical-rules.md §0)" in result.stdout
