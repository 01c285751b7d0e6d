"""The course plans of the profile examples 17 (``us``) and 18 (``es2019``): premedication
regimen and the herpes-prophylaxis window projected from the planned days (clinical-rules.md
Table P, D3, R-E7 / D4). The assessments themselves are checked by test_examples.py; before
any infusion the assessment's windows are null, so the profile's window shows in the plan."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Any

from alemtrack.interop.fhir import read_bundle_file
from alemtrack.protocol import PROFILES
from alemtrack.protocol.plan import plan_course

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def planned(prefix: str, start: date, profile: str) -> dict[str, Any]:
    bundle = next(EXAMPLES.glob(f"{prefix}-*.bundle.json"))
    facts = read_bundle_file(bundle).facts
    return plan_course(facts, start, time(10, 0), params=PROFILES[profile]).to_dict()


def steroid_doses(plan: dict[str, Any]) -> list[str | None]:
    return [next((p["dose"] for p in day["premedication"] if p["drug"] == "methylprednisolone"),
                 None) for day in plan["days"]]


def test_us_example_gets_the_label_steroids_on_the_first_three_days() -> None:
    plan = planned("17", date(2026, 12, 7), "us")
    assert plan["regimen"] == "label"
    assert steroid_doses(plan) == ["1000 mg", "1000 mg", "1000 mg", None, None]


def test_us_example_continues_aciclovir_two_months_after_the_course_and_until_cd4_200() -> None:
    # Course 1 2026-12-07..11: add_months(2026-12-11, 2) = 2027-02-11, and until CD4 >= 200.
    window = planned("17", date(2026, 12, 7), "us")["windows"]["herpes_prophylaxis_until"]
    assert window["date"] == "2027-02-11"
    assert window["from"] == "2026-12-07"
    assert "CD4" in window["note"]


def test_es2019_example_gets_the_s3_methylprednisolone_taper_and_table_p() -> None:
    plan = planned("18", date(2026, 12, 14), "es2019")
    assert plan["regimen"] == "es2019"
    assert steroid_doses(plan) == ["1000 mg", "1000 mg", "500 mg", "250 mg", "250 mg"]
    for day in plan["days"]:
        drugs = {p["drug"] for p in day["premedication"] + day["prophylaxis"]}
        assert {"paracetamol", "dexchlorpheniramine", "pantoprazole", "aciclovir"} <= drugs


def test_es2019_example_continues_aciclovir_four_weeks_from_day_1() -> None:
    # S3 Rec 9 / Fig 5: D1 + 28 days = 2027-01-11 (not counted from the last infusion).
    window = planned("18", date(2026, 12, 14), "es2019")["windows"]["herpes_prophylaxis_until"]
    assert window["date"] == "2027-01-11"
