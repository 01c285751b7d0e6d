"""Words the screens use for the protocol's codes: analytes, due items, windows, phases."""

from __future__ import annotations

from dataclasses import dataclass

from alemtrack.protocol.facts import ANALYTE_UNITS, Analyte
from alemtrack.protocol.vocabulary import LOINC_ANALYTES

ANALYTE_LABELS: dict[str, str] = {
    "platelets": "Platelets",
    "haemoglobin": "Haemoglobin",
    "wbc": "White cells (WBC)",
    "neutrophils": "Neutrophils",
    "lymphocytes": "Lymphocytes",
    "cd4": "CD4 count",
    "creatinine": "Creatinine (serum)",
    "egfr": "eGFR",
    "urine-rbc-hpf": "Urine RBC (microscopy)",
    "urine-rbc-count": "Urine RBC (automated)",
    "urine-blood-dipstick": "Urine blood (dipstick)",
    "urine-protein-dipstick": "Urine protein (dipstick)",
    "upcr": "Urine protein:creatinine",
    "urine-creatinine": "Urine creatinine",
    "urine-protein-24h": "24-h urine protein",
    "tsh": "TSH",
    "ft4": "Free T4",
    "ft3": "Free T3",
    "trab": "TRAb",
    "tpo-ab": "TPO antibodies",
    "alt": "ALT",
    "ast": "AST",
    "bilirubin": "Bilirubin (total)",
    "ferritin": "Ferritin",
    "triglycerides": "Triglycerides",
    "fibrinogen": "Fibrinogen",
    "aptt": "aPTT",
    "ldh": "LDH",
    "haptoglobin": "Haptoglobin",
    "schistocytes": "Schistocytes",
    "factor-viii": "Factor VIII activity",
    "hcg-urine": "hCG urine (pregnancy test)",
    "hcg-serum": "hCG serum",
    "anti-hbs": "Anti-HBs",
    "hbsag": "HBsAg",
    "anti-hbc": "Anti-HBc (total)",
    "hbv-dna": "HBV DNA",
    "hcv-ab": "HCV antibodies",
    "hcv-rna": "HCV RNA",
    "hiv": "HIV Ab/Ag",
    "igra": "IGRA (QuantiFERON)",
    "vzv-igg": "VZV IgG",
    "measles-igg": "Measles IgG",
    "hav-igg": "HAV IgG",
    "anti-gbm": "Anti-GBM antibodies",
}

DUE_ITEM_LABELS: dict[str, str] = {
    "cbc": "Full blood count",
    "creatinine": "Serum creatinine",
    "urinalysis": "Urinalysis",
    "lft": "Liver tests",
    "tsh": "TSH",
    "cd4": "CD4 count",
    "symptom-checklist": "Symptom checklist (Fig 4)",
    "hpv-screening": "HPV screening",
    "skin-exam": "Skin examination",
    "mri": "MRI",
    "pregnancy-test": "Pregnancy test",
    "anti-hbs": "Anti-HBs",
    "aptt": "aPTT",
}

WINDOW_LABELS: dict[str, str] = {
    "contraception_until": "Contraception until",
    "breastfeeding_resume": "Breastfeeding may resume",
    "listeria_diet_until": "Listeria diet until",
    "herpes_prophylaxis_until": "Herpes prophylaxis until",
    "live_vaccines_from": "Live vaccines allowed from",
}

PHASE_LABELS: dict[str, str] = {
    "candidate": "Candidate",
    "pre-treatment": "Pre-treatment",
    "in-course": "In course",
    "monitoring": "Monitoring",
    "monitoring-complete": "Monitoring complete",
}

COURSE_STATUS_LABELS: dict[str, str] = {
    "ready": "Ready",
    "blocked": "Blocked",
    "on-hold": "On hold",
    "not-eligible": "Not eligible",
    "not-applicable": "Not applicable",
}

DECISION_LABELS: dict[str, str] = {
    "course-2-due": "Course 2 due",
    "retreatment-to-consider": "Retreatment to consider",
}

QUALITATIVE_RESULTS: tuple[str, ...] = (
    "negative", "trace", "positive", "1+", "2+", "3+", "4+", "indeterminate",
)


def label(table: dict[str, str], key: str | None) -> str:
    """The table's words for ``key``, or the key made readable when the table lacks it."""
    if key is None:
        return ""
    return table.get(key) or key.replace("-", " ").replace("_", " ").capitalize()


def due_item_label(item: str) -> str:
    """Due items may carry a screening or vaccine name the table does not list."""
    return label(DUE_ITEM_LABELS, item)


@dataclass(frozen=True, slots=True)
class LabChoice:
    code: str
    analyte: str
    label: str
    unit: str


def lab_choices() -> tuple[LabChoice, ...]:
    """One choice per LOINC of clinical-rules.md §8, in the table's order."""
    return tuple(
        LabChoice(
            code=code,
            analyte=analyte.value,
            label=f"{label(ANALYTE_LABELS, analyte.value)} - LOINC {code}",
            unit=ANALYTE_UNITS.get(analyte, ""),
        )
        for code, analyte in LOINC_ANALYTES.items()
    )


def default_unit(code: str) -> str:
    analyte = LOINC_ANALYTES.get(code)
    return ANALYTE_UNITS.get(analyte, "") if analyte is not None else ""


COMMON_UNITS: tuple[str, ...] = (
    "10*9/L", "10*3/uL", "/uL", "g/dL", "g/L", "mg/dL", "umol/L", "mmol/L", "m[IU]/L",
    "ng/dL", "pmol/L", "pg/mL", "U/L", "[IU]/L", "[IU]/mL", "m[IU]/mL", "mg/g{creat}",
    "mg/mmol", "mL/min/{1.73_m2}", "/[HPF]", "g/(24.h)", "ng/mL", "ug/L", "s", "%",
)

__all__ = [
    "ANALYTE_LABELS",
    "COMMON_UNITS",
    "COURSE_STATUS_LABELS",
    "DECISION_LABELS",
    "DUE_ITEM_LABELS",
    "PHASE_LABELS",
    "QUALITATIVE_RESULTS",
    "WINDOW_LABELS",
    "Analyte",
    "LabChoice",
    "default_unit",
    "due_item_label",
    "lab_choices",
    "label",
]
