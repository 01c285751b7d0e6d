"""Terse builders of synthetic facts for tests. Every id is made up; no real patient data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from itertools import count
from typing import Any

from alemtrack.protocol.context import Context, build_context
from alemtrack.protocol.dates import add_days
from alemtrack.protocol.engine import Assessment, assess
from alemtrack.protocol.facts import (
    Analyte,
    Condition,
    ConditionKind,
    Infusion,
    LabResult,
    PatientFacts,
    Qual,
    Sex,
)
from alemtrack.protocol.parameters import PROFILES, ProfileName

_ids = count(1)

# One LOINC per analyte for tests (the vocabulary maps every code of a §8 row).
TEST_CODES: dict[Analyte, str] = {
    Analyte.PLATELETS: "777-3",
    Analyte.HAEMOGLOBIN: "718-7",
    Analyte.WBC: "6690-2",
    Analyte.NEUTROPHILS: "751-8",
    Analyte.LYMPHOCYTES: "731-0",
    Analyte.CD4: "24467-3",
    Analyte.CREATININE: "2160-0",
    Analyte.TSH: "3016-3",
    Analyte.FT4: "3024-7",
    Analyte.ALT: "1742-6",
    Analyte.AST: "1920-8",
    Analyte.BILIRUBIN: "1975-2",
}


def lab(
    analyte: Analyte,
    value: float | None,
    on: date,
    *,
    qual: Qual | None = None,
    low: float | None = None,
    high: float | None = None,
    ref: str | None = None,
) -> LabResult:
    return LabResult(
        ref=ref or f"Observation/t{next(_ids)}",
        analyte=analyte,
        code=TEST_CODES.get(analyte, analyte.value),
        date=on,
        value=value,
        qual=qual,
        ref_low=low,
        ref_high=high,
    )


def course(first_day: date, days: int = 5, *, dose_mg: float = 12.0) -> tuple[Infusion, ...]:
    """Consecutive daily infusions starting ``first_day`` at 10:00."""
    out = []
    for i in range(days):
        d = add_days(first_day, i)
        out.append(Infusion(
            ref=f"MedicationAdministration/t{next(_ids)}",
            date=d,
            start=datetime.combine(d, time(10, 0)),
            dose_mg=dose_mg,
            lot=f"LOT{i}",
        ))
    return tuple(out)


def condition(kind: ConditionKind, *, onset: date | None = None, active: bool = True,
              code: str = "0", display: str = "", severe: bool = False) -> Condition:
    return Condition(ref=f"Condition/t{next(_ids)}", kind=kind, code=code,
                     display=display or kind.value, active=active, onset=onset, severe=severe)


def patient(*, sex: Sex = Sex.FEMALE, born: date = date(1990, 5, 17), **facts: Any) -> PatientFacts:
    """A patient with an RRMS diagnosis and the given facts (tuples or lists)."""
    conditions = tuple(facts.pop("conditions", ()))
    if not any(c.kind is ConditionKind.RRMS for c in conditions):
        conditions = (condition(ConditionKind.RRMS, onset=date(2015, 3, 1)), *conditions)
    return PatientFacts(
        ref="Patient/test",
        sex=sex,
        birth_date=born,
        conditions=conditions,
        **{k: tuple(v) for k, v in facts.items()},
    )


def with_facts(p: PatientFacts, **facts: Any) -> PatientFacts:
    """``p`` with more facts appended to its tuples."""
    return replace(p, **{k: (*getattr(p, k), *v) for k, v in facts.items()})


def ctx(p: PatientFacts, as_of: date, *, profile: ProfileName = "eu",
        planned_start: date | None = None) -> Context:
    return build_context(p, as_of, PROFILES[profile], planned_start)


def run(p: PatientFacts, as_of: date, *, profile: ProfileName = "eu",
        planned_start: date | None = None) -> Assessment:
    return assess(p, as_of, PROFILES[profile], planned_start)


def rules_fired(a: Assessment) -> set[str]:
    return {f.rule for f in a.findings}


def gate_rules(a: Assessment) -> set[str]:
    return {g.rule for g in a.next_course.gates}


def finding(a: Assessment, rule: str) -> Any:
    matches = [f for f in a.findings if f.rule == rule]
    assert matches, f"{rule} did not fire; fired: {sorted(rules_fired(a))}"
    return matches[0]


def gate(a: Assessment, rule: str) -> Any:
    matches = [g for g in a.next_course.gates if g.rule == rule]
    assert matches, f"no {rule} gate; gates: {sorted(gate_rules(a))}"
    return matches[0]


# ---- vaccination and medication builders (R-C, R-D) -----------------------------------------

_LIVE_VACCINES = frozenset({"varicella", "mmr", "zoster-live", "yellow-fever", "typhoid-oral",
                            "other-live"})


def vaccine_dose(vaccine: Any, on: date, *, live: bool | None = None, code: str = "0") -> Any:
    """An Immunization of ``vaccine`` (a ``Vaccine``); ``live`` defaults from the vaccine."""
    from alemtrack.protocol.facts import Vaccination

    is_live = vaccine.value in _LIVE_VACCINES if live is None else live
    return Vaccination(ref=f"Immunization/t{next(_ids)}", vaccine=vaccine, code=code, date=on,
                       live=is_live)


def med_use(drug: Any, *, start: date | None = None, last_dose: date | None = None,
            active: bool = False, daily_dose_mg: float | None = None,
            iv_bolus: bool = False, code: str = "0") -> Any:
    """A MedicationStatement of ``drug`` (a ``Drug``)."""
    from alemtrack.protocol.facts import MedicationUse

    return MedicationUse(ref=f"MedicationStatement/t{next(_ids)}", drug=drug, code=code,
                         start=start, last_dose=last_dose, active=active,
                         daily_dose_mg=daily_dose_mg, iv_bolus=iv_bolus)
