"""The lab-result CSV reader: the documented layout, one verdict per row with its line number,
and fuzzing that finds no error but the documented ``CsvInputError``."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alemtrack.errors import CsvInputError
from alemtrack.interop.csv import COLUMNS, RowProblem, read_lab_csv
from alemtrack.interop.labresults import FeedResult
from alemtrack.protocol.facts import Analyte

HEADER = ",".join(COLUMNS)


def read(text: str) -> list[FeedResult | RowProblem]:
    return list(read_lab_csv(io.StringIO(text, newline="")))


def test_a_documented_file_gives_one_result_per_row_in_alemtrack_units():
    rows = read(HEADER + "\n"
                "p-0001,26515-7,142,10*9/L,2026-11-10,150-400,\n"
                "p-0001,718-7,8.1,mmol/L,2026-11-10T08:30:00+01:00,,\n"
                "p-0001,5794-3,,,2026-11-10,,negative\n")
    platelets, hb, blood = rows
    assert isinstance(platelets, FeedResult) and platelets.analyte is Analyte.PLATELETS
    assert (platelets.converted, platelets.ref_low, platelets.ref_high) == (142, 150, 400)
    assert isinstance(hb, FeedResult) and hb.converted == pytest.approx(13.05, abs=0.01)
    assert hb.effective == "2026-11-10T08:30:00+01:00"
    assert isinstance(blood, FeedResult) and blood.qual_text == "negative"
    assert platelets.where == "line 2" and blood.where == "line 4"


def test_optional_columns_may_be_left_out_and_columns_may_come_in_any_order():
    (row,) = read("date,loinc,patient_id,unit,value\n2026-11-10,26515-7,p1,10*3/uL,99\n")
    assert isinstance(row, FeedResult) and row.value == 99 and row.patient_id == "p1"


def test_every_bad_row_is_reported_with_its_line_number_and_reason():
    rows = read(HEADER + "\n"
                "p1,26515-7,abc,10*9/L,2026-11-10,,\n"
                "p1,9999-9,1,mg,2026-11-10,,\n"
                "\n"
                "p1,26515-7,142,furlongs,2026-11-10,,\n"
                "p1,26515-7,142,10*9/L,10/11/2026,,\n"
                "p1,26515-7,142\n"
                ",26515-7,142,10*9/L,2026-11-10,,\n"
                "p1,26515-7,90000,10*9/L,2026-11-10,,\n"
                "p1,5794-3,,,2026-11-10,,maybe\n")
    problems = [(r.line, r.reason) for r in rows if isinstance(r, RowProblem)]
    assert [line for line, _ in problems] == [2, 3, 5, 6, 7, 8, 9, 10]
    reasons = dict(problems)
    assert reasons[2] == 'value "abc" is not a number'
    assert reasons[3] == "LOINC 9999-9 is not an analyte alemtrack follows"
    assert 'unit "furlongs" cannot be converted' in reasons[5]
    assert "is not YYYY-MM-DD" in reasons[6]
    assert reasons[7] == "has 3 fields; the header has 7"
    assert reasons[8] == "patient_id is empty"
    assert "implausible for platelets" in reasons[9]
    assert "not a result alemtrack reads" in reasons[10]


def test_a_row_repeating_patient_loinc_and_date_names_the_first_line():
    rows = read(HEADER + "\np1,26515-7,142,10*9/L,2026-11-10,,\np1,26515-7,99,10*9/L,"
                "2026-11-10,,\n")
    assert rows[1] == RowProblem(3, "same patient, LOINC and date as line 2")


def test_a_quoted_field_spanning_lines_keeps_the_line_numbers_right():
    rows = read(HEADER + '\np1,26515-7,142,10*9/L,2026-11-10,"150-\n400",\np1,x,1,mg,'
                "2026-11-10,,\n")
    assert isinstance(rows[1], RowProblem) and rows[1].line == 4


@pytest.mark.parametrize("text, needle", [
    ("", "the file is empty"),
    ("patient,loinc,value,unit,date\n", "unknown column(s) 'patient'"),
    ("patient_id,loinc,value,date\n", "missing column(s) unit"),
    ("patient_id,loinc,value,unit,date,date\n", "appear more than once"),
])
def test_a_file_that_cannot_be_read_as_a_whole_raises_csv_input_error_on_line_1(text, needle):
    with pytest.raises(CsvInputError) as caught:
        read(text)
    assert caught.value.line == 1 and needle in str(caught.value)


def test_a_file_that_is_not_utf8_raises_csv_input_error():
    raw = (HEADER + "\np1,26515-7,142,10*9/L,2026-11-10,,\n").encode() + b"\xff\xfe\n"
    with pytest.raises(CsvInputError, match="not UTF-8"):
        list(read_lab_csv(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline="")))


CELL = st.sampled_from(["p1", "26515-7", "5794-3", "718-7", "142", "10*9/L", "g/dL",
                        "2026-11-10", "negative", "150-400", "", "1e400", "nan", "-1",
                        '"', ",", "\n", "\x00"]) | st.text(max_size=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=6), st.booleans())
def test_fuzzed_rows_give_results_or_row_problems_never_another_error(rows, header):
    text = (HEADER + "\n" if header else "") + "\n".join(",".join(r) for r in rows)
    try:
        out = read(text)
    except CsvInputError:
        return
    for item in out:
        assert isinstance(item, FeedResult | RowProblem)
        if isinstance(item, RowProblem):
            assert item.line >= 2 and item.reason


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fuzzed_text_never_raises_another_error(text):
    with contextlib.suppress(CsvInputError):
        read(text)
