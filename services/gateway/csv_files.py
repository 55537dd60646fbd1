"""CSV files organizations send each other (hours delivered, credential status): a header, then
one row per line, as a download.

A spreadsheet runs a text cell starting with = + - @ (or a tab or carriage return, which some read
as the start of one) as a formula: such a cell is written with a leading apostrophe, which shows
the text as it is. Numbers are written as numbers, so -2 stays -2.
"""
from __future__ import annotations

import csv
import io

from werkzeug.wrappers import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MEDIA = "text/csv"


def cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        value = " ".join(str(item) for item in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_file(columns: list[str], rows: list[dict], filename: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([cell(row.get(name)) for name in columns] for row in rows)
    return Response(out.getvalue(), content_type=f"{MEDIA}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})
