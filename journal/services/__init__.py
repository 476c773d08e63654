"""Write operations of the journal, one function per use case, split by topic.

The names are re-exported here so that `from journal import services; services.note_create(...)`
reads the same wherever it is called; new code may import from the topic module.
"""

from journal.services.common import FUTURE_TOLERANCE, JournalError
from journal.services.notes import (
    note_comment,
    note_correct,
    note_correctable_by,
    note_correction_rule,
    note_create,
)
from journal.services.order_requests import order_request_create, order_request_decline
from journal.services.orders import order_create, order_enter_in_error
from journal.services.patients import (
    PatientExists,
    patient_create,
    patient_create_within,
    patient_update_contact,
)
from journal.services.previsit import previsit_assessment_create, previsit_declaration_submit
from journal.services.protection import (
    protection_check_register,
    protection_lift,
    protection_mark,
    protection_refresh,
    protection_register_sweep,
)
from journal.services.shared_record import (
    EMERGENCY_ACCESS_HOURS,
    block_lift,
    block_record,
    consent_record,
    emergency_access_open,
)
from journal.services.signals import signal_create, signal_inactivate, signal_mark_documented
from journal.services.vaccinations import (
    vaccination_enter_in_error,
    vaccination_not_given,
    vaccination_record_elsewhere,
    vaccination_register,
)
from journal.services.visits import (
    checks_confirm,
    declaration_flagged,
    declaration_record,
    questionnaire_current,
    visit_open,
)

__all__ = [
    "EMERGENCY_ACCESS_HOURS",
    "FUTURE_TOLERANCE",
    "JournalError",
    "PatientExists",
    "block_lift",
    "block_record",
    "checks_confirm",
    "consent_record",
    "declaration_flagged",
    "declaration_record",
    "emergency_access_open",
    "note_comment",
    "note_correct",
    "note_correctable_by",
    "note_correction_rule",
    "note_create",
    "order_create",
    "order_enter_in_error",
    "order_request_create",
    "order_request_decline",
    "patient_create",
    "patient_create_within",
    "patient_update_contact",
    "previsit_assessment_create",
    "previsit_declaration_submit",
    "protection_check_register",
    "protection_lift",
    "protection_mark",
    "protection_refresh",
    "protection_register_sweep",
    "questionnaire_current",
    "signal_create",
    "signal_inactivate",
    "signal_mark_documented",
    "vaccination_enter_in_error",
    "vaccination_not_given",
    "vaccination_record_elsewhere",
    "vaccination_register",
    "visit_open",
]
