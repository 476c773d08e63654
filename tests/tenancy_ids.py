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
# The journal's objects hang under the patient of `patient_id` (the first provider above), so the walk
# reaches real pages of one patient, not only 404s for mismatched ids.


def _journal_patient(cast):
    from journal.models import Patient

    return Patient.objects.filter(caregiver=cast.caregiver_a).order_by("pk").first() or PatientFactory(
        caregiver=cast.caregiver_a
    )


def _journal_ready(cast):
    from tests.journal.factories import ready_visit

    ready = getattr(cast, "_journal_ready", None)
    if ready is None:
        ready = ready_visit(cast, patient=_journal_patient(cast))
        cast._journal_ready = ready
    return ready


def _journal_dose(cast):
    from tests.journal.factories import register

    dose = getattr(cast, "_journal_dose", None)
    if dose is None:
        dose = register(cast, _journal_ready(cast))
        cast._journal_dose = dose
    return dose


def _journal_note(cast):
    from journal.services import note_create

    return note_create(
        patient=_journal_patient(cast), user=cast.bob, text="Anteckning för URL-genomgången."
    ).pk


def _journal_signal(cast):
    from journal.services import signal_create

    return signal_create(
        patient=_journal_patient(cast), user=cast.bob, kind="hypersensitivity", agent="ägg", severity="severe"
    ).pk


def _journal_block(cast):
    from journal.services import block_record

    return block_record(patient=_journal_patient(cast), user=cast.alice, vaccination=_journal_dose(cast)).pk


def _journal_order_request(cast):
    from journal.services import order_request_create

    return order_request_create(
        patient=_journal_patient(cast), user=cast.alice, unit=cast.unit_a, text="TBE-ordination saknas."
    ).pk


def _journal_recall(cast):
    from journal.recall_models import Recall

    return Recall.objects.create(
        caregiver=cast.caregiver_a,
        product=_journal_ready(cast).product,
        batch=_journal_ready(cast).batch,
        reason="URL-genomgången",
        created_by=cast.bob,
        signature=cast.bob.signature,
        patient_count=0,
        dose_count=0,
    ).pk


ID_PROVIDERS.update(
    {
        "order_request_id": _journal_order_request,
        "recall_id": _journal_recall,
        # The national catalogue is no caregiver's: its product ids are walked by NATIONAL_URL_NAMES below.
        "product_id": lambda cast: _journal_ready(cast).product.pk,
        "visit_id": lambda cast: _journal_ready(cast).visit.pk,
        "order_id": lambda cast: _journal_ready(cast).order.pk,
        "vaccination_id": lambda cast: _journal_dose(cast).pk,
        "note_id": _journal_note,
        "signal_id": _journal_signal,
        "block_id": _journal_block,
    }
)


# --- booking: add providers below -------------------------------------------------------------


def _booking_id(cast):
    from booking.models import Booking
    from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
    from tests.factories import PatientFactory

    visit_type = VisitTypeFactory(unit=cast.unit_a)
    slot = make_slot(ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[]), in_days(2))
    patient = PatientFactory(caregiver=cast.caregiver_a)
    return Booking.objects.create(
        unit=cast.unit_a,
        patient=patient,
        visit_type=visit_type,
        slot=slot,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        made_by_kind="resident",
    ).pk


def _schedule_exception_id(cast):
    import datetime as dt

    from django.utils import timezone

    from booking.models import ScheduleException

    return ScheduleException.objects.create(
        unit=cast.unit_a, day=timezone.localdate() + dt.timedelta(days=5), kind="closed"
    ).pk


def _day(cast):
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _visit_type_id(cast):
    from tests.booking.factories import VisitTypeFactory

    return VisitTypeFactory(unit=cast.unit_a).pk


def _schedule_id(cast):
    from tests.booking.factories import ScheduleFactory

    return ScheduleFactory(unit=cast.unit_a, hours=[]).pk


ID_PROVIDERS.update(
    {
        "booking_id": _booking_id,
        "exception_id": _schedule_exception_id,
        "day": _day,
        "visit_type_id": _visit_type_id,
        "schedule_id": _schedule_id,
    }
)


# --- billing: add providers below -------------------------------------------------------------
from tests.billing.tenancy import PROVIDERS as BILLING_PROVIDERS  # noqa: E402

ID_PROVIDERS.update(BILLING_PROVIDERS)


# --- fhirapi: add providers below -------------------------------------------------------------
# The FHIR API answers to a bearer token, not a session: the walk calls the namespaces below with a
# token of caregiver B's client holding every scope (see test_tenancy_urls.py).
TOKEN_URL_NAMESPACES = {"fhir"}


def _nvr_report_id(cast):
    from nvr.models import NvrReport

    return NvrReport.objects.create(
        caregiver=cast.caregiver_a,
        number=1,
        file_name="nvr-a-000001.csv",
        content="systemName\r\n",
        checksum="0" * 64,
        rows=0,
        new_rows=0,
        withdrawn_rows=0,
    ).pk


def _api_client_id(cast):
    from fhirapi.services import api_client_create

    client, _secret = api_client_create(
        caregiver=cast.caregiver_a, name="URL-genomgången A", scopes=["system/Flag.read"], user=None
    )
    return client.pk


ID_PROVIDERS.update(
    {
        "client_id": _api_client_id,
        "report_id": _nvr_report_id,
        # The API's catch-all: any path it does not know answers an OperationOutcome 404.
        "rest": lambda cast: "Observation",
    }
)


# URL names that are public by design (resident self-service) and take no caregiver-owned id that
# could leak: they are checked separately by their own tests. Add with a reason.
PUBLIC_URL_NAMES: dict[str, str] = {
    # Resident self-service (R14): no login by design. They show a unit's visit types and free seats
    # (counts only, never who booked) and 404 for a unit without a timebook or an id of another unit;
    # tests/booking/test_public.py proves they reveal nothing about any resident.
    "booking:public_unit": "public booking page of a unit with a timebook (counts only)",
    "booking:public_times": "free times of a visit type (counts only)",
    "booking:public_book": "the resident's booking form for one free time",
    # The private link: a signed token, useless without the project secret and the booking's own key.
    "booking:manage": "the resident's own booking, reached only through its signed link",
    "booking:manage_ics": "calendar file of the resident's own booking (signed link)",
    "booking:manage_cancel": "cancel the resident's own booking (signed link)",
    "booking:manage_move": "move the resident's own booking (signed link)",
    # Sign-in with e-identification: the provider key names a configured provider (404 otherwise).
    "eid_start": "starts the sign-in at a configured identity provider",
    "eid_callback": "the identity provider's answer; refused without the state this browser started",
    # Residents' booking steps: public units and free times, behind the resident's own sign-in.
    "residents:book_types": "visit types of a public unit (signed-in resident)",
    "residents:book_times": "free times of a public unit (signed-in resident)",
    "residents:book_confirm": "the signed-in resident books one free time for themself",
}


# URL names of the national vaccine catalogue: shared by every caregiver, reachable only by catalogue
# maintainers (an installation-level right; everyone else gets 403, whatever their caregiver). Their ids
# are not caregiver-owned, so the cross-caregiver walk does not apply; tests/journal/test_catalogue.py
# walks them as a non-maintainer of each caregiver and as a maintainer.
NATIONAL_URL_NAMES: dict[str, str] = {
    "journal:catalogue_product": "a product of the national catalogue (maintainers only)",
    "journal:catalogue_maintainer_revoke": "withdraw an account's maintainer right (maintainers only)",
}


# --- residents / A15: add providers below ------------------------------------------------------------


def _previsit_id(cast):
    from journal.models import PreVisitDeclaration
    from journal.services import questionnaire_current

    patient = PatientFactory(caregiver=cast.caregiver_a)
    return PreVisitDeclaration.objects.create(
        patient=patient,
        booking_id=_booking_id(cast),
        unit=cast.unit_a,
        questionnaire=questionnaire_current(),
        answers={"unwell": "yes"},
        flagged=True,
        answered_by_identity=patient.identity_number,
    ).pk


ID_PROVIDERS["previsit_id"] = _previsit_id


# --- e-identification: the installation's staff provider (not caregiver-owned; its URLs are public) ---
ID_PROVIDERS["provider_key"] = lambda cast: "personal"
