"""CSV lab import into the clinic: checked as a whole, imported all or nothing."""

from __future__ import annotations

import io

import pytest

from alemtrack.errors import CsvInputError
from alemtrack.protocol.facts import Analyte
from alemtrack.services.labfeed import LabFeed

HEADER = "patient_id,loinc,value,unit,date,reference_range,qualitative\n"
GOOD = ("p06,26515-7,142,10*9/L,2026-11-10,150-400,\n"
        "p06,5794-3,,,2026-11-10,,negative\n"
        "p07,718-7,13.1,g/dL,2026-11-09,12-16,\n")


def patient(fhir_id: str) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Patient", "id": fhir_id, "gender": "female", "birthDate": "1990-01-01",
        "name": [{"family": f"Example-{fhir_id}", "given": ["Anna"]}]}}]}


@pytest.fixture
def feed(clinic) -> LabFeed:
    for fhir_id in ("p06", "p07"):
        clinic.import_bundle(patient(fhir_id), source="test", actor="test")
    return LabFeed(clinic)


def run(feed: LabFeed, text: str, **kw):
    return feed.import_csv(io.StringIO(text, newline=""), actor="test", **kw)


def lab_count(clinic) -> int:
    return sum(len(clinic.facts(pid).labs) for pid in (1, 2))


def test_a_valid_file_is_imported_for_every_patient(feed, clinic):
    outcome = run(feed, HEADER + GOOD)
    assert outcome.imported and (outcome.rows, outcome.patients, outcome.stored) == (3, 2, 3)
    labs = {lab.analyte: lab for lab in clinic.facts(1).labs}
    assert labs[Analyte.PLATELETS].value == 142 and labs[Analyte.PLATELETS].ref_low == 150
    assert labs[Analyte.URINE_BLOOD_DIPSTICK].qual is not None


def test_a_file_with_one_bad_row_imports_nothing_and_names_every_bad_line(feed, clinic):
    text = (HEADER + GOOD + "p06,26515-7,lots,10*9/L,2026-11-11,,\n"
            "ghost,718-7,12,g/dL,2026-11-09,,\n")
    outcome = run(feed, text)
    assert not outcome.imported and outcome.stored == 0
    assert [(p.line, p.reason) for p in outcome.rejected] == [
        (5, 'value "lots" is not a number'),
        (6, "patient 'ghost' is not followed in alemtrack"),
    ]
    assert lab_count(clinic) == 0


def test_a_dry_run_checks_everything_and_stores_nothing(feed, clinic):
    outcome = run(feed, HEADER + GOOD, dry_run=True)
    assert outcome.dry_run and not outcome.imported and outcome.rejected == []
    assert outcome.accepted == 3 and lab_count(clinic) == 0


def test_importing_the_same_file_again_stores_nothing_twice(feed, clinic):
    run(feed, HEADER + GOOD)
    again = run(feed, HEADER + GOOD)
    assert again.imported and (again.stored, again.unchanged) == (0, 3)
    assert lab_count(clinic) == 3


def test_a_later_file_with_a_new_value_for_the_same_test_and_date_replaces_it(feed, clinic):
    run(feed, HEADER + GOOD)
    later = run(feed, HEADER + "p06,26515-7,99,10*9/L,2026-11-10,150-400,\n")
    assert (later.stored, later.superseded) == (1, 1)
    assert [lab.value for lab in clinic.facts(1).labs if lab.analyte is Analyte.PLATELETS] == [99]


def test_a_result_dated_after_today_is_a_rejected_row(feed):
    outcome = run(feed, HEADER + "p06,26515-7,142,10*9/L,2026-12-01,,\n")
    assert [p.line for p in outcome.rejected] == [2]
    assert "after today" in outcome.rejected[0].reason


def test_an_unreadable_header_raises_csv_input_error(feed):
    with pytest.raises(CsvInputError):
        run(feed, "who,what\n")
