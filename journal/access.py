"""The one door to a patient's data: tenancy, rights and the access log together, and the journal's
kinds of read as the access log names them (codes stored, sentences shown in the reader's language)."""

from functools import wraps

from django.utils.translation import gettext_lazy as _

from journal.models import Patient
from mittvaccin.access_log import AccessAction, access_log_record
from mittvaccin.decorators import declare, door_for
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned_or_404

PATIENT = AccessAction("journal.patient", _("Patientöversikt"))
PATIENT_CONTACT = AccessAction("journal.patient.contact", _("Kontaktuppgifter"))
SEARCH_HIT = AccessAction("journal.search.hit", _("Sökträff"))
ASSESSMENT_QUEUE = AccessAction("journal.assessments.list", _("Lista: väntar på bedömning"))
SIGNAL_TODO = AccessAction("journal.signal.todo", _("Att dokumentera: uppmärksamhetssignal"))
VACCINATION_ELSEWHERE = AccessAction("journal.vaccination.elsewhere", _("Tidigare vaccination registrerad"))
VACCINATION_ERROR = AccessAction("journal.vaccination.error", _("Vaccination: markera felregistrerad"))
CERTIFICATE = AccessAction("journal.certificate", _("Vaccinationsintyg (PDF)"))
VISIT_START = AccessAction("journal.visit.start", _("Besök påbörjat"))
VISIT = AccessAction("journal.visit", _("Vaccinationsbesök: kontroller och vaccination"))
VISIT_DECLARATION = AccessAction("journal.visit.declaration", _("Hälsodeklaration registrerad"))
VISIT_ASSESSMENT = AccessAction("journal.visit.assessment", _("Bedömning före vaccination"))
VISIT_CONFIRM = AccessAction("journal.visit.confirm", _("Kontroller före vaccination bekräftade"))
VISIT_DOSE = AccessAction("journal.visit.dose", _("Vaccination registrerad"))
VISIT_NOT_GIVEN = AccessAction("journal.visit.not_given", _("Vaccination ej given registrerad"))
SHARED_CONSENT = AccessAction("journal.shared.consent", _("Sammanhållen journal: samtycke"))
SHARED_BLOCK = AccessAction("journal.shared.block", _("Sammanhållen journal: spärr"))
SHARED_BLOCK_LIFT = AccessAction("journal.shared.block_lift", _("Sammanhållen journal: häv spärr"))
SHARED_READ = AccessAction("journal.shared.read", _("Sammanhållen journal"))
# Written in the other caregiver's log; `caregiver` is the reader's caregiver's name at the time.
SHARED_READ_BY = AccessAction("journal.shared.read_by", _("Sammanhållen journal, läst av %(caregiver)s"))
EMERGENCY_CONSIDERED = AccessAction("journal.shared.emergency.considered", _("Nödåtkomst: övervägd"))
EMERGENCY_OPENED = AccessAction("journal.shared.emergency", _("Nödåtkomst, sammanhållen journal"))
SIGNAL_CREATE = AccessAction("journal.signal.create", _("Ny uppmärksamhetssignal"))
SIGNAL_DOCUMENTED = AccessAction(
    "journal.signal.documented", _("Uppmärksamhetssignal: dokumenterad i huvudjournalen")
)
SIGNAL_INACTIVATE = AccessAction("journal.signal.inactivate", _("Uppmärksamhetssignal: inaktivera"))
SIGNAL_FHIR = AccessAction("journal.signal.fhir", _("Uppmärksamhetssignal: FHIR-export"))
NOTE_CREATE = AccessAction("journal.note.create", _("Ny anteckning"))
NOTE_CORRECT = AccessAction("journal.note.correct", _("Anteckning: rätta"))
NOTE_COMMENT = AccessAction("journal.note.comment", _("Anteckning: kommentar"))
ORDER_CREATE = AccessAction("journal.order.create", _("Ordination"))
ORDER_ERROR = AccessAction("journal.order.error", _("Ordination: makulera"))
LOG_EXTRACT = AccessAction("journal.access_log.extract", _("Loggutdrag"))


def patient_for_request(
    request, patient_id, *, action: AccessAction, right: str | None = Right.JOURNAL_READ, reason=""
):
    """The patient of the user's caregiver (404 otherwise), after the right check, logged as read."""
    # Tenancy before rights: another caregiver's id must look exactly like an unknown id.
    patient = owned_or_404(Patient, request, pk=patient_id)
    door_for(right).check(request.user)
    access_log_record(request=request, patient=patient, action=action, reason=reason)
    return patient


def patient_view(action: AccessAction, right: str | None = Right.JOURNAL_READ):
    """The door of every view under /patient/<patient_id>/…: tenancy (404), the right (403; None:
    every staff account of the caregiver) and the access-log row, then the view gets the patient.

    Every such view therefore writes its access-log row in the same request (R7 and patient-data law).
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, patient_id, *args, **kwargs):
            patient = patient_for_request(request, patient_id, action=action, right=right)
            request.patient = patient
            return view(request, patient, *args, **kwargs)

        return declare(wrapper, door_for(right))

    return decorate


# Added with the catalogue, stock, recall, protection, order requests and the residents' answers.
RECALL = AccessAction("journal.recall", _("Batchåterkallelse"))
PROTECTION = AccessAction("journal.protection", _("Skyddad identitet"))
ORDER_REQUEST = AccessAction("journal.order_request", _("Begär ordination"))
ORDER_REQUEST_ANSWER = AccessAction("journal.order_request.answer", _("Begäran om ordination: besvara"))
ORDER_REQUEST_QUEUE = AccessAction("journal.order_requests.list", _("Lista: begärda ordinationer"))
PREVISIT_ASSESSMENT = AccessAction(
    "journal.previsit.assessment", _("Bedömning av hälsodeklaration före besöket")
)
LOG_REVIEW = AccessAction("journal.access_log.review", _("Loggkontroll"))
