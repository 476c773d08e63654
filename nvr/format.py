"""The report file: the register's published variables, `;`-separated, UTF-8, one header line.

docs/NVR.md describes every field. Cells pass through the project's one formula-safe writer,
`mittvaccin.exports` (no spreadsheet formulas, A11).
"""

from __future__ import annotations

import hashlib

from mittvaccin.exports import csv_text

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


def render(rows, *, system_name: str, created: str) -> str:
    """The file's text; `rows` are dicts with the keys of HEADER after the first two. Every cell goes
    through the project's one formula-safe writer (A11); the register wants no byte-order mark."""
    lines = [[system_name, created] + [row[name] for name in HEADER[2:]] for row in rows]
    return csv_text(HEADER, lines, bom=False)


def checksum(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
