"""What the national catalogue adds to every patient page, made once per catalogue generation.

The patient page offers the form for a dose given elsewhere, with every catalogue product in its list:
a query and some twenty widget templates on every page view (issue 11), for a list that changes a few
times a year. Its HTML is therefore made once per catalogue generation and language, and kept in this
process.

The generation is a token in the shared cache that every change to a catalogue product renews, at once
and again after the commit (so a request that read the old rows just before the commit cannot keep them
reachable). An entry also lives SECONDS at most, which bounds how long a change can go unseen when the
cache could not be reached as it was made. Without the shared cache every page reads the database as
before. The catalogue is the same for every caregiver, so nothing here is any caregiver's data.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils.translation import get_language

from journal.models import VaccineProduct, VaccineProductVersion
from mittvaccin import generations

SECONDS = 60
_VERSION = 1
# (generation, name…) → (monotonic deadline, value); only the current generation's entries are kept.
_entries: dict[tuple, tuple[float, object]] = {}


def _generation_key() -> str:
    # The database's name too: parallel test workers sharing one cache never see each other's rows.
    return f"catalogue:{_VERSION}:{connection.settings_dict['NAME']}:generation"


def cached(name: tuple, compute: Callable):
    """`compute()`, or what it answered for `name` in this process since the last catalogue change."""
    generation = generations.current(_generation_key())
    if generation is None:
        return compute()
    key = (generation, *name)
    now = time.monotonic()
    found = _entries.get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = compute()
    if any(key[0] != generation for key in list(_entries)):
        _entries.clear()  # an older generation's entries can never be asked for again
    _entries[key] = (now + SECONDS, value)
    return value


def forget() -> None:
    """Make every entry unreachable: now and once more after the commit."""
    generations.renew(_generation_key())


def elsewhere_fields_html(form_class) -> str:
    """The visible fields of an empty "given elsewhere" form (`form_class`), as the patient page shows
    them (the product list is the catalogue's), in the current language."""
    return cached(
        ("elsewhere_fields", get_language()),
        lambda: render_to_string(
            "journal/patient_detail.html#elsewhere_fields", {"elsewhere_form": form_class()}
        ),
    )


@receiver([post_save, post_delete], sender=VaccineProduct, dispatch_uid="catalogue_cache_product_changed")
@receiver(
    [post_save, post_delete], sender=VaccineProductVersion, dispatch_uid="catalogue_cache_version_changed"
)
def _changed(sender, **kwargs):
    forget()
