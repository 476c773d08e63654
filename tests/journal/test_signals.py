"""R13: attention signals in a banner on every patient screen, the to-do, and the FHIR hand-over."""

import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal import selectors, services
from journal.models import AttentionSignal, SignalDocumented
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import ready_visit

pytestmark = pytest.mark.django_db


def egg(patient, user):
    return services.signal_create(
        patient=patient,
        user=user,
        kind="hypersensitivity",
        agent="ägg",
        reaction="anafylaxi",
        severity="life_threatening",
        occurred_on="2019",
    )


def test_r13_signal_shows_in_the_banner_on_every_patient_screen(cast):
    ready = ready_visit(cast)
    egg(ready.patient, cast.bob)
    client = client_for(cast.alice)
    pages = [
        reverse("journal:patient", args=[ready.patient.pk]),
        reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk]),
        reverse("journal:note_create", args=[ready.patient.pk]),
        reverse("journal:patient_edit", args=[ready.patient.pk]),
        reverse("journal:signal_create", args=[ready.patient.pk]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert 'data-testid="signal-banner"' in body, url
        assert "Överkänslighet mot ägg (anafylaxi, 2019)" in body, url
    # Clinic staff see the banner too (it must be seen outside the unit).
    assert "UPPMÄRKSAMHET" in client_for(cast.clinic_a).get(pages[0]).content.decode()


def test_r13_signal_form_validates(cast, patient_a):
    client = client_for(cast.alice)
    url = reverse("journal:signal_create", args=[patient_a.pk])
    response = client.post(url, {"kind": "hypersensitivity", "agent": "latex", "severity": ""})
    assert "Ange allvarlighetsgrad" in response.content.decode()
    assert client.post(url, {"kind": "ingen", "agent": ""}).status_code == 200
    assert client.post(url, {"kind": "other", "agent": "Svimmar vid stick"}).status_code == 302


def test_r13_todo_stays_open_until_marked_documented(cast, patient_a):
    signal = egg(patient_a, cast.bob)
    client = client_for(cast.alice)
    todos = client.get(reverse("journal:signal_todos")).content.decode()
    assert patient_a.display_name in todos
    url = reverse("journal:signal_documented", args=[patient_a.pk, signal.pk])
    client.post(url, {"next": "todos"})
    done = SignalDocumented.objects.get(signal=signal)
    assert done.by == cast.alice
    assert done.at is not None
    assert patient_a.display_name not in client.get(reverse("journal:signal_todos")).content.decode()
    again = client.post(url, follow=True)
    assert "Redan markerad som dokumenterad" in again.content.decode()
    assert SignalDocumented.objects.count() == 1


def test_r13_hypersensitivity_is_exported_as_fhir_allergy_intolerance(cast, patient_a):
    signal = egg(patient_a, cast.bob)
    response = client_for(cast.alice).get(reverse("journal:signal_fhir", args=[patient_a.pk, signal.pk]))
    assert response["Content-Type"].startswith("application/fhir+json")
    resource = json.loads(response.content)
    assert resource["resourceType"] == "AllergyIntolerance"
    assert resource["clinicalStatus"]["coding"][0]["code"] == "active"
    assert resource["criticality"] == "high"
    assert resource["code"]["text"] == "ägg"
    assert resource["reaction"][0]["severity"] == "severe"
    assert resource["patient"]["identifier"] == {
        "system": "urn:oid:1.2.752.129.2.1.3.1",
        "value": patient_a.identity_number,
    }


def test_r13_other_information_is_exported_as_fhir_flag_and_inactivation_keeps_it(cast, patient_a):
    signal = services.signal_create(
        patient=patient_a, user=cast.bob, kind="other", agent="Stickrädd, svimmar"
    )
    client = client_for(cast.bob)
    url = reverse("journal:signal_fhir", args=[patient_a.pk, signal.pk])
    resource = json.loads(client.get(url + "?ladda-ner=1").content)
    assert resource["resourceType"] == "Flag"
    assert resource["status"] == "active"
    assert resource["subject"]["identifier"]["value"] == patient_a.identity_number
    client.post(reverse("journal:signal_inactivate", args=[patient_a.pk, signal.pk]), {"reason": "Felaktig"})
    assert json.loads(client.get(url).content)["status"] == "inactive"
    assert selectors.active_signals(patient_a, refresh=True) == []
    # A nurse has no assessment right: the door of the inactivation page is closed to her.
    nurse = client_for(cast.alice)
    inactivate = reverse("journal:signal_inactivate", args=[patient_a.pk, egg(patient_a, cast.bob).pk])
    assert nurse.get(inactivate).status_code == 403
    assert nurse.post(inactivate, {"reason": "Felaktig"}).status_code == 403
    assert len(selectors.active_signals(patient_a, refresh=True)) == 1


def test_r13_signals_by_patient_in_one_query_and_the_badges(cast):
    patients = [PatientFactory(caregiver=cast.caregiver_a) for _ in range(6)]
    for patient in patients[:4]:
        egg(patient, cast.bob)
    inactive = services.signal_create(patient=patients[5], user=cast.bob, kind="other", agent="x")
    services.signal_inactivate(signal=inactive, user=cast.bob, reason="fel")
    with CaptureQueriesContext(connection) as queries:
        signals = selectors.attention_signals_by_patient([p.pk for p in patients])
        html = render_to_string("journal/_signal_badges.html", {"signals": signals[patients[0].pk]})
    assert len(queries) == 1
    assert set(signals) == {p.pk for p in patients[:4]}
    assert "▲" in html
    assert "Överkänslighet" in html
    assert "badge danger" in html
    assert selectors.attention_signals_by_patient([]) == {}


def test_r13_constraints_on_signals(cast, patient_a):
    with pytest.raises(IntegrityError, match="signal_hypersensitivity_has_severity"), transaction.atomic():
        AttentionSignal.objects.create(
            patient=patient_a, kind="hypersensitivity", agent="x", recorded_by=cast.bob, signature="x"
        )
    signal = egg(patient_a, cast.bob)
    services.signal_mark_documented(signal=signal, user=cast.alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignalDocumented.objects.create(signal=signal, by=cast.bob, signature="x")
