"""Post-treatment monitoring programme: Table M schedule and adherence (clinical-rules.md §7a).

R-M1 lays the monthly (and quarterly TSH) slots from the last infusion of the most recent course
and reports, per Table M item, the first slot not yet filled after the latest filled one, and one
finding for the items that are overdue. R-M2: after ``monitoring_end`` there are no automatic
orders (the skin examination of R-B5 belongs to its own rule); the §7b and Fig 4 "test on
symptoms" rules keep firing in their own modules. R-M3 is a site setting.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from ..context import Context
from ..dates import add_days, add_months, days_between
from ..facts import Analyte, LabResult, SymptomChecklist
from ..results import Evidence, Output, Rule, Severity, evidence

R_M1 = Rule("R-M1", "Table M scheduling and adherence: overdue monitoring", "due; urgent to warn",
            "EU ◐, US ✔, S3 ✔ Table M; US ✔, S4 ✔ fatal unrecognised ITP; S1 ✔, S2 ✔")
R_M2 = Rule("R-M2", "After monitoring_end: no automatic orders; symptom rules keep firing",
            "no output", "EU ◐ ITP/thyroid; EU ✔ (MIMS copy) late autoimmunity; US ✔ late ITP")
R_M3 = Rule("R-M3", "Specialist access (endocrinology, haematology, nephrology) per site",
            "no output", "S3 ✔")

RULES: tuple[Rule, ...] = (R_M1, R_M2, R_M3)

# Which results fill a slot of each lab item (R-M1): a CBC by a platelet count, a urinalysis by
# urine RBC (microscopy or automated) or dipstick blood, LFT by ALT or AST.
ITEM_ANALYTES: dict[str, tuple[Analyte, ...]] = {
    "cbc": (Analyte.PLATELETS,),
    "creatinine": (Analyte.CREATININE,),
    "urinalysis": (Analyte.URINE_RBC_HPF, Analyte.URINE_RBC_COUNT, Analyte.URINE_BLOOD_DIPSTICK),
    "lft": (Analyte.ALT, Analyte.AST),
    "tsh": (Analyte.TSH,),
}
CHECKLIST_ITEM = "symptom-checklist"
# A due item is "overdue" more than 7 days after its date (R-M1 status; engine.due_status).
_OVERDUE_AFTER_DAYS = 7


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """One Table M item: its next due slot (None when every remaining slot is filled) and the
    last result that counts for it (evidence)."""

    item: str
    due: date | None
    last: LabResult | SymptomChecklist | None


def slot_months(ctx: Context, item: str) -> tuple[int, ...]:
    """k of the slots of ``item``: 1..48 monthly, 3, 6, ..., 48 for TSH."""
    months = ctx.params.core.monitoring_months.value
    step = ctx.params.monitoring.tsh_every_months.value if item == "tsh" else 1
    return tuple(range(step, months + 1, step))


def schedule(ctx: Context) -> tuple[ItemStatus, ...]:
    """R-M1 status of every Table M item; empty outside monitoring (R-M2)."""
    anchor = ctx.last_infusion
    end = ctx.monitoring_end
    if anchor is None or end is None or ctx.as_of > end:
        return ()
    items = (*ctx.params.monitoring.monthly_items.value, "tsh")
    return tuple(_item_status(ctx, anchor, item) for item in items)


def _item_status(ctx: Context, anchor: date, item: str) -> ItemStatus:
    records: Sequence[LabResult | SymptomChecklist]
    if item == CHECKLIST_ITEM:
        records = sorted(ctx.facts.checklists, key=lambda c: (c.date, c.ref))
    else:
        records = ctx.results(*ITEM_ANALYTES[item])
    dates = [r.date for r in records]
    windows = slot_windows(ctx, anchor, item)
    slots = [w.due for w in windows]
    filled = [w.filled_by(dates) for w in windows]
    latest_filled = max((i for i, f in enumerate(filled) if f), default=-1)
    due = next((slots[i] for i in range(latest_filled + 1, len(slots)) if not filled[i]), None)
    return ItemStatus(item, due, records[-1] if records else None)


@dataclass(frozen=True, slots=True)
class SlotWindow:
    """Slot k of a Table M item: due on ``due``, filled by a record dated in [start, stop)."""

    due: date
    start: date
    stop: date

    def filled_by(self, dates: Sequence[date]) -> bool:
        return any(self.start <= d < self.stop for d in dates)


def slot_windows(ctx: Context, anchor: date, item: str) -> tuple[SlotWindow, ...]:
    """The R-M1 slots of ``item`` laid from ``anchor`` (the last infusion of a course)."""
    lead = ctx.params.monitoring.slot_fill_days_before.value
    slots = [add_months(anchor, k) for k in slot_months(ctx, item)]
    out = []
    for i, d_k in enumerate(slots):
        d_next = slots[i + 1] if i + 1 < len(slots) else add_months(d_k, 1)
        out.append(SlotWindow(d_k, add_days(d_k, -lead), add_days(d_next, -lead)))
    return tuple(out)


def _item_dates(ctx: Context, item: str) -> list[date]:
    if item == CHECKLIST_ITEM:
        return [c.date for c in ctx.facts.checklists]
    return [r.date for r in ctx.results(*ITEM_ANALYTES[item])]


def adherence(ctx: Context) -> dict[str, tuple[int, int]]:
    """R-M1 adherence on ``ctx.as_of``: per Table M item, (slots due so far, slots filled
    within their window).

    Each course given lays its own slots from its last infusion, up to the first day of the
    next course. A slot counts once its window has closed or once it is filled ✱ (a slot
    still open and empty is not yet due); it is on time when a record falls in its window.
    """
    items = (*ctx.params.monitoring.monthly_items.value, "tsh")
    out: dict[str, tuple[int, int]] = {}
    for item in items:
        dates = _item_dates(ctx, item)
        due = on_time = 0
        for i, course in enumerate(ctx.courses):
            following = ctx.courses[i + 1].first_day if i + 1 < len(ctx.courses) else None
            for window in slot_windows(ctx, course.last_day, item):
                if following is not None and window.due >= following:
                    break
                filled = window.filled_by(dates)
                if filled or ctx.as_of >= window.stop:
                    due += 1
                    on_time += int(filled)
        out[item] = (due, on_time)
    return out


def evaluate(ctx: Context) -> Iterator[Output]:
    statuses = schedule(ctx)
    mon = ctx.params.monitoring
    overdue: list[tuple[ItemStatus, int]] = []
    for st in statuses:
        if st.due is None:
            continue
        yield R_M1.due(st.item, st.due)
        late = days_between(st.due, ctx.as_of)
        # ✱ once any item is >14 days late, the finding lists every item past its due window
        # (status overdue, >7 days), so that one finding shows the whole gap.
        if late > _OVERDUE_AFTER_DAYS:
            overdue.append((st, late))
    worst = max((late for _, late in overdue), default=0)
    if worst <= mon.overdue_warn_days.value:
        return
    severity = Severity.URGENT if worst > mon.overdue_urgent_days.value else Severity.WARN
    parts = [f"{st.item} due {st.due.isoformat()} ({late} days ago)"
             for st, late in overdue if st.due is not None]
    facts = [st.last for st, _ in overdue]
    found: tuple[Evidence, ...] = evidence(facts)
    if not found:
        # ✱ nothing was ever recorded for the overdue items: the anchor infusion is what makes
        # the schedule run, so it is the evidence.
        course = ctx.last_course
        found = evidence([course.infusions[-1]] if course else [])
    yield R_M1.finding(
        severity,
        f"Monitoring overdue (> {mon.overdue_warn_days.value} days): " + "; ".join(parts),
        ("Order the overdue tests now and contact the patient",
         "Check the patient knows the monthly schedule: unrecognised ITP has been fatal"),
        found,
    )
