"""Write operations of the core: the unit switch, staff and unit administration (the access log has its
own module, `mittvaccin.access_log`)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from mittvaccin.middleware import SESSION_UNIT
from mittvaccin.models import Unit, User
from mittvaccin.tenancy import owned_or_404


def client_address(request) -> str | None:
    """The client's IP address: the proxy's X-Forwarded-For only where settings trust it."""

    address = request.META.get("REMOTE_ADDR")
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw; the last hop is the one it vouches for.
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = hops[-1]
    return address or None


def unit_switch(*, request, unit_id) -> Unit:
    unit = owned_or_404(Unit, request, pk=unit_id, is_active=True)
    request.session[SESSION_UNIT] = unit.pk
    request.unit = unit
    return unit


def _saved_with(row, data: dict):
    """The row with the form's `data` set, validated by the model and saved."""
    for field, value in data.items():
        setattr(row, field, value)
    row.full_clean()
    row.save()
    return row


@transaction.atomic
def unit_update(*, unit: Unit, data: dict) -> Unit:
    return _saved_with(unit, data)


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
    return _saved_with(user, data)


@transaction.atomic
def staff_password_set(*, user: User, password: str, by: User | None = None) -> User:
    """A new password chosen by the administrator; the account's other sessions end with it, and the
    account chooses its own at the next sign-in (unless the administrator set their own)."""
    user.set_password(password)
    user.must_change_password = by is not None and by.pk != user.pk
    user.save(update_fields=["password", "must_change_password"])
    return user
