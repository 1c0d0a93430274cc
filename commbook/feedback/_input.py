"""Boundary checks shared by the feedback analytics: columns present (the metrics' check,
``commbook.metrics._schema.require``), scores in range."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from commbook.errors import ValidationError
from commbook.metrics._schema import ANY, require


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, name: str) -> None:
    """Raise ``ValidationError`` naming the first of ``columns`` missing from ``frame``."""
    require(frame, dict.fromkeys(columns, ANY), name=name)


def scores_in_range(
    scores: Iterable[float] | pd.Series,
    *,
    low: float,
    high: float,
    integers: bool = True,
    field: str = "score",
) -> pd.Series:
    """Return the given scores as a float Series without missing values.

    Missing values (None / NaN) are dropped: a response with a comment and no score is
    not counted. Text that is not a number, a fraction when ``integers`` is set, or a
    value outside ``low``..``high`` raises ``ValidationError`` with its 1-based row.
    """
    series = (
        scores.reset_index(drop=True)
        if isinstance(scores, pd.Series)
        else pd.Series(list(scores), dtype=object)
    )
    if pd.api.types.is_bool_dtype(series.dtype):
        raise ValidationError(f"{field} must be numbers, got true/false values", field=field)
    numeric = pd.to_numeric(series, errors="coerce")
    present = series.notna()
    not_number = present & numeric.isna()
    if not_number.any():
        pos = int(np.flatnonzero(not_number.to_numpy())[0])
        raise ValidationError(f"{series.iloc[pos]!r} is not a number", row=pos + 1, field=field)
    numeric = numeric.astype(float)
    valid = numeric[present]
    if integers:
        fraction = valid[(valid % 1) != 0]
        if len(fraction):
            pos = int(fraction.index[0])
            raise ValidationError(f"{valid[pos]:g} is not a whole number", row=pos + 1, field=field)
    outside = valid[(valid < low) | (valid > high)]
    if len(outside):
        pos = int(outside.index[0])
        raise ValidationError(
            f"{valid[pos]:g} is outside the scale {low:g}–{high:g}", row=pos + 1, field=field
        )
    return valid.reset_index(drop=True)
