"""Output conventions shared by every interface (CLI, HTTP API, web pages).

One place for: JSON-safe values (NaN, infinities, NumPy scalars), CSV text that any tool reads
without options (the data version as a column, not a comment line), and the number of
significant digits shown in tables and CSV. The Python API returns full precision; rounding
happens only here, at the edge. JSON keeps full precision (machine readers round themselves).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

SIGNIFICANT_DIGITS = 6
"""Significant digits of floats in CSV output: well above the precision of any input (potencies
and PK parameters carry 2-3 digits), and short enough to hide binary noise such as
18.799999999999983."""

CSV_FLOAT_FORMAT = f"%.{SIGNIFICANT_DIGITS}g"
"""``pandas.DataFrame.to_csv`` float format for :data:`SIGNIFICANT_DIGITS`."""

VERSION_COLUMN = "data_version"
"""Column that carries the knowledge-base data version in CSV output."""


def json_safe(value: Any, *, infinity: Literal["string", "null"] = "string") -> Any:
    """A copy of ``value`` that ``json.dumps`` writes as strict JSON.

    Dicts, lists and tuples are walked; NumPy scalars become Python numbers; NaN becomes
    ``None``; infinities become ``"inf"``/``"-inf"`` (or ``None`` with ``infinity="null"``).
    Dict keys become strings.

    >>> json_safe({"a": float("nan"), "b": [float("inf"), 1.5], 3: (-float("inf"),)})
    {'a': None, 'b': ['inf', 1.5], '3': ['-inf']}
    >>> json_safe([float("inf")], infinity="null")
    [None]
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v, infinity=infinity) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v, infinity=infinity) for v in value]
    if hasattr(value, "item") and type(value).__module__ == "numpy":  # a NumPy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value) or infinity == "null":
            return None
        return "inf" if value > 0 else "-inf"
    return value


def json_records(df: pd.DataFrame, *, infinity: Literal["string", "null"] = "string") -> list:
    """A DataFrame's rows as JSON-safe dicts (see :func:`json_safe`)."""
    return json_safe(df.to_dict(orient="records"), infinity=infinity)


def round_significant(x: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``x`` rounded to ``digits`` significant digits (for display; NaN and inf unchanged).

    >>> round_significant(18.799999999999983)
    18.8
    >>> round_significant(0.000123456789, 3)
    0.000123
    """
    if not math.isfinite(x) or x == 0:
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def csv_text(df: pd.DataFrame, version: str | None = None) -> str:
    """CSV of a table that ``pandas.read_csv`` (or any tool) reads without options.

    Floats are written with :data:`SIGNIFICANT_DIGITS` significant digits; the data version,
    when given, is the last column (:data:`VERSION_COLUMN`) instead of a comment line.

    >>> print(csv_text(pd.DataFrame({"x": [18.799999999999983]}), "2026.1"), end="")
    x,data_version
    18.8,2026.1
    """
    out = df.copy()
    out.attrs = {}
    if version is not None and VERSION_COLUMN not in out.columns:
        out[VERSION_COLUMN] = version
    buf = io.StringIO()
    out.to_csv(buf, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")
    return buf.getvalue()
