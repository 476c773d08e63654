"""The one door to a patient's data: tenancy, rights and the access log together."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from journal.models import Patient
from mittvaccin.rights import Right
from mittvaccin.services import access_log_record
from mittvaccin.tenancy import owned_or_404


def patient_for_request(request, patient_id, *, what: str, right: str | None = Right.JOURNAL_READ, reason=""):
    """The patient of the user's caregiver (404 otherwise), after the right check, logged as read."""
    # Tenancy before rights: another caregiver's id must look exactly like an unknown id.
    patient = owned_or_404(Patient, request, pk=patient_id)
    if right and not request.user.has_right(right):
        raise PermissionDenied
    access_log_record(request=request, patient=patient, what=what, reason=reason)
    return patient


def patient_view(what: str, right: str | None = Right.JOURNAL_READ):
    """Decorator for views under /patient/<patient_id>/…: passes the patient instead of the id.

    Every such view therefore writes its access-log row in the same request (R7 and patient-data law).
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, patient_id, *args, **kwargs):
            patient = patient_for_request(request, patient_id, what=what, right=right)
            request.patient = patient
            return view(request, patient, *args, **kwargs)

        return wrapper

    return decorate
