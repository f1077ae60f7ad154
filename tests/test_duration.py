"""The one parser of window margins (vdb_notebook/_duration.py)."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from vdb_notebook._duration import seconds


@pytest.mark.parametrize("value, expected", [
    (0, 0.0), (5, 5.0), (2.5, 2.5), ("10s", 10.0), ("2m", 120.0), ("1m30s", 90.0),
    ("1h", 3600.0), ("500ms", 0.5), ("1.5s", 1.5), ("1m 30s", 90.0),
    (timedelta(minutes=1, seconds=5), 65.0), (pd.Timedelta("7s"), 7.0),
])
def test_seconds_strings_and_timedeltas_are_seconds(value, expected) -> None:
    assert seconds(value) == expected


@pytest.mark.parametrize("value", ["soon", "10", "s", "10x", "-5s", -1, float("nan"),
                                   float("inf"), True, None, [5], timedelta(seconds=-1)])
def test_anything_else_is_a_value_error_saying_what_is_accepted(value) -> None:
    with pytest.raises(ValueError, match=r"after is seconds \(5, 2.5\), a string like '10s'"):
        seconds(value, "after")
