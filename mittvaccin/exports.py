"""The one CSV writer: every export (invoices, statistics, recall lists, register files) goes through it.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
spreadsheet programs, so a patient named `=HYPERLINK(…)` could turn an export into a link or a command
on the clinic's computer (CSV injection, OWASP). Such a cell gets a leading apostrophe, which the
spreadsheet shows as text and never evaluates. A plain number ("-345.00", a credit note's total) stays
a number: it cannot be a formula, and the receiving system needs it as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer with every cell neutralised; semicolons and CRLF (what Swedish spreadsheets expect)."""

    def __init__(self, stream, *, delimiter: str = ";"):
        self._writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(header: Iterable, rows: Iterable[Iterable], *, delimiter: str = ";", bom: bool = True) -> str:
    """A whole file: UTF-8 byte-order mark (so Excel reads å, ä, ö), the header, the rows."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = SafeWriter(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def csv_rows(text: str, *, delimiter: str = ";"):
    """The rows of a CSV text, as lists of cells (the reading side, for files people upload)."""
    return csv.reader(io.StringIO(text), delimiter=delimiter)
