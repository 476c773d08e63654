"""Write operations of the core: the access log, the unit switch, staff and unit administration."""

from __future__ import annotations

from django.db import transaction

from mittvaccin.middleware import SESSION_UNIT
from mittvaccin.models import AccessLogEntry, Unit, User
from mittvaccin.tenancy import owned_or_404


def client_address(request) -> str | None:
    """The client's IP address: the proxy's X-Forwarded-For only where settings trust it."""
    from django.conf import settings

    address = request.META.get("REMOTE_ADDR")
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw; the last hop is the one it vouches for.
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = hops[-1]
    return address or None


def _entry(request, patient, what: str, reason: str) -> AccessLogEntry:
    return AccessLogEntry(
        user=request.user,
        caregiver_id=request.user.caregiver_id,
        unit=getattr(request, "unit", None),
        patient_id=patient.id,
        patient_identity=patient.identity_number,
        patient_protected=patient.protected_identity,
        what=what[:120],
        path=request.get_full_path()[:400],
        client_address=client_address(request),
        reason=reason,
    )


def access_log_record(*, request, patient, what: str, reason: str = "") -> AccessLogEntry:
    """Write one access-log row for a read of `patient` in this request (patient-data law: every read).

    `patient` is any object with id, identity_number and protected_identity; the core does not
    import the journal.
    """
    entry = _entry(request, patient, what, reason)
    entry.save(force_insert=True)
    return entry


def access_log_record_api(*, request, client, patient, what: str) -> AccessLogEntry:
    """The access-log row of a read through the FHIR API (A8): the receiving system is the reader."""
    entry = AccessLogEntry(
        user=None,
        api_client_id=client.pk,
        api_client_name=client.name[:255],
        caregiver_id=client.caregiver_id,
        unit=None,
        patient_id=patient.id,
        patient_identity=patient.identity_number,
        patient_protected=patient.protected_identity,
        what=what[:120],
        path=request.get_full_path()[:400],
        client_address=client_address(request),
    )
    entry.save(force_insert=True)
    return entry


def access_log_record_many(*, request, patients, what: str, reason: str = "") -> int:
    """One row per distinct patient shown on a list page (or listed by a recall), in few INSERTs."""
    distinct = {}
    for patient in patients:
        distinct.setdefault(patient.pk, patient)
    if distinct:
        AccessLogEntry.objects.bulk_create(
            [_entry(request, patient, what, reason) for patient in distinct.values()], batch_size=5000
        )
    return len(distinct)


def access_log_record_resident(*, request, patients, reader_identity: str, what: str) -> None:
    """A resident's read of their own journal (or a guardian's of their child's), one row per patient
    row read, each in the log of the caregiver whose journal it is. No staff account is involved."""
    distinct = {}
    for patient in patients:
        distinct.setdefault(patient.pk, patient)
    AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(
                user=None,
                resident_identity=reader_identity,
                caregiver_id=patient.caregiver_id,
                unit=None,
                patient_id=patient.id,
                patient_identity=patient.identity_number,
                patient_protected=patient.protected_identity,
                what=what[:120],
                path=request.get_full_path()[:400],
                client_address=client_address(request),
            )
            for patient in distinct.values()
        ]
    )


def unit_switch(*, request, unit_id) -> Unit:
    unit = owned_or_404(Unit, request, pk=unit_id, is_active=True)
    request.session[SESSION_UNIT] = unit.pk
    request.unit = unit
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, data: dict) -> Unit:
    for field, value in data.items():
        setattr(unit, field, value)
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def staff_create(
    *, caregiver, username: str, password: str, must_change_password: bool = True, **fields
) -> User:
    """A new staff account. The password the administrator typed is replaced at its first sign-in."""
    user = User(caregiver=caregiver, username=username, must_change_password=must_change_password, **fields)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def staff_update(*, user: User, data: dict) -> User:
    for field, value in data.items():
        setattr(user, field, value)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def staff_password_set(*, user: User, password: str, by: User | None = None) -> User:
    """A new password chosen by the administrator; the account's other sessions end with it, and the
    account chooses its own at the next sign-in (unless the administrator set their own)."""
    user.set_password(password)
    user.must_change_password = by is not None and by.pk != user.pk
    user.save(update_fields=["password", "must_change_password"])
    return user
