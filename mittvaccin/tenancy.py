"""Tenancy in one place (R4).

Every model a caregiver owns names the path to its caregiver in `caregiver_lookup` ("caregiver",
"unit__caregiver", "patient__caregiver", …) and uses `CaregiverOwnedQuerySet`. Views fetch such objects
only through `owned_or_404` or `owned(...)`, which answer 404 to anyone outside the caregiver, the same
answer as for an id that does not exist, so ids reveal nothing. `tests/test_tenancy_urls.py` walks
every URL pattern with another caregiver's ids to prove it.
"""

from __future__ import annotations

from django.db import models
from django.http import Http404


class CaregiverOwnedQuerySet(models.QuerySet):
    def for_caregiver(self, caregiver) -> models.QuerySet:
        lookup = getattr(self.model, "caregiver_lookup", None)
        if lookup is None:
            raise TypeError(f"{self.model.__name__} does not declare caregiver_lookup")
        if lookup == "self":
            return self.filter(pk=getattr(caregiver, "pk", caregiver))
        return self.filter(**{lookup: caregiver})


def _caregiver_of(who):
    # Accept a request, a user or a caregiver, so services and views call it the same way.
    user = getattr(who, "user", who)
    caregiver = getattr(user, "caregiver", None)
    if caregiver is None:
        caregiver = who
    return caregiver


def owned(model_or_queryset, who) -> models.QuerySet:
    """The objects of `model_or_queryset` that belong to the caregiver of `who`."""
    queryset = (
        model_or_queryset.all()
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    if not isinstance(queryset, CaregiverOwnedQuerySet):
        raise TypeError(f"{queryset.model.__name__} must use CaregiverOwnedQuerySet")
    return queryset.for_caregiver(_caregiver_of(who))


def owned_or_404(model_or_queryset, who, **lookup):
    """The one object matching `lookup` within the caregiver of `who`, or 404 for everything else."""
    try:
        return owned(model_or_queryset, who).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError) as exc:
        # ValueError/TypeError: a malformed id in the URL is as unknown as a foreign one.
        raise Http404 from exc
