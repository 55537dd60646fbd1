"""Figures for the state, with small-cell suppression.

Any count from 1 to 10 is shown as "1-10". Totals are the choice that matters:
a row or column total shown exactly would give back a suppressed cell by
subtraction (one suppressed cell: exactly; with complementary suppression,
still whenever the suppressed cells' sum pins them, e.g. a sum of 12 over a
1-10 cell and a cell over 10; rounding the total to tens pins a cell of 10
beside a visible 95). So a total over suppressed cells is shown as the range
those cells allow: visible sum + 1 per suppressed cell up to visible sum + 10
per suppressed cell. It then says nothing the cells do not already say, which
the tests check by changing a suppressed count and seeing nothing shown change.
A total over no suppressed cell is exact.

Waiting times are shown as a median and a 90th percentile per month, never as
counts: counts of waits per band would add up to each month's number of new
connections, exactly, beside a regions table that hides some of it.
"""
from __future__ import annotations

SUPPRESSED = "1-10"


def suppressed(count: int) -> bool:
    return 1 <= count <= 10


def cell(count: int) -> int | str:
    return SUPPRESSED if suppressed(count) else count


def total(counts) -> int | str:
    counts = list(counts)
    hidden = sum(1 for count in counts if suppressed(count))
    shown = sum(count for count in counts if not suppressed(count))
    if not hidden:
        return shown
    return f"{shown + hidden}-{shown + 10 * hidden}"


def table(counts: dict[tuple[str, str], int], columns: tuple[str, ...] | None = None) -> dict:
    """(row, column) -> count, as rows with their totals, column totals and a grand total; `columns` fixed
    (every one shown, 0 where nothing counts) or, without them, those that count something, sorted."""
    rows = sorted({row for row, _ in counts})
    columns = list(columns) if columns is not None else sorted({column for _, column in counts})
    get = lambda row, column: counts.get((row, column), 0)  # noqa: E731
    return {
        "columns": columns,
        "rows": [{"row": row, "cells": {c: cell(get(row, c)) for c in columns},
                  "total": total(get(row, c) for c in columns)} for row in rows],
        "column_totals": {c: total(get(row, c) for row in rows) for c in columns},
        "total": total(counts.values()),
    }


def waits(days_by_month: dict[str, list[int]]) -> dict:
    """Month -> median and 90th percentile days; a month of 1 to 10 waits shows neither."""
    rows = []
    for month, days in sorted(days_by_month.items()):
        days = sorted(days)
        if suppressed(len(days)):
            rows.append({"row": month, "median_days": None, "p90_days": None, "waits": SUPPRESSED})
            continue
        rows.append({"row": month, "median_days": days[(len(days) - 1) // 2],
                     "p90_days": days[max(0, -(-9 * len(days) // 10) - 1)], "waits": "over 10"})
    return {"columns": ["median_days", "p90_days"], "rows": rows}
