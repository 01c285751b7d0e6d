"""Reading the care team's forms into the service layer's entries, with errors per field.

The forms only check what a browser cannot (a number is a number, a date is a date, required
fields are filled); clinical checks (known LOINC, convertible unit, plausible value) belong to
the services, whose ``ValidationError`` names fields the same way. ``field_key`` folds both
spellings (``vitals[0].heart_rate`` from a service, ``vitals-0-heart_rate`` in the form) onto one
key so every error lands next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time

from alemtrack.errors import FieldError
from alemtrack.protocol.facts import ChecklistItem
from alemtrack.services.model import InfusionEntry, LabEntry, VitalsEntry

VITAL_ROWS = 8
VITAL_FIELDS = ("at", "temperature_c", "heart_rate", "systolic", "diastolic")

# Names a service may use for a field the form calls differently.
_ALIASES = {"date": "on", "effective": "on", "loinc": "code", "dose": "dose_mg",
            "lot_number": "lot", "start_time": "start", "end_time": "end"}


def field_key(name: str) -> str:
    """One spelling for a field name whatever its punctuation: ``vitals0heartrate``."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    return re.sub(r"[^a-z0-9]", "", _ALIASES.get(name.lower(), key))


@dataclass
class FormState:
    """What a form shows: the values as typed and the errors by field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field_key -> message
    general: list[str] = field(default_factory=list)  # errors naming no field of the form
    vitals_rows: list[int] = field(default_factory=list)  # entry's vitals[i] -> form row

    def error(self, name: str) -> str | None:
        return self.errors.get(field_key(name))

    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(field_key(name), message)

    def absorb(self, errors: list[FieldError], known: set[str]) -> None:
        """Service errors: next to their field when the form has it, else at the top."""
        keys = {field_key(n) for n in known}
        for e in errors:
            name = self._form_name(e.field)
            key = field_key(name)
            if key not in keys and field_key(f"q-{name}") in keys:
                key = field_key(f"q-{name}")  # a checklist question named by its linkId
            if key in keys:
                self.errors.setdefault(key, readable(e.message))
            else:
                self.general.append(f"{e.field}: {e.message}")

    def _form_name(self, name: str) -> str:
        """The entry's ``vitals[i]`` is the i-th filled row, not the form's row i."""
        match = re.fullmatch(r"vitals\[(\d+)\]\.(\w+)", name)
        if match and int(match[1]) < len(self.vitals_rows):
            return f"vitals-{self.vitals_rows[int(match[1])]}-{match[2]}"
        return name

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general


def readable(message: str) -> str:
    """Service messages continue the field's name ("is required"); next to the field they
    read as a sentence of their own."""
    first = message.split(" ", 1)[0]
    if first in {"is", "are", "must", "needs", "cannot"}:
        message = f"This field {message}"
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", ")", "?")) else message + "."


def _text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def _date(state: FormState, name: str, *, required: bool = True) -> date | None:
    raw = _text(state.values, name)
    if not raw:
        if required:
            state.add(name, "Enter a date.")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        state.add(name, f"“{raw}” is not a date; use YYYY-MM-DD.")
        return None


def _time(state: FormState, name: str, *, required: bool = False) -> time | None:
    raw = _text(state.values, name)
    if not raw:
        if required:
            state.add(name, "Enter a time (HH:MM).")
        return None
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(raw, fmt).time()  # noqa: DTZ007 - a clock time only
        except ValueError:
            continue
    state.add(name, f"“{raw}” is not a time; use HH:MM (24 h).")
    return None


def _number(state: FormState, name: str, *, required: bool = False,
            what: str = "a number") -> float | None:
    raw = _text(state.values, name).replace(",", ".")  # decimal comma as typed in Europe
    if not raw:
        if required:
            state.add(name, f"Enter {what}.")
        return None
    try:
        value = float(raw)
    except ValueError:
        state.add(name, f"“{_text(state.values, name)}” is not a number.")
        return None
    if value != value or value in (float("inf"), float("-inf")):
        state.add(name, "Enter a finite number.")
        return None
    return value


def read_lab(state: FormState) -> LabEntry | None:
    code = _text(state.values, "code")
    if not code:
        state.add("code", "Choose the test.")
    unit = _text(state.values, "unit")
    value = _number(state, "value")
    qual = _text(state.values, "qual") or None
    if value is None and qual is None and not state.error("value"):
        state.add("value", "Enter the result: a value, or a qualitative result.")
    if value is not None and not unit:
        state.add("unit", "Enter the unit the lab reported (UCUM, e.g. mg/dL).")
    on = _date(state, "on")
    ref_low = _number(state, "ref_low")
    ref_high = _number(state, "ref_high")
    if ref_low is not None and ref_high is not None and ref_low > ref_high:
        state.add("ref_high", "The upper limit is below the lower limit.")
    if state.errors or on is None:
        return None
    return LabEntry(code=code, value=value, unit=unit, on=on, qual=qual,
                    ref_low=ref_low, ref_high=ref_high)


def read_infusion(state: FormState) -> InfusionEntry | None:
    on = _date(state, "on")
    start = _time(state, "start", required=True)
    end = _time(state, "end")
    dose = _number(state, "dose_mg", required=True, what="the dose given in mg")
    lot = _text(state.values, "lot")
    if not lot:
        state.add("lot", "Enter the lot number from the vial.")
    vitals: list[VitalsEntry] = []
    for i in range(VITAL_ROWS):
        names = {f: f"vitals-{i}-{f}" for f in VITAL_FIELDS}
        if not any(_text(state.values, n) for n in names.values()):
            continue
        at = _time(state, names["at"])
        if at is None and not state.error(names["at"]):
            state.add(names["at"], "Enter the time these signs were taken.")
        numbers = {f: _number(state, names[f]) for f in VITAL_FIELDS[1:]}
        if at is not None:
            state.vitals_rows.append(i)
            vitals.append(VitalsEntry(at=at, **numbers))
    grade_raw = _text(state.values, "reaction_grade")
    grade: int | None = None
    if grade_raw:
        if grade_raw not in {"1", "2", "3", "4"}:
            state.add("reaction_grade", "Choose a grade from 1 to 4 (Table R).")
        else:
            grade = int(grade_raw)
    reaction_at = _time(state, "reaction_at")
    rate = _number(state, "rate_at_stop_ml_h")
    action = _text(state.values, "reaction_action") or None
    if grade is not None and grade >= 2 and not action:
        state.add("reaction_action", "Say what was done for a grade 2-4 reaction.")
    if state.errors or on is None or start is None or dose is None:
        return None
    return InfusionEntry(on=on, start=start, end=end, dose_mg=dose, lot=lot,
                         vitals=tuple(vitals), reaction_grade=grade, reaction_at=reaction_at,
                         rate_at_stop_ml_h=rate, reaction_action=action)


def read_checklist(state: FormState) -> tuple[date, dict[str, bool]] | None:
    on = _date(state, "on")
    answers: dict[str, bool] = {}
    for item in ChecklistItem:
        raw = _text(state.values, f"q-{item.value}")
        if raw in {"yes", "no"}:
            answers[item.value] = raw == "yes"
        elif raw:
            state.add(f"q-{item.value}", "Answer yes or no.")
    if not answers and not state.errors:
        state.general.append("Answer at least one question (unanswered ones stay unknown).")
    if not state.ok or on is None:
        return None
    return on, answers


LAB_FIELDS = {"code", "value", "qual", "unit", "on", "ref_low", "ref_high", "actor"}
INFUSION_FIELDS = {
    "on", "start", "end", "dose_mg", "lot", "reaction_grade", "reaction_at",
    "rate_at_stop_ml_h", "reaction_action", "actor",
    *(f"vitals-{i}-{f}" for i in range(VITAL_ROWS) for f in VITAL_FIELDS),
}
CHECKLIST_FIELDS = {"on", "actor", *(f"q-{item.value}" for item in ChecklistItem)}
