"""The statistics CSV: one writer for every figure (UTF-8 with BOM, semicolons, decimal comma, so
Excel set to Swedish opens it as it is).

Cells that would start a formula in a spreadsheet (=, +, -, @, tab, CR; OWASP "CSV injection") are
made harmless by the project's one writer (`mittvaccin.exports`): unit, product and campaign names are
typed by people. Numbers stay numbers.
"""

from __future__ import annotations

from mittvaccin.exports import csv_text
from reports.templatetags.reports import csv_value


def write_csv(header: list[str], rows: list[list]) -> str:
    return csv_text(header, rows)


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
