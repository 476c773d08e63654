"""Read-mostly data of the public booking pages, kept in the shared cache.

In a booking rush every request for a unit asks for the same unit, visit type, price list figures and
billing settings; from the database that is most of the queries of a "that time was just taken" answer.
Here each is one read of the shared cache, filled from the database on a miss.

Kept true by a generation token that every entry carries: a change to anything cached (a unit,
its caregiver, a visit type and its vaccines, and, through billing's receivers, prices, articles and
billing settings) draws a new token, at once and again after the commit (so a request that read the old
rows just before the commit cannot leave them reachable). Entries also expire after SECONDS, which
bounds how long a change can go unseen when the cache could not be reached as it was made. Fails soft:
without the cache every answer comes from the database as before.

Only what is the same for every resident is kept here; never a slot's free seats, never a booking.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from booking.models import VisitType
from journal.models import VaccineProduct
from mittvaccin import generations
from mittvaccin.models import Caregiver, Unit

logger = logging.getLogger(__name__)

SECONDS = 60
_VERSION = 2


def _prefix() -> str:
    # The database's name too: parallel test workers sharing one cache never see each other's rows.
    return f"public:{_VERSION}:{connection.settings_dict['NAME']}"


def _generation_key() -> str:
    return f"{_prefix()}:generation"


def cached(name: tuple, compute: Callable):
    """`compute()`, or what it answered for `name` since the last change (None is an answer too).

    An entry is kept with the generation it was computed under and read together with the current
    generation, in one round trip: an entry of an older generation is computed again.
    """
    generation_key = _generation_key()
    key = ":".join([_prefix(), "entry", *(str(part) for part in name)])
    try:
        found = cache.get_many([generation_key, key])
        generation = found.get(generation_key)
        if generation is None:
            generation = generations.current(generation_key)  # drawn on the first read
    except Exception:
        logger.warning("public booking cache unreadable; reading from the database", exc_info=True)
        return compute()
    if generation is None:
        return compute()
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    value = compute()
    try:
        cache.set(key, (generation, value), SECONDS)
    except Exception:
        logger.warning("public booking cache unwritable", exc_info=True)
    return value


def forget() -> None:
    """Make every cached entry unreachable: now and once more after the commit."""
    generations.renew(_generation_key())


# --- What booking itself keeps ------------------------------------------------------------------------


def _unit_at(slug: str) -> Unit | None:
    return Unit.objects.select_related("caregiver").filter(slug=slug).first()


def _online_visit_type_of(unit: Unit, visit_type_id) -> VisitType | None:
    return VisitType.objects.filter(unit=unit, pk=visit_type_id, is_active=True, online_bookable=True).first()


def unit_by_slug(slug: str) -> Unit | None:
    """The unit (with its caregiver) at this public address, or None."""
    return cached(("unit", slug), lambda: _unit_at(slug))


def online_visit_type(unit: Unit, visit_type_id: int) -> VisitType | None:
    """The unit's active, online-bookable visit type with this id, or None."""
    found = cached(("visit_type", unit.pk, visit_type_id), lambda: _online_visit_type_of(unit, visit_type_id))
    if found is not None:
        found.unit = unit  # the caller's unit, already read with its caregiver
    return found


def unit_and_visit_type(slug: str, visit_type_id: int | None) -> tuple[Unit | None, VisitType | None]:
    """`unit_by_slug(slug)` and `online_visit_type(unit, visit_type_id)` in one read of the cache, as one
    entry: the booking form's page and its posts (a rush) ask for both, and each read is a round trip."""

    def compute():
        unit = _unit_at(slug)
        return (unit, _online_visit_type_of(unit, visit_type_id)) if unit is not None else (None, None)

    unit, visit_type = cached(("unit_visit_type", slug, visit_type_id), compute)
    if visit_type is not None:
        visit_type.unit = unit  # the unit read with it, with its caregiver
    return unit, visit_type


@receiver([post_save, post_delete], sender=Unit, dispatch_uid="public_cache_unit_changed")
@receiver([post_save, post_delete], sender=Caregiver, dispatch_uid="public_cache_caregiver_changed")
@receiver([post_save, post_delete], sender=VisitType, dispatch_uid="public_cache_visit_type_changed")
@receiver([post_save, post_delete], sender=VaccineProduct, dispatch_uid="public_cache_product_changed")
@receiver(m2m_changed, sender=VisitType.vaccines.through, dispatch_uid="public_cache_vaccines_changed")
def _changed(sender, **kwargs):
    forget()
