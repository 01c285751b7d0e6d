"""The Figure 4 symptom checklist rule of clinical-rules.md §7c, shared by R-H11, R-N1, R-N5,
R-T7, R-I1 and R-X1: a group fires on the latest checklist (≤31 days old ✱) while it has a "yes"
and none of the tests its rule orders has a result dated after the answer. Coded symptoms
(haemoptysis, alveolar haemorrhage) are handled the same way ✱.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..context import Context
from ..dates import days_between
from ..facts import (
    Analyte,
    ChecklistGroup,
    ChecklistItem,
    Symptom,
    SymptomChecklist,
    SymptomCode,
)


def latest_checklist(ctx: Context) -> SymptomChecklist | None:
    """The most recent checklist, if it is still current (≤ ``checklist_max_age_days`` ✱)."""
    if not ctx.facts.checklists:
        return None
    latest = max(ctx.facts.checklists, key=lambda c: (c.date, c.ref))
    if days_between(latest.date, ctx.as_of) > ctx.params.core.checklist_max_age_days.value:
        return None
    return latest


def pending_answer(
    ctx: Context, items: Iterable[ChecklistItem], ordered: Iterable[Analyte] = ()
) -> tuple[SymptomChecklist, tuple[ChecklistItem, ...]] | None:
    """The latest current checklist and its "yes" answers among ``items``, unless a test of
    ``ordered`` has a result dated after the answer (✱ a same-day result does not count: it may
    predate the answer)."""
    checklist = latest_checklist(ctx)
    if checklist is None:
        return None
    wanted = set(items)
    yes = tuple(a.item for a in checklist.answers if a.yes and a.item in wanted)
    if not yes:
        return None
    tests = tuple(ordered)
    if tests and ctx.latest(*tests, after=checklist.date) is not None:
        return None
    return checklist, yes


def latest_checklist_yes(
    ctx: Context, group: ChecklistGroup, closed_by: tuple[Analyte, ...] = ()
) -> tuple[SymptomChecklist, tuple[ChecklistItem, ...]] | None:
    """``pending_answer`` for every question of one Fig 4 group."""
    return pending_answer(ctx, (i for i in ChecklistItem if i.group is group), closed_by)


def pending_symptoms(
    ctx: Context, codes: Iterable[SymptomCode], ordered: Iterable[Analyte]
) -> tuple[Symptom, ...]:
    """Coded symptoms handled like a Fig 4 answer ✱: ≤31 days old and no ordered test since."""
    wanted = set(codes)
    max_age = ctx.params.core.checklist_max_age_days.value
    tests = tuple(ordered)
    return tuple(
        s for s in sorted(ctx.facts.symptoms, key=lambda s: (s.date, s.ref))
        if s.code in wanted
        and 0 <= days_between(s.date, ctx.as_of) <= max_age
        and ctx.latest(*tests, after=s.date) is None
    )
