"""Laboratory results as CSV: the documented column layout (docs/lab-feeds.md), read as a
stream, every rejected row with its line number and reason."""

from __future__ import annotations

from .reader import COLUMNS, REQUIRED, RowProblem, read_lab_csv

__all__ = ["COLUMNS", "REQUIRED", "RowProblem", "read_lab_csv"]
