"""Boundary checks for metric inputs: one place that says what a frame must contain.

Metrics call :func:`require` first; past that point they trust their input. A missing
column or a timestamp column without a timezone raises ``ValidationError`` naming the
column and the frame, so a caller sees what to fix instead of a ``KeyError`` deep inside
pandas.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from pandas.api import types as ptypes

from commbook.errors import ValidationError

# Column kinds understood by ``require``.
ANY = "any"
NUMBER = "number"  # numeric, missing values allowed
TIMESTAMP = "timestamp"  # datetime64 with a timezone


def require(frame: pd.DataFrame, columns: Mapping[str, str], *, name: str) -> None:
    """Check that ``frame`` has ``columns`` (name → kind) of the right kind.

    ``name`` is the frame's role (e.g. ``"events"``) used in the error message.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    for column, kind in columns.items():
        if column not in frame.columns:
            has = ", ".join(map(str, frame.columns)) or "no columns"
            raise ValidationError(f"{name}: missing column {column!r} (has: {has})", field=column)
        series = frame[column]
        if kind == TIMESTAMP and not isinstance(series.dtype, pd.DatetimeTZDtype):
            if len(series) == 0 and series.dtype == object:
                continue  # an empty frame built without dtypes: nothing to misread
            raise ValidationError(
                f"{name}: column {column!r} must hold timezone-aware timestamps "
                f"(got {series.dtype})",
                field=column,
            )
        if kind == NUMBER and not (
            ptypes.is_numeric_dtype(series.dtype) and not ptypes.is_bool_dtype(series.dtype)
        ):
            if series.isna().all():
                continue  # all missing: counts as "unknown" everywhere
            raise ValidationError(
                f"{name}: column {column!r} must be numeric (got {series.dtype})", field=column
            )
