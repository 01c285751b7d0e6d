"""Laboratory results as CSV (layout in docs/lab-feeds.md): one result per row, read as a stream.

    patient_id,loinc,value,unit,date,reference_range,qualitative
    p-0001,26515-7,142,10*9/L,2026-11-10,150-400,
    p-0001,5794-3,,,2026-11-10,,negative

``read_lab_csv`` yields, row by row, a ``FeedResult`` or a ``RowProblem`` naming the line and
the reason; it raises ``CsvInputError`` only when the file cannot be read as a whole (no header,
missing or unknown columns, not UTF-8 text). Whether the file is then imported (all or nothing)
is the service's decision (``services.labfeed``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime

from alemtrack.errors import CsvInputError

from ..labresults import (
    FeedResult,
    ResultProblem,
    analyte_of,
    check_qualitative,
    check_quantity,
    is_qualitative,
    parse_number,
    parse_range,
)

COLUMNS: tuple[str, ...] = (
    "patient_id", "loinc", "value", "unit", "date", "reference_range", "qualitative",
)
REQUIRED: tuple[str, ...] = ("patient_id", "loinc", "value", "unit", "date")
SOURCE_SYSTEM = "csv"
MAX_FIELD = 10_000  # longer fields are not lab results


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def read_lab_csv(lines: Iterable[str]) -> Iterator[FeedResult | RowProblem]:
    """Rows of a lab-result CSV (``lines`` as from a file opened with ``newline=""``)."""
    rows = csv.reader(iter(lines), strict=False)
    header = _next(rows, 0)
    if header is None:
        raise CsvInputError(1, "the file is empty; the first line names the columns "
                            f"({','.join(COLUMNS)})")
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise CsvInputError(1, f"unknown column(s) {', '.join(repr(u[:40]) for u in unknown)}; "
                            f"the columns are {','.join(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise CsvInputError(1, f"missing column(s) {', '.join(missing)}; the columns are "
                            f"{','.join(COLUMNS)} (reference_range and qualitative optional)")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CsvInputError(1, f"column(s) {', '.join(twice)} appear more than once")
    seen: dict[str, int] = {}
    last_line = rows.line_num
    while True:
        line = last_line + 1
        try:
            row = _next(rows, line)
        except csv.Error as exc:
            last_line = rows.line_num
            yield RowProblem(line, f"not valid CSV: {exc}")
            continue
        if row is None:
            return
        last_line = rows.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(names):
            yield RowProblem(line, f"has {len(row)} fields; the header has {len(names)}")
            continue
        values = dict(zip(names, row, strict=True))
        try:
            result = _result(values, line)
        except ResultProblem as exc:
            yield RowProblem(line, str(exc))
            continue
        first = seen.get(result.key)
        if first is not None:
            yield RowProblem(line, f"same patient, LOINC and date as line {first}")
            continue
        seen[result.key] = line
        yield result


def _next(rows: Iterator[list[str]], line: int) -> list[str] | None:
    try:
        return next(rows)
    except StopIteration:
        return None
    except UnicodeDecodeError:
        raise CsvInputError(max(line, 1), "the file is not UTF-8 text") from None


def _result(values: dict[str, str], line: int) -> FeedResult:
    for name, value in values.items():
        if len(value) > MAX_FIELD:
            raise ResultProblem(f"{name} is longer than {MAX_FIELD} characters")
    patient = values["patient_id"].strip()
    if not patient:
        raise ResultProblem("patient_id is empty")
    loinc = values["loinc"].strip()
    if not loinc:
        raise ResultProblem("loinc is empty")
    analyte = analyte_of(loinc)
    effective, day = _date(values["date"].strip())
    raw_value = values["value"].strip()
    unit = values["unit"].strip() or None
    qual = (values.get("qualitative") or "").strip()
    ref_text = (values.get("reference_range") or "").strip() or None
    base = FeedResult(
        key=f"{SOURCE_SYSTEM}|{patient}|{loinc}|{effective}",
        where=f"line {line}",
        patient_id=patient,
        loinc=loinc,
        display=None,
        analyte=analyte,
        status="final",
        effective=effective,
        day=day,
        ref_text=ref_text,
        source_system=SOURCE_SYSTEM,
    )
    if is_qualitative(analyte):
        answer = qual or raw_value
        if qual and raw_value:
            raise ResultProblem(f"{analyte.value} is qualitative: give the result in "
                                "qualitative and leave value empty")
        if not answer:
            raise ResultProblem(f"no result: {analyte.value} needs qualitative (negative, "
                                "positive, trace, 1+ ...)")
        return replace(base, qual_text=check_qualitative(analyte, answer))
    if qual:
        raise ResultProblem(f"qualitative is only for qualitative tests; {analyte.value} "
                            "needs value and unit")
    if not raw_value:
        raise ResultProblem("value is empty")
    number = parse_number(raw_value)
    if number is None:
        raise ResultProblem(f'value "{raw_value[:40]}" is not a number')
    converted, ucum, canonical = check_quantity(analyte, number, unit)
    low, high = parse_range(ref_text) if ref_text else (None, None)
    if ref_text and low is None and high is None:
        raise ResultProblem(f'reference_range "{ref_text[:40]}" is not low-high, <high or '
                            ">low")
    return replace(base, value=number, unit=unit, ucum=ucum, converted=converted,
                   canonical=canonical, ref_low=low, ref_high=high)


def _date(raw: str) -> tuple[str, date]:
    """YYYY-MM-DD, or with a time and an offset (YYYY-MM-DDTHH:MM[:SS]+HH:MM or Z); a time
    without an offset keeps the date alone (FHIR needs an offset with a time)."""
    if not raw:
        raise ResultProblem("date is empty")
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ResultProblem(f'date "{raw[:40]}" is not YYYY-MM-DD (or an ISO 8601 date and '
                            "time)") from None
    if len(raw) < 10 or raw[4] != "-":
        raise ResultProblem(f'date "{raw[:40]}" is not YYYY-MM-DD')
    day = parsed.date()
    if len(raw) == 10 or parsed.tzinfo is None:
        return day.isoformat(), day
    return parsed.isoformat(timespec="seconds"), day
