"""Printable sheets (A4, self-contained HTML: the print CSS is inlined, no external asset).

Shared by the web UI and the command line (``alemtrack plan-course --format html``), so it
imports neither FastAPI nor the CLI: only Jinja2 and the clinical core's plain types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from alemtrack.protocol.facts import ChecklistItem, PatientFacts
from alemtrack.protocol.plan import CoursePlan

__all__ = [
    "CHECKLIST_GROUPS",
    "CHECKLIST_QUESTIONS",
    "render_alert_card",
    "render_checklist_sheet",
    "render_plan_html",
]

# Fig 4 (S3) wording, one line per Questionnaire linkId (docs/fhir-input.md §8).
CHECKLIST_QUESTIONS: dict[ChecklistItem, str] = {
    ChecklistItem.LESS_URINE_OR_DARK_URINE: "Less urine, or dark / red / bloody urine",
    ChecklistItem.LEG_SWELLING: "Swelling of the legs or feet",
    ChecklistItem.WEIGHT_CHANGE: "Unexplained weight gain or loss",
    ChecklistItem.HEAT_COLD_INTOLERANCE: "Feeling unusually hot or cold (heat or cold "
    "intolerance)",
    ChecklistItem.BOWEL_CHANGE: "Change in bowel habit (diarrhoea or constipation)",
    ChecklistItem.BLEEDING_NOSE_GUMS_COUGH: "Bleeding from the nose or gums, or blood when "
    "coughing",
    ChecklistItem.HEAVY_MENSES: "Heavier or longer menstrual bleeding than usual",
    ChecklistItem.BRUISING: "Bruising easily",
    ChecklistItem.SKIN_STAINS: "Small red, pink or purple spots on the skin",
    ChecklistItem.FEVER: "Fever (38 °C or higher)",
    ChecklistItem.INFECTIONS: "An infection (e.g. chest, urine, skin, cold sores)",
}

CHECKLIST_GROUPS: dict[str, str] = {
    "nephropathy": "Kidneys",
    "thyroid": "Thyroid",
    "haematology": "Blood and bleeding",
    "infection": "Infections",
}


def checklist_sections() -> list[tuple[str, list[tuple[ChecklistItem, str]]]]:
    """Fig 4 questions grouped as on the paper form: (group title, [(item, question)])."""
    sections: dict[str, list[tuple[ChecklistItem, str]]] = {}
    for item, question in CHECKLIST_QUESTIONS.items():
        sections.setdefault(item.group.value, []).append((item, question))
    return [(CHECKLIST_GROUPS[group], rows) for group, rows in sections.items()]


_env = Environment(
    loader=PackageLoader("alemtrack.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _common(site_name: str | None, back_url: str | None) -> dict[str, Any]:
    return {"site_name": site_name, "back_url": back_url}


def render_plan_html(
    plan: CoursePlan,
    facts: PatientFacts | None = None,
    *,
    patient_name: str | None = None,
    site_name: str | None = None,
    back_url: str | None = None,
) -> str:
    """The printable A4 infusion-day sheet, one page per infusion day plus a summary page."""
    return _env.get_template("print/infusion_sheet.html.j2").render(
        plan=plan, facts=facts, patient_name=patient_name, **_common(site_name, back_url)
    )


def render_alert_card(
    *,
    patient_name: str,
    birth_date: date | None,
    courses: Sequence[Mapping[str, Any]],
    monitoring_until: str | None,
    site_name: str,
    printed_on: date,
    back_url: str | None = None,
) -> str:
    """The patient alert card: treatment, monitoring end and the symptoms that need a call."""
    return _env.get_template("print/alert_card.html.j2").render(
        patient_name=patient_name,
        birth_date=birth_date,
        courses=courses,
        monitoring_until=monitoring_until,
        printed_on=printed_on,
        **_common(site_name, back_url),
    )


def render_checklist_sheet(
    *,
    patient_name: str | None,
    birth_date: date | None,
    month: str | None,
    site_name: str,
    back_url: str | None = None,
) -> str:
    """The monthly symptom checklist (Fig 4) to fill in by hand, yes / no per question."""
    return _env.get_template("print/checklist.html.j2").render(
        patient_name=patient_name,
        birth_date=birth_date,
        month=month,
        sections=checklist_sections(),
        **_common(site_name, back_url),
    )
