"""The statistics CSV: one writer for every figure (UTF-8 with BOM, semicolons, decimal comma, so
Excel set to Swedish opens it as it is).

Cells that would start a formula in a spreadsheet (=, +, -, @, tab, CR; OWASP "CSV injection") are
made harmless with a leading apostrophe: unit, product and campaign names are typed by people.
Numbers are written as numbers and never touched. When the project's shared formula-safe CSV writer
lands in `mittvaccin/`, `write_csv` becomes a call to it.
"""

from __future__ import annotations

import csv
import io

from reports.templatetags.reports import csv_value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def figure_csv(figure) -> str:
    """A figure's rows as the table shows them: the labels, then the numbers in machine form."""
    label_columns = len(figure.columns) - len(figure.kinds)
    rows = [
        [
            *row[:label_columns],
            *(csv_value(v, k) for v, k in zip(row[label_columns:], figure.kinds, strict=True)),
        ]
        for row in figure.rows
    ]
    return write_csv(figure.columns, rows)
