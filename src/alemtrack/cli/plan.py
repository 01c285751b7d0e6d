"""``alemtrack plan-course``: the day-by-day course plan and the printable infusion-day sheet.

    alemtrack plan-course BUNDLE.json --start YYYY-MM-DD --time HH:MM [--regimen es2019|label]
        [--profile eu|us|es2019] [--course N] --format json|text|html

(interfaces.md §3). The plan itself is ``alemtrack.protocol.plan.plan_course`` (pure); this
module reads the bundle, parses the options and renders. Unusable input exits 2 with the error
on stderr.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from alemtrack.errors import InputError, UsageError
from alemtrack.protocol.parameters import PROFILES
from alemtrack.protocol.plan import CoursePlan, Dose, plan_course
from alemtrack.web.sheets import render_plan_html

from .common import Profile, fail, load, parse_date


class PlanFormat(StrEnum):
    json = "json"
    text = "text"
    html = "html"


class RegimenOption(StrEnum):
    es2019 = "es2019"
    label = "label"


def parse_time(value: str) -> time:
    try:
        return datetime.strptime(value, "%H:%M").time()  # noqa: DTZ007 - a clock time only
    except ValueError:
        raise UsageError(f"--time {value!r} is not a clock time; use HH:MM (24 h)") from None


def register(app: typer.Typer) -> None:
    """Add ``plan-course`` to the ``alemtrack`` application."""

    @app.command("plan-course")
    def plan_course_command(
        bundle: Annotated[Path, typer.Argument(help="FHIR R4 Bundle (JSON) of one patient.")],
        start: Annotated[str, typer.Option("--start", help="Day 1 of the course, YYYY-MM-DD.")],
        at: Annotated[str, typer.Option("--time", help="Alemtuzumab start time, HH:MM.")],
        regimen: Annotated[
            RegimenOption | None,
            typer.Option(help="Premedication: es2019 (S3 Table P) or label (1000 mg D1-3); "
                              "default from the profile."),
        ] = None,
        profile: Annotated[Profile, typer.Option(help="Protocol profile.")] = (
            Profile.eu),
        course: Annotated[
            int | None,
            typer.Option("--course", min=1, help="Course number (default: courses given + 1)."),
        ] = None,
        fmt: Annotated[PlanFormat, typer.Option("--format", help="json, text or html.")] = (
            PlanFormat.text),
    ) -> None:
        """Plan a course: premedication, prophylaxis, rate steps, vital signs, observation."""
        try:
            day1 = parse_date(start, "--start")
            clock = parse_time(at)
            facts = load(bundle).facts
            plan = plan_course(facts, day1, clock, course,
                               regimen.value if regimen else None, PROFILES[profile.value])
        except (InputError, ValueError) as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"{bundle}: {exc.strerror or exc}")
        if fmt is PlanFormat.json:
            sys.stdout.write(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n")
        elif fmt is PlanFormat.html:
            sys.stdout.write(render_plan_html(plan, facts))
        else:
            sys.stdout.write(render_text(plan))


# ---- renderers -----------------------------------------------------------------------------


def _dose_line(d: Dose) -> str:
    note = f" - {d.note}" if d.note else ""
    return f"  {d.at:%H:%M}  {d.drug} {d.dose} {d.route}{note}"


def render_text(plan: CoursePlan) -> str:
    lines = [
        f"Course {plan.course_number} plan{f' for {plan.patient}' if plan.patient else ''} "
        f"({plan.profile} profile, {plan.regimen} premedication)",
        f"{plan.start.isoformat()} to {plan.last_day.isoformat()}: {len(plan.days)} days x "
        f"{plan.days[0].alemtuzumab_mg:g} mg alemtuzumab IV = {plan.total_dose_mg:g} mg",
    ]
    lines += [f"WARNING: {warning}" for warning in plan.warnings]
    lines += ["", "Preparation:", *(f"  - {p}" for p in plan.preparation)]
    for day in plan.days:
        lines += ["", f"Day {day.day} - {day.date.isoformat()} ({day.date:%A})"]
        lines.append(" Premedication:")
        lines += [_dose_line(d) for d in day.premedication]
        lines.append(" Prophylaxis and gastric protection:")
        lines += [_dose_line(d) for d in day.prophylaxis]
        lines.append(f" Alemtuzumab {day.alemtuzumab_mg:g} mg in 100 mL: "
                     f"{day.infusion_start:%H:%M}-{day.infusion_end:%H:%M} "
                     f"({day.duration_min} min)")
        lines += [f"  {s.start:%H:%M}-{s.end:%H:%M}  {s.rate_ml_h:g} mL/h  "
                  f"({s.minutes} min, {s.volume_ml:g} mL)" for s in day.rate_steps]
        lines.append(" Vital signs (HR, BP, temperature, skin): "
                     + ", ".join(f"{t:%H:%M}" for t in day.vital_sign_times))
        lines.append(f" Observation until {day.observation_end:%H:%M}")
        lines += [f"  - {c}" for c in day.checks]
    lines += ["", f"Herpes prophylaxis: {plan.herpes_prophylaxis}", "", "Windows:"]
    for w in plan.windows:
        value = w.value.isoformat() if w.value else "n/a"
        since = f" from {w.start.isoformat()}" if w.start else ""
        note = f" ({w.note})" if w.note else ""
        lines.append(f"  {w.name}: {value}{since}{note} [{w.rule}]")
    lines += ["", "After the course (R-E14):", *(f"  - {a}" for a in plan.post_course_advice)]
    return "\n".join(lines) + "\n"
