"""The report file: the register's published variables, `;`-separated, UTF-8, one header line.

docs/NVR.md describes every field. Cells pass through `safe_cell` (no spreadsheet formulas, A11); when
the project's one formula-safe CSV writer lands in `mittvaccin/`, this module switches to it.
"""

from __future__ import annotations

import csv
import hashlib
import io

HEADER = [
    "systemName",
    "dateTimeCreated",
    "uniqueReference",
    "action",
    "patientId",
    "patientIdType",
    "vaccinationDate",
    "vaccineName",
    "NPLId",
    "batchNumber",
    "doseNumber",
    "careGiverName",
    "careGiverOrgNumber",
]
ID_TYPES = {"personnummer": "0", "samordningsnummer": "1", "reservnummer": "2"}
ACTIONS = {"new": "new", "withdrawal": "withdraw"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell a spreadsheet would read as a formula is prefixed, so it stays text (A11).
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def render(rows, *, system_name: str, created: str) -> str:
    """The file's text; `rows` are dicts with the keys of HEADER after the first two."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([safe_cell(system_name), created] + [safe_cell(row[name]) for name in HEADER[2:]])
    return out.getvalue()


def checksum(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
