"""Search parameters of the FHIR API: the patient's identifier, date prefixes and paging.

Every refusal is a `SearchError` with a Swedish text and the HTTP status the API answers with, so a
bad parameter becomes an OperationOutcome and never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from journal.fhir import PERSONNUMMER_SYSTEM, SAMORDNINGSNUMMER_SYSTEM
from journal.identity import IdentityError, IdentityKind, parse_identity

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SYSTEM_KINDS = {
    PERSONNUMMER_SYSTEM: IdentityKind.PERSONNUMMER,
    SAMORDNINGSNUMMER_SYSTEM: IdentityKind.SAMORDNINGSNUMMER,
}
DATE_FORM = re.compile(
    r"^(?P<prefix>[a-z]{2})?(?P<value>\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)$"
)
PREFIXES = {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb"}


class SearchError(Exception):
    def __init__(self, message: str, *, status: int = 400, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass(frozen=True)
class IdentifierQuery:
    kind: str | None
    value: str


def parse_identifier(token: str) -> IdentifierQuery:
    """`system|value` (or a bare value) → the canonical 12-digit number and, with a system, its kind."""
    system, bar, value = token.partition("|")
    if not bar:
        system, value = "", token
    if system and system not in SYSTEM_KINDS:
        raise SearchError(
            f"Okänt identifierarsystem {system!r}: använd {PERSONNUMMER_SYSTEM} (personnummer) "
            f"eller {SAMORDNINGSNUMMER_SYSTEM} (samordningsnummer)."
        )
    if not value.strip():
        raise SearchError("Identifieraren saknar värde (system|värde).")
    try:
        parsed = parse_identity(value)
    except IdentityError as error:
        raise SearchError(f"Ogiltig identifierare: {error.message}") from error
    kind = SYSTEM_KINDS.get(system)
    if kind and parsed.kind != kind:
        raise SearchError(f"Värdet är inget {kind.label.lower()}, men systemet {system} anger det.")
    return IdentifierQuery(kind=kind, value=parsed.value)


def _bounds(value: str) -> tuple[dt.datetime, dt.datetime]:
    """The instant range [start, end) that a FHIR date of any precision covers (Stockholm time)."""
    try:
        if "T" in value:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=STOCKHOLM)
            step = dt.timedelta(seconds=1) if value.count(":") >= 2 else dt.timedelta(minutes=1)
            return moment, moment + step
        parts = [int(p) for p in value.split("-")]
        if len(parts) == 1:
            start = dt.datetime(parts[0], 1, 1, tzinfo=STOCKHOLM)
            return start, start.replace(year=parts[0] + 1)
        if len(parts) == 2:
            start = dt.datetime(parts[0], parts[1], 1, tzinfo=STOCKHOLM)
            end = dt.datetime(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1, tzinfo=STOCKHOLM)
            return start, end
        start = dt.datetime(parts[0], parts[1], parts[2], tzinfo=STOCKHOLM)
        return start, start + dt.timedelta(days=1)
    except (ValueError, OverflowError) as error:
        raise SearchError(f"Ogiltigt datum {value!r}.") from error


def date_filter(values: list[str], field: str) -> Q:
    """`date=ge2025-01-01&date=lt2026` → one Q, every value ANDed (FHIR's rule for repeats)."""
    condition = Q()
    for raw in values:
        match = DATE_FORM.match(raw.strip())
        if not match:
            raise SearchError(
                f"Ogiltig datumsökning {raw!r}: skriv t.ex. ge2025-01-01, lt2026 eller 2025-06-01."
            )
        prefix = match.group("prefix") or "eq"
        if prefix not in PREFIXES:
            raise SearchError(
                f"Okänt prefix {prefix!r} i datumsökningen: använd eq, ne, gt, ge, lt, le, sa eller eb."
            )
        start, end = _bounds(match.group("value"))
        if prefix == "eq":
            condition &= Q(**{f"{field}__gte": start, f"{field}__lt": end})
        elif prefix == "ne":
            condition &= Q(**{f"{field}__lt": start}) | Q(**{f"{field}__gte": end})
        elif prefix in ("gt", "sa"):
            condition &= Q(**{f"{field}__gte": end})
        elif prefix == "ge":
            condition &= Q(**{f"{field}__gte": start})
        elif prefix in ("lt", "eb"):
            condition &= Q(**{f"{field}__lt": start})
        else:  # le
            condition &= Q(**{f"{field}__lt": end})
    return condition


def page_size(raw: str | None) -> int:
    if raw in (None, ""):
        return settings.FHIR_PAGE_SIZE
    if not raw.isdigit() or int(raw) < 1:
        raise SearchError(f"_count måste vara ett heltal från 1 (fick {raw!r}).")
    return min(int(raw), settings.FHIR_MAX_PAGE_SIZE)


def page_number(raw: str | None) -> int:
    if raw in (None, ""):
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise SearchError(f"_page måste vara ett heltal från 1 (fick {raw!r}).")
    return int(raw)
