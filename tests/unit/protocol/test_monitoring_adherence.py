"""R-M1 adherence: Table M slots due so far against slots filled within their window."""

from __future__ import annotations

from datetime import date

from alemtrack.protocol.facts import Analyte
from alemtrack.protocol.rules.monitoring import adherence
from builders import course as infusions
from builders import ctx, lab, patient

COURSE1 = date(2024, 1, 8)  # last infusion (anchor) 2024-01-12; slot k due 12th of month k


def test_a_missed_month_counts_as_due_but_not_on_time_and_an_open_slot_waits() -> None:
    p = patient(
        infusions=infusions(COURSE1),
        labs=(lab(Analyte.PLATELETS, 210, date(2024, 2, 10)),  # slot 1 window 5 Feb-5 Mar
              lab(Analyte.PLATELETS, 205, date(2024, 4, 20))),  # slot 3 window 5 Apr-5 May
    )
    result = adherence(ctx(p, date(2024, 4, 20)))
    assert result["cbc"] == (3, 2)  # slot 2 (window closed 5 Apr) missed; slot 3 filled early
    assert result["creatinine"] == (2, 0)  # slots 1 and 2 closed, never done
    assert result["tsh"] == (0, 0)  # first TSH slot (month 3) still open and empty


def test_a_result_after_its_window_does_not_count_as_on_time() -> None:
    p = patient(infusions=infusions(COURSE1),
                labs=(lab(Analyte.PLATELETS, 210, date(2024, 3, 6)),))  # slot 2 window
    assert adherence(ctx(p, date(2024, 3, 20)))["cbc"] == (2, 1)  # slot 1 missed, 2 filled


def test_a_second_course_ends_the_slots_of_the_first() -> None:
    p = patient(infusions=(*infusions(COURSE1), *infusions(date(2025, 1, 13), 3)))
    # months 1-12 of course 1 (the 12th due 12 Jan 2025, before course 2 began), none done;
    # course 2's first slot (15 Feb 2025, window from 8 Feb) is still open.
    assert adherence(ctx(p, date(2025, 2, 10)))["cbc"] == (12, 0)


def test_no_course_no_slots() -> None:
    assert set(adherence(ctx(patient(), date(2024, 4, 20))).values()) == {(0, 0)}
