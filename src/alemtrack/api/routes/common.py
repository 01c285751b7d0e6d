"""Conversions shared by several routers."""

from __future__ import annotations

from alemtrack.services.model import Adherence

from ..schemas import AdherenceOut, ItemAdherenceOut


def adherence_out(view: Adherence) -> AdherenceOut:
    return AdherenceOut(
        patient_id=view.patient_id,
        slots_due=view.slots_due,
        slots_on_time=view.slots_on_time,
        rate=view.rate,
        by_item={item: ItemAdherenceOut(due=due, on_time=on_time,
                                        rate=on_time / due if due else None)
                 for item, (due, on_time) in view.by_item.items()},
    )
