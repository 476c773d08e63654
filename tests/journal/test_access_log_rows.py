"""The log review's rows drawn in Python (journal/access_log_rows.py, issue 11) are the rows its template
drew, for every kind of reader and row, in Swedish and English, and the page reads no row's user or unit
one at a time."""

import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from booking.access import TIMEBOOK_DAY
from journal.access import LOG_EXTRACT, PATIENT
from journal.access_log_rows import LOG_ROW_FIELDS, log_rows
from mittvaccin.access_log import access_log_record
from mittvaccin.models import AccessLogEntry
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.fhirapi.helpers import make_client

pytestmark = pytest.mark.django_db

# The review's row as its template drew it before the rows were drawn in Python, kept word for word.
_TEMPLATE_ROW = """{% load i18n %}{% for entry in page %}
      <tr>
        <td>{{ entry.at|date:"Y-m-d H:i:s" }}</td>
        <td>{% if entry.user_id %}{{ entry.user.get_full_name }} <span class="muted small">{{ entry.user.username }}</span>{% elif entry.read_by_api_client %}{{ entry.api_client_name }} <span class="tag">{% translate "API-klient" %}</span>{% elif entry.read_by_patient_self %}{% translate "Patienten själv (e-legitimation)" %}{% else %}{% translate "Vårdnadshavare (e-legitimation)" %}{% endif %}</td>
        <td>{{ entry.unit.name|default:"–" }}</td>
        <td class="pnr">{{ entry.patient_identity|slice:":8" }}-{{ entry.patient_identity|slice:"8:" }}{% if entry.patient_protected %} <span class="badge danger">{% include "_icon_lock.html" %} {% translate "Skyddad" %}</span>{% endif %}</td>
        <td>{{ entry.description }}{% if entry.reason %}<br><span class="small">{% translate "Skäl" %}: {{ entry.reason }}</span>{% endif %}</td>
        <td class="small">{{ entry.client_address|default:"–" }}</td>
      </tr>
{% endfor %}"""


def _request(rf, user, unit, address="10.1.2.3"):
    request = rf.get("/", REMOTE_ADDR=address)
    request.user = user
    request.unit = unit
    return request


def _squeezed(html) -> str:
    return re.sub(r"\s+", "", str(html))


@pytest.fixture
def every_kind_of_row(cast, rf):
    """Rows from staff (a name with markup, a reason), a receiving system, the patient, a guardian, a
    protected patient, another caregiver's read through the shared record (no unit) and no address."""
    cast.alice.first_name, cast.alice.last_name = '<b>"Åsa&', "O'Neil"
    cast.alice.save(update_fields=["first_name", "last_name"])
    patient = PatientFactory(caregiver=cast.caregiver_a)
    protected = PatientFactory(caregiver=cast.caregiver_a, protected=True)
    staff = _request(rf, cast.alice, cast.unit_a)
    access_log_record(request=staff, patient=patient, action=PATIENT, reason="<i>akut</i> & 'brådskande'")
    access_log_record(request=staff, patient=protected, action=TIMEBOOK_DAY, params={"day": "2026-11-25"})
    access_log_record(request=staff, patient=patient, action=LOG_EXTRACT, caregiver=cast.caregiver_b.pk)
    access_log_record(
        request=_request(rf, cast.alice, cast.unit_a, address=""), patient=patient, action=PATIENT
    )
    access_log_record(
        request=staff, patient=patient, action=PATIENT, api_client=make_client(cast.caregiver_a)[0]
    )
    for resident in (patient.identity_number, "191212121212"):
        access_log_record(request=staff, patient=patient, action=PATIENT, resident_identity=resident)
    return AccessLogEntry.objects.all()


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_review_rows_are_the_rows_the_template_drew(every_kind_of_row, language):
    with translation.override(language):
        drawn = log_rows(every_kind_of_row.values_list(*LOG_ROW_FIELDS, named=True))
        templated = Template(_TEMPLATE_ROW).render(
            Context({"page": every_kind_of_row.select_related("user", "unit")})
        )
    assert drawn.count("<tr>") == 7
    assert "&lt;b&gt;&quot;Åsa&amp; O&#x27;Neil" in drawn
    assert "&lt;i&gt;akut&lt;/i&gt; &amp; &#x27;brådskande&#x27;" in drawn
    assert 'class="badge danger"' in drawn
    assert _squeezed(drawn) == _squeezed(templated)


def test_the_review_reads_no_rows_user_or_unit_one_at_a_time(cast, every_kind_of_row):
    client = client_for(cast.admin_a)
    url = reverse("journal:access_log")
    client.get(url, {"date_from": "2000-01-01"})
    with CaptureQueriesContext(connection) as few:
        small = client.get(url, {"date_from": "2000-01-01"}).content.decode()
    for _ in range(3):
        client.get(reverse("journal:patient", args=[PatientFactory(caregiver=cast.caregiver_a).pk]))
    with CaptureQueriesContext(connection) as more:
        large = client.get(url, {"date_from": "2000-01-01"}).content.decode()
    assert large.count("<tr>") > small.count("<tr>") >= 7
    assert len(more) == len(few)
