"""The access log's one way in: every read of a patient's data is written here, as facts.

Each row stores an action code and its parameters (see `mittvaccin.access_actions`), translated only
when shown. Every app writes through `access_log_record`, for one patient or a whole list page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection

from mittvaccin.access_actions import AccessAction, describe, is_known
from mittvaccin.models import AccessLogEntry
from mittvaccin.services import client_address

__all__ = ["AccessAction", "LoggedPatient", "access_log_record", "describe"]


class LoggedPatient(NamedTuple):
    """What a row keeps of a patient, where the caller has no patient object of its own to pass."""

    id: int
    identity_number: str
    protected_identity: bool


def access_log_record(
    *,
    request,
    action: AccessAction,
    patient=None,
    patients: Iterable = (),
    params: dict | None = None,
    reason: str = "",
    caregiver=None,
    api_client=None,
    resident_identity: str = "",
) -> int:
    """Write the access-log rows of this request: one for `patient`, or one per distinct patient in
    `patients` (a list page), in a single INSERT. Returns how many rows were written.

    A patient is any object with `id`, `identity_number` and `protected_identity`: the core does not
    import the journal. The reader is the request's staff account, unless the read is made by
    `api_client` (the FHIR API, A8: the receiving system's client, in its caregiver's log) or by a
    resident signed in with e-identification (`resident_identity`: the patient or a guardian; each row
    in the log of the caregiver whose journal it is, so a patient object must then carry
    `caregiver_id`). `caregiver` (an id) names the log the rows belong to when it is not the staff
    reader's own, as a read of another caregiver's doses through the shared record (R6) is logged at
    that caregiver too; such a row names no unit, since the reader's unit belongs to another caregiver.
    """
    if not is_known(action):
        raise ValueError(f"Unknown access-log action {action.code!r}")
    distinct = {}
    for one in [patient] if patient is not None else patients:
        distinct.setdefault(one.id, one)
    if not distinct:
        return 0
    common = {
        "action": action.code,
        "params": params or {},
        "path": request.get_full_path()[:400],
        "client_address": client_address(request),
        "reason": reason,
    }
    if api_client is not None:
        common.update(
            user=None,
            api_client_id=api_client.pk,
            api_client_name=api_client.name[:255],
            caregiver_id=api_client.caregiver_id,
            unit=None,
        )
    elif resident_identity:
        common.update(user=None, resident_identity=resident_identity, unit=None)
    else:
        own = caregiver is None or caregiver == request.user.caregiver_id
        common.update(
            user=request.user,
            caregiver_id=request.user.caregiver_id if own else caregiver,
            unit=getattr(request, "unit", None) if own else None,
        )
    if len(distinct) == 1:
        (one,) = distinct.values()
        # One INSERT on its own: no transaction of its own, no round trip more on every patient page.
        AccessLogEntry(
            patient_id=one.id,
            patient_identity=one.identity_number,
            patient_protected=one.protected_identity,
            **({"caregiver_id": one.caregiver_id} if resident_identity and api_client is None else {}),
            **common,
        ).save(force_insert=True)
        return 1
    return _insert_many(
        common, distinct.values(), per_patient_caregiver=bool(resident_identity) and api_client is None
    )


def _insert_many(common: dict, patients, *, per_patient_caregiver: bool) -> int:
    """A list page's rows in one statement: what is common once, what differs per patient as arrays.

    A day view logs some two hundred patients; made as model instances and sent through bulk_create
    that was a third of the page's time (issue 11). The values go through the fields' own conversion,
    so a row is the same as one saved through the model.
    """
    patients = list(patients)
    entry = AccessLogEntry(**common)
    fields = [
        f
        for f in AccessLogEntry._meta.concrete_fields
        if f.attname not in ("id", "patient_id", "patient_identity", "patient_protected")
        and not (per_patient_caregiver and f.attname == "caregiver_id")
    ]
    columns = [f.column for f in fields]
    values = [f.get_db_prep_save(f.pre_save(entry, add=True), connection) for f in fields]
    casts = [f.cast_db_type(connection) for f in fields]
    per_row = {
        "patient_id": ("bigint", [p.id for p in patients]),
        "patient_identity": ("text", [p.identity_number for p in patients]),
        "patient_protected": ("boolean", [bool(p.protected_identity) for p in patients]),
    }
    if per_patient_caregiver:
        per_row["caregiver_id"] = ("bigint", [p.caregiver_id for p in patients])
    arrays = ", ".join(f"%s::{kind}[]" for kind, _column in per_row.values())
    scalars = ", ".join(f"%s::{cast}" for cast in casts)
    sql = (
        f"INSERT INTO {AccessLogEntry._meta.db_table} ({', '.join([*columns, *per_row])}) "  # noqa: S608
        f"SELECT {scalars}, rows.* FROM unnest({arrays}) AS rows"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *(column for _kind, column in per_row.values())])
    return len(patients)
