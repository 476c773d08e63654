"""A recall's list on screen: how each patient is reached, and one page's rows read as values and drawn
as HTML in Python.

A page lists a hundred doses of a list that may hold tens of thousands. Making each row's patient, dose
and unit model instances and drawing the row with the template engine was most of the page's time
(issue 11); here a row is read as plain values and made into one string with every text escaped. The
patient's name and number come from the journal's own `Patient` methods (one place for each).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from journal.models import Patient
from journal.patient_values import PatientValues
from journal.recall_models import RecallEntry
from mittvaccin.html_rows import escape, protected_badge

FORWARDING = "forwarding"

ROUTE_LABELS = {
    FORWARDING: gettext_lazy("Via Skatteverkets postförmedling (skyddad identitet)"),
    "sms": gettext_lazy("SMS"),
    "email": gettext_lazy("E-post"),
    "letter": gettext_lazy("Brev"),
    "none": gettext_lazy("Kontaktuppgift saknas"),
}


def contact_route(patient) -> str:
    """How to reach the patient about the recall. Protected identity: only the tax agency's forwarding route."""
    if patient.protected_identity:
        return FORWARDING
    if patient.phone:
        return "sms"
    if patient.email:
        return "email"
    if patient.address:
        return "letter"
    return "none"


@dataclass
class RecallRow:
    patient: Patient  # or a RecallPatient on the screen's page
    dose: object  # a Vaccination, or a RecallDose on the screen's page

    @property
    def route(self) -> str:
        return contact_route(self.patient)


class RecallPatient(PatientValues):
    """What a row shows of its patient (name, number, how to reach them) and the access log keeps."""

    FIELDS = ("id", "caregiver_id", "identity_number", "protected_identity", "family_name", "given_names",
              "phone", "email", "address", "postal_code", "city")  # fmt: skip
    __slots__ = FIELDS


@dataclass(frozen=True, slots=True)
class RecallDose:
    given_at: object
    dose_number: int | None
    unit_name: str


def page_rows(recall, *, offset: int, limit: int) -> list[RecallRow]:
    """The entries at positions offset+1 … offset+limit (positions run 1 … dose_count without gaps, so a
    page is a range of the (recall, position) index)."""
    values = (
        RecallEntry.objects.filter(recall=recall, position__gt=offset, position__lte=offset + limit)
        .order_by("position")
        .values_list(
            *(f"patient__{name}" for name in RecallPatient.FIELDS),
            "vaccination__given_at",
            "vaccination__dose_number",
            "vaccination__unit__name",
        )
    )
    width = len(RecallPatient.FIELDS)
    return [RecallRow(RecallPatient(*row[:width]), RecallDose(*row[width:])) for row in values]


def rows_html(rows: list[RecallRow]) -> SafeString:
    """The <tr> of each row of a page."""
    prefix = reverse("journal:patient", args=[0]).removesuffix("0/")
    labels = {route: escape(label) for route, label in ROUTE_LABELS.items()}
    badge = protected_badge()
    return mark_safe("".join(_row(row, prefix, labels, badge) for row in rows))  # noqa: S308  (all escaped)


def _row(row: RecallRow, prefix: str, labels: dict, badge: str) -> str:
    patient, dose, route = row.patient, row.dose, row.route
    if route == FORWARDING:
        reach = f'<span class="badge warn">{labels[FORWARDING]}</span>'
    elif route == "sms":
        reach = f"{labels['sms']} {escape(patient.phone)}"
    elif route == "email":
        reach = f"{labels['email']} {escape(patient.email)}"
    elif route == "letter":
        reach = f"{labels['letter']}: {escape(patient.address)}, {escape(patient.postal_code)} {escape(patient.city)}"
    else:
        reach = f'<span class="badge warn">⚠ {labels["none"]}</span>'
    protected = f" {badge}" if patient.protected_identity else ""
    return (
        "<tr>\n"
        f'  <td><a href="{prefix}{patient.pk}/">{escape(patient.display_name)}</a> '
        f'<span class="pnr">{escape(patient.identity_display)}</span>{protected}</td>\n'
        f"  <td>{timezone.localtime(dose.given_at).strftime('%Y-%m-%d')}</td>\n"
        f"  <td>{escape(dose.unit_name)}</td>\n"
        f"  <td>{dose.dose_number or '–'}</td>\n"
        f'  <td data-testid="recall-route">{reach}</td>\n'
        "</tr>\n"
    )
