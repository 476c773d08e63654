"""Who a signed-in request is: the staff account, its caregiver and the caregiver's active units, read once.

Every signed-in request needs the account (rights, active flag), its caregiver (the header) and the unit
it works at (`request.unit`); every page lists the caregiver's active units in the header, and the
sign-in gate asks whether the account has a second factor. From the database that is five queries on
every request, paid by every page. Here it is one read of the shared cache (`principal:<user id>`),
filled from the database on a miss.

Kept true by dropping the entry whenever an account, a caregiver, a unit or a second-factor device is
saved or deleted: at once, and again after the commit (so a request that read the old rows just before
the commit cannot leave them cached). The entry also expires after PRINCIPAL_SECONDS, which bounds how
long a change can go unseen if the cache could not be reached when it was dropped.

Fails soft: when the cache cannot be read or written, the database answers exactly as before. The
cached account includes its password hash, because the session check compares a hash derived from it;
the same cache may also hold the sessions, which are worth more to an attacker than a PBKDF2 hash.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mittvaccin.models import Caregiver, Unit, User

logger = logging.getLogger(__name__)

PRINCIPAL_SECONDS = 60
_VERSION = 2


def _key(user_id) -> str:
    # The database's name too: two databases sharing one cache (parallel test workers) never mix accounts.
    return f"principal:{_VERSION}:{connection.settings_dict['NAME']}:{user_id}"


def _from_database(user_id):
    user = User.objects.select_related("caregiver").filter(pk=user_id).first()
    if user is None:
        return None
    units = list(Unit.objects.filter(caregiver_id=user.caregiver_id, is_active=True).order_by("name", "pk"))
    for unit in units:
        # One caregiver object for the account and all its units (also pickled once).
        unit._state.fields_cache["caregiver"] = user.caregiver
    user._active_units = units
    second_factor_enrolled(user)
    return user


def principal(user_id):
    """The account with `caregiver` loaded and `active_units()` answered, or None. One cache read."""
    try:
        cached = cache.get(_key(user_id))
    except Exception:  # the cache is a speed-up, never a reason to refuse a request
        logger.warning("principal cache unreadable; reading the account from the database", exc_info=True)
        return _from_database(user_id)
    if cached is not None:
        return cached
    user = _from_database(user_id)
    if user is not None:
        try:
            cache.set(_key(user_id), user, PRINCIPAL_SECONDS)
        except Exception:
            logger.warning("principal cache unwritable", exc_info=True)
    return user


def active_units(user) -> list[Unit]:
    """The caregiver's active units by name: from the principal when it was read, else one query."""
    units = getattr(user, "_active_units", None)
    if units is None:
        units = list(
            Unit.objects.filter(caregiver_id=user.caregiver_id, is_active=True).order_by("name", "pk")
        )
        user._active_units = units
    return units


def second_factor_enrolled(user) -> bool:
    """Whether the account has a confirmed second factor: from the principal when it was read, else
    asked of the devices (one query per kind). The sign-in gate asks on every request."""
    enrolled = getattr(user, "_second_factor", None)
    if enrolled is None:
        enrolled = user._second_factor = any(True for _ in devices_for_user(user, confirmed=True))
    return enrolled


# --- Invalidation --------------------------------------------------------------------------------------


def forget(user_ids) -> None:
    """Drop the cached principals of these accounts now and once more after the commit."""
    keys = [_key(user_id) for user_id in user_ids]
    if not keys:
        return

    def drop():
        try:
            cache.delete_many(keys)
        except Exception:
            # Unreachable: the entries expire after PRINCIPAL_SECONDS at the latest.
            logger.warning("could not drop %s cached principals", len(keys), exc_info=True)

    drop()
    transaction.on_commit(drop)


def forget_caregiver(caregiver_id) -> None:
    forget(list(User.objects.filter(caregiver_id=caregiver_id).values_list("pk", flat=True)))


@receiver([post_save, post_delete], sender=User, dispatch_uid="principal_user_changed")
def _user_changed(sender, instance, **kwargs):
    forget([instance.pk])


@receiver([post_save, post_delete], sender=Unit, dispatch_uid="principal_unit_changed")
def _unit_changed(sender, instance, **kwargs):
    forget_caregiver(instance.caregiver_id)


@receiver([post_save, post_delete], sender=TOTPDevice, dispatch_uid="principal_totp_changed")
@receiver([post_save, post_delete], sender=StaticDevice, dispatch_uid="principal_static_changed")
def _device_changed(sender, instance, **kwargs):
    forget([instance.user_id])


@receiver([post_save, post_delete], sender=Caregiver, dispatch_uid="principal_caregiver_changed")
def _caregiver_changed(sender, instance, **kwargs):
    forget_caregiver(instance.pk)
