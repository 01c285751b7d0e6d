"""Every assessment validates against docs/assessment.schema.json (interfaces.md §2)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from alemtrack.protocol.facts import Analyte
from builders import course, lab, patient, run

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "docs" / "assessment.schema.json").read_text("utf-8")
)
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def test_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "facts, on",
    [
        (patient(), date(2024, 3, 1)),
        (patient(infusions=course(date(2024, 1, 8))), date(2024, 11, 12)),
        (
            patient(
                infusions=course(date(2022, 1, 10)),
                labs=[
                    lab(Analyte.PLATELETS, 62, date(2023, 8, 1)),
                    lab(Analyte.PLATELETS, 210, date(2023, 7, 1)),
                ],
            ),
            date(2023, 8, 2),
        ),
        (patient(infusions=course(date(2018, 1, 8))), date(2024, 1, 1)),
    ],
    ids=["candidate", "monitoring", "itp", "monitoring-complete"],
)
def test_assessments_validate_against_the_published_schema(facts, on):
    VALIDATOR.validate(run(facts, on).to_dict())


def test_schema_rejects_an_unknown_severity():
    doc = run(
        patient(
            infusions=course(date(2022, 1, 10)), labs=[lab(Analyte.PLATELETS, 20, date(2023, 8, 1))]
        ),
        date(2023, 8, 2),
    ).to_dict()
    assert doc["findings"], "a platelet count of 20 must produce a finding"
    doc["findings"][0]["severity"] = "severe"
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(doc)
