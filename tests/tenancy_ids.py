"""Ids of caregiver A's objects, by URL parameter name, for the cross-caregiver URL walk.

When a new URL takes a parameter not listed here, `tests/test_tenancy_urls.py` fails and names it:
add a provider that creates (or finds) an object of caregiver A and returns the value for the URL.
"""

from tests.factories import BatchFactory, PatientFactory

ID_PROVIDERS = {
    "patient_id": lambda cast: PatientFactory(caregiver=cast.caregiver_a).pk,
    "unit_id": lambda cast: cast.unit_a.pk,
    "user_id": lambda cast: cast.alice.pk,
    "batch_id": lambda cast: BatchFactory(caregiver=cast.caregiver_a).pk,
}

# --- journal: add providers below -------------------------------------------------------------


# --- booking: add providers below -------------------------------------------------------------


# --- billing: add providers below -------------------------------------------------------------
from tests.billing.tenancy import PROVIDERS as BILLING_PROVIDERS  # noqa: E402

ID_PROVIDERS.update(BILLING_PROVIDERS)


# URL names that are public by design (resident self-service) and take no caregiver-owned id that
# could leak: they are checked separately by their own tests. Add with a reason.
PUBLIC_URL_NAMES: dict[str, str] = {}
