"""R-L1..R-L3 liver rules (clinical-rules.md §7b Liver / autoimmune hepatitis)."""

from datetime import date

from alemtrack.protocol.context import build_context
from alemtrack.protocol.engine import Assessment, assemble
from alemtrack.protocol.facts import Analyte, PatientFacts
from alemtrack.protocol.parameters import PROFILES
from alemtrack.protocol.results import Severity
from alemtrack.protocol.rules import liver
from builders import course, lab, patient

AS_OF = date(2026, 11, 21)
COURSE1 = course(date(2025, 1, 6))


def assess(p: PatientFacts, as_of: date = AS_OF, planned_start: date | None = None) -> Assessment:
    c = build_context(p, as_of, PROFILES["eu"], planned_start)
    return assemble(c, list(liver.evaluate(c)))


def fired(a: Assessment) -> dict[str, object]:
    return {f.rule: f for f in a.findings}


def dues(a: Assessment) -> list[tuple[str, date, str]]:
    return [(d.item, d.due, d.rule) for d in a.due]


def test_rules_declare_every_liver_rule_id():
    assert [r.id for r in liver.RULES] == ["R-L1", "R-L2", "R-L3"]


def test_normal_liver_tests_raise_no_liver_finding():
    labs = [
        lab(Analyte.ALT, 30, date(2026, 11, 1)),
        lab(Analyte.AST, 35, date(2026, 11, 1)),
        lab(Analyte.BILIRUBIN, 1.0, date(2026, 11, 1)),
    ]
    a = assess(patient(infusions=COURSE1, labs=labs))
    assert a.findings == () and a.due == ()


def test_alt_above_uln_up_to_3x_raises_warning_and_repeat_in_14_days():
    alt = lab(Analyte.ALT, 80, date(2026, 11, 1))
    a = assess(patient(infusions=COURSE1, labs=[alt, lab(Analyte.AST, 30, date(2026, 11, 1))]))
    assert set(fired(a)) == {"R-L1"}
    f = fired(a)["R-L1"]
    assert f.severity is Severity.WARN
    assert "ALT 80 U/L (> ULN 40; 2.0×ULN)" in f.summary
    assert [e.ref for e in f.evidence] == [alt.ref]
    assert dues(a) == [("lft", date(2026, 11, 15), "R-L1")]


def test_alt_exactly_3x_uln_is_still_a_mild_rise():
    a = assess(patient(infusions=COURSE1, labs=[lab(Analyte.ALT, 120, date(2026, 11, 1))]))
    assert set(fired(a)) == {"R-L1"}


def test_alt_within_the_labs_own_higher_uln_raises_no_liver_finding():
    alt = lab(Analyte.ALT, 50, date(2026, 11, 1), high=55)
    assert assess(patient(infusions=COURSE1, labs=[alt])).findings == ()


def test_ast_above_3x_uln_raises_urgent_liver_alert_without_mild_alert():
    ast = lab(Analyte.AST, 150, date(2026, 11, 1))
    a = assess(patient(infusions=COURSE1, labs=[ast, lab(Analyte.ALT, 60, date(2026, 11, 1))]))
    assert set(fired(a)) == {"R-L2"}
    f = fired(a)["R-L2"]
    assert f.severity is Severity.URGENT
    assert "AST 150 U/L (> 3×ULN 120; 3.8×ULN)" in f.summary
    assert [e.ref for e in f.evidence] == [ast.ref]
    assert dues(a) == [("lft", date(2026, 11, 4), "R-L2")]


def test_bilirubin_above_2x_uln_alone_raises_urgent_liver_alert():
    bili = lab(Analyte.BILIRUBIN, 3.0, date(2026, 11, 1))
    a = assess(patient(infusions=COURSE1, labs=[bili, lab(Analyte.ALT, 30, date(2026, 11, 1))]))
    f = fired(a)["R-L2"]
    assert f.severity is Severity.URGENT
    assert "Bilirubin 3 mg/dL (> 2×ULN 2.4; 2.5×ULN)" in f.summary


def test_bilirubin_below_2x_uln_alone_raises_no_liver_alert():
    a = assess(patient(infusions=COURSE1, labs=[lab(Analyte.BILIRUBIN, 2.0, date(2026, 11, 1))]))
    assert a.findings == ()


def test_urgent_liver_alert_holds_the_next_course_via_r_g0_item_10():
    a = assess(
        patient(infusions=COURSE1, labs=[lab(Analyte.ALT, 200, date(2026, 11, 1))]),
        planned_start=date(2026, 12, 1),
    )
    (g,) = a.next_course.gates
    assert (g.rule, g.outcome.value, g.until) == ("R-L2", "hold", None)


def test_alt_above_3x_uln_with_concurrent_bilirubin_above_2x_uln_is_critical_hys_law():
    alt = lab(Analyte.ALT, 300, date(2026, 11, 1))
    bili = lab(Analyte.BILIRUBIN, 3.6, date(2026, 11, 5))
    a = assess(patient(infusions=COURSE1, labs=[alt, bili]))
    assert set(fired(a)) == {"R-L3"}
    f = fired(a)["R-L3"]
    assert f.severity is Severity.CRITICAL
    assert f.summary.startswith("Hy's-law pattern: ALT 300 U/L")
    assert "Bilirubin 3.6 mg/dL (> 2×ULN 2.4; 3.0×ULN)" in f.summary
    assert [e.ref for e in f.evidence] == [alt.ref, bili.ref]
    assert dues(a) == [("lft", date(2026, 11, 8), "R-L3")]


def test_hys_law_needs_bilirubin_concurrent_with_the_transaminase():
    labs = [
        lab(Analyte.ALT, 300, date(2026, 10, 1)),
        lab(Analyte.BILIRUBIN, 3.6, date(2026, 11, 1)),
    ]
    a = assess(patient(infusions=COURSE1, labs=labs))
    assert set(fired(a)) == {"R-L2"}
    assert len(fired(a)["R-L2"].evidence) == 2


def test_hys_law_uses_the_labs_reference_range():
    labs = [
        lab(Analyte.ALT, 300, date(2026, 11, 1), high=120),  # 2.5×ULN
        lab(Analyte.BILIRUBIN, 3.6, date(2026, 11, 1)),
    ]
    assert set(fired(assess(patient(infusions=COURSE1, labs=labs)))) == {"R-L2"}


def test_liver_rules_fire_before_treatment_too():
    a = assess(
        patient(labs=[lab(Analyte.ALT, 80, date(2026, 11, 1))]), planned_start=date(2026, 12, 1)
    )
    assert set(fired(a)) == {"R-L1"}
