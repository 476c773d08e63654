"""A8: what the FHIR API says: patients, doses, recommendations, signals; searches, paging, bad input.

Every response is parsed by the fhir.resources R4B models (helpers.parsed).
"""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journal import services
from mittvaccin.models import AccessLogEntry
from tests.factories import PatientFactory
from tests.fhirapi.helpers import PNR, entries, fhir_get, outcome, parsed
from tests.journal.factories import hepb_product, ready_visit, register

pytestmark = pytest.mark.django_db

SAMORDNING = "urn:oid:1.2.752.129.2.1.3.3"


def immunizations(token, patient, **params):
    response = fhir_get(
        "/fhir/Immunization", token, **{"patient.identifier": f"{PNR}|{patient.identity_number}"}, **params
    )
    assert response.status_code == 200, response.content
    return parsed(response)


def three_states(cast):
    """A patient with a dose given, a dose not given (declined) and a dose entered in error."""
    ready = ready_visit(cast)
    given = register(cast, ready, given_at=timezone.now() - dt.timedelta(days=40))
    wrong = register(cast, ready, dose_number=2, given_at=timezone.now() - dt.timedelta(days=10))
    services.vaccination_enter_in_error(vaccination=wrong, user=cast.alice, reason="Fel patient")
    not_given = services.vaccination_not_given(
        visit=ready.visit, user=cast.alice, unit=cast.unit_a, reason="declined", product=ready.product
    )
    return ready, given, wrong, not_given


def test_a8_patient_read_and_search_by_identifier(cast, patient_a, token_a):
    resource = parsed(fhir_get(f"/fhir/Patient/{patient_a.pk}", token_a))
    assert resource["identifier"] == [{"system": PNR, "value": patient_a.identity_number}]
    assert resource["name"][0]["family"] == patient_a.family_name
    bundle = parsed(fhir_get("/fhir/Patient", token_a, identifier=f"{PNR}|{patient_a.identity_display}"))
    assert [r["id"] for r in entries(bundle)] == [str(patient_a.pk)]
    assert bundle["total"] == 1


def test_a8_samordningsnummer_is_searched_by_its_own_system(cast, token_a):
    patient = PatientFactory(caregiver=cast.caregiver_a, identity_kind="samordningsnummer")
    bundle = parsed(fhir_get("/fhir/Patient", token_a, identifier=f"{SAMORDNING}|{patient.identity_number}"))
    assert entries(bundle)[0]["identifier"][0]["system"] == SAMORDNING
    # The personnummer system does not name a samordningsnummer.
    response = fhir_get("/fhir/Patient", token_a, identifier=f"{PNR}|{patient.identity_number}")
    assert "inget personnummer" in outcome(response, 400)


def test_r7_protected_patient_is_labelled_and_has_no_name_or_address(cast, protected_patient_a, token_a):
    resource = parsed(fhir_get(f"/fhir/Patient/{protected_patient_a.pk}", token_a))
    assert resource["meta"]["security"][0]["code"] == "R"
    assert "name" not in resource
    assert "address" not in resource
    ready = ready_visit(cast, patient=protected_patient_a)
    register(cast, ready)
    bundle = immunizations(token_a, protected_patient_a)
    text = json.dumps(bundle, ensure_ascii=False)
    assert protected_patient_a.family_name not in text
    assert protected_patient_a.given_names not in text
    assert entries(bundle)[0]["meta"]["security"][0]["code"] == "R"


def test_a8_immunization_statuses_given_not_done_and_entered_in_error(cast, token_a):
    ready, given, wrong, not_given = three_states(cast)
    by_id = {r["id"]: r for r in entries(immunizations(token_a, ready.patient))}
    assert by_id[str(given.pk)]["status"] == "completed"
    assert by_id[str(given.pk)]["lotNumber"] == ready.batch.lot_number
    assert by_id[str(given.pk)]["protocolApplied"][0]["doseNumberPositiveInt"] == 1
    assert by_id[str(given.pk)]["primarySource"] is True
    assert by_id[str(wrong.pk)]["status"] == "entered-in-error"
    assert by_id[str(wrong.pk)]["note"][0]["text"] == "Fel patient"
    assert by_id[str(not_given.pk)]["status"] == "not-done"
    assert by_id[str(not_given.pk)]["statusReason"]["coding"][0]["code"] == "PATOBJ"
    assert by_id[str(not_given.pk)]["statusReason"]["text"] == "Patienten avböjde"


def test_a8_dose_given_elsewhere_is_not_a_primary_source(cast, patient_a, token_a):
    services.vaccination_record_elsewhere(
        patient=patient_a,
        user=cast.alice,
        given_on=dt.date(2020, 5, 4),
        product_text="Stamaril",
        place="Kenya",
    )
    resource = entries(immunizations(token_a, patient_a))[0]
    assert resource["primarySource"] is False
    assert resource["location"]["display"] == "Kenya"
    assert resource["vaccineCode"]["text"] == "Stamaril"


def test_a8_date_search_with_prefixes(cast, token_a):
    ready = ready_visit(cast)
    now = timezone.localtime()
    old = register(cast, ready, given_at=now - dt.timedelta(days=400))
    new = register(cast, ready, dose_number=2, given_at=now - dt.timedelta(days=2))

    def ids(*dates):
        return {r["id"] for r in entries(immunizations(token_a, ready.patient, date=list(dates)))}

    cut = (now - dt.timedelta(days=30)).date().isoformat()
    assert ids(f"ge{cut}") == {str(new.pk)}
    assert ids(f"lt{cut}") == {str(old.pk)}
    assert ids(f"gt{cut}", f"le{now.date().isoformat()}") == {str(new.pk)}
    assert ids(timezone.localtime(old.given_at).date().isoformat()) == {str(old.pk)}
    assert ids(f"ne{timezone.localtime(old.given_at).date().isoformat()}") == {str(new.pk)}
    assert ids(f"eq{timezone.localtime(new.given_at):%Y-%m}") == {str(new.pk)}
    assert ids(f"sa{now.year + 1}") == set()


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        ({"date": "xx2025-01-01"}, "Okänt prefix"),
        ({"date": "ap2025-01-01"}, "Okänt prefix"),
        ({"date": "ge2025-13-01"}, "Ogiltigt datum"),
        ({"date": "ge25-01"}, "Ogiltig datumsökning"),
        ({"_count": "0"}, "_count"),
        ({"_page": "abc"}, "_page"),
        ({"color": "red"}, "stöds inte"),
    ],
)
def test_a8_bad_search_parameters_are_400_operation_outcomes(cast, patient_a, token_a, param, expected):
    response = fhir_get(
        "/fhir/Immunization", token_a, **{"patient.identifier": patient_a.identity_number}, **param
    )
    assert expected in outcome(response, 400)


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (f"{PNR}|19850412-0000", "Ogiltig identifierare"),
        (f"{PNR}|abc", "Ogiltig identifierare"),
        ("urn:oid:9.9|198504129860", "Okänt identifierarsystem"),
        (f"{PNR}|", "saknar värde"),
    ],
)
def test_a8_malformed_identifiers_are_400(cast, token_a, token, expected):
    assert expected in outcome(fhir_get("/fhir/Immunization", token_a, **{"patient.identifier": token}), 400)
    assert expected in outcome(fhir_get("/fhir/Patient", token_a, identifier=token), 400)


def test_a8_search_without_a_patient_is_refused(cast, token_a):
    assert "patient.identifier" in outcome(fhir_get("/fhir/Immunization", token_a), 400)
    assert "identifier" in outcome(fhir_get("/fhir/Patient", token_a), 400)


def test_a8_unknown_patient_gives_an_empty_bundle_and_read_gives_404(cast, token_a):
    bundle = parsed(fhir_get("/fhir/Immunization", token_a, **{"patient.identifier": f"{PNR}|191212121212"}))
    assert bundle["total"] == 0
    assert entries(bundle) == []
    assert "finns inte" in outcome(fhir_get("/fhir/Patient/999999999", token_a), 404)
    assert "finns inte" in outcome(fhir_get("/fhir/Patient/abc", token_a), 404)


def test_r4_a_token_of_another_caregiver_sees_nothing(cast, token_b):
    ready, *_ = three_states(cast)
    bundle = parsed(
        fhir_get("/fhir/Immunization", token_b, **{"patient.identifier": ready.patient.identity_number})
    )
    assert bundle["total"] == 0
    outcome(fhir_get(f"/fhir/Patient/{ready.patient.pk}", token_b), 404)
    for path in (
        "/fhir/Patient",
        "/fhir/AllergyIntolerance",
        "/fhir/Flag",
        "/fhir/ImmunizationRecommendation",
    ):
        key = "identifier" if path == "/fhir/Patient" else "patient.identifier"
        assert parsed(fhir_get(path, token_b, **{key: ready.patient.identity_number}))["total"] == 0
    assert not AccessLogEntry.objects.filter(
        patient_id=ready.patient.pk, api_client_id__isnull=False
    ).exists()


def test_n6_every_patient_read_writes_an_access_log_row_naming_the_client(cast, patient_a, client_a, token_a):
    fhir_get(f"/fhir/Patient/{patient_a.pk}", token_a)
    immunizations(token_a, patient_a)
    rows = list(AccessLogEntry.objects.filter(patient_id=patient_a.pk).order_by("id"))
    assert [(row.action, row.params) for row in rows] == [
        ("fhir.read", {"resource": "Patient"}),
        ("fhir.read", {"resource": "Immunization"}),
    ]
    assert [row.description for row in rows] == ["FHIR-läsning: Patient", "FHIR-läsning: Immunization"]
    for row in rows:
        assert row.user_id is None
        assert row.api_client_id == client_a[0].pk
        assert row.api_client_name == "Huvudjournalen"
        assert row.caregiver_id == cast.caregiver_a.pk
    page = (
        __import__("tests.conftest", fromlist=["client_for"])
        .client_for(cast.admin_a)
        .get("/loggkontroll/", {"patient": patient_a.identity_number})
    )
    assert "Huvudjournalen" in page.content.decode()


def test_a8_paging_links_and_a_page_past_the_end(cast, token_a):
    ready = ready_visit(cast, doses=10)
    for n in range(5):
        register(
            cast,
            ready,
            dose_number=n + 1,
            given_at=timezone.now() - dt.timedelta(days=50 - n),
            override_reason="Täta doser i testet",
        )
    first = immunizations(token_a, ready.patient, _count="2")
    assert first["total"] == 5
    assert len(entries(first)) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "_page=2" in links["next"]
    assert "previous" not in links
    third = immunizations(token_a, ready.patient, _count="2", _page="3")
    assert len(entries(third)) == 1
    assert "next" not in {link["relation"] for link in third["link"]}
    seen = [
        r["id"]
        for page in (1, 2, 3)
        for r in entries(immunizations(token_a, ready.patient, _count="2", _page=str(page)))
    ]
    assert len(set(seen)) == 5
    response = fhir_get(
        "/fhir/Immunization",
        token_a,
        **{"patient.identifier": ready.patient.identity_number},
        _count="2",
        _page="4",
    )
    assert "Sidan 4 finns inte" in outcome(response, 400)


def test_a8_immunization_search_queries_do_not_grow_with_the_doses(cast, token_a):
    ready = ready_visit(cast, doses=10)
    register(cast, ready)

    def count():
        with CaptureQueriesContext(connection) as queries:
            immunizations(token_a, ready.patient)
        return len(queries)

    one = count()
    for n in range(2, 8):
        register(
            cast,
            ready,
            dose_number=n,
            given_at=timezone.now() - dt.timedelta(days=n),
            override_reason="Täta doser i testet",
        )
    assert count() == one


def test_a8_recommendation_for_the_next_due_dose_of_each_series(cast, patient_a, token_a):

    tbe = ready_visit(cast, patient=patient_a)
    dose = register(cast, tbe, given_at=timezone.now() - dt.timedelta(days=3))
    hep = ready_visit(cast, patient=patient_a, product=hepb_product())
    register(cast, hep, given_at=timezone.now() - dt.timedelta(days=60))
    bundle = parsed(
        fhir_get(
            "/fhir/ImmunizationRecommendation", token_a, **{"patient.identifier": patient_a.identity_number}
        )
    )
    [resource] = entries(bundle)
    by_disease = {r["targetDisease"]["text"]: r for r in resource["recommendation"]}
    assert set(by_disease) == {"TBE", "Hepatit B"}
    tbe_due = by_disease["TBE"]
    assert tbe_due["doseNumberPositiveInt"] == 2
    assert tbe_due["forecastStatus"]["coding"][0]["code"] == "due"
    assert tbe_due["dateCriterion"][0]["value"] == dose.next_due_date.isoformat()
    assert tbe_due["supportingImmunization"][0]["reference"] == f"Immunization/{dose.pk}"
    assert by_disease["Hepatit B"]["forecastStatus"]["coding"][0]["code"] == "overdue"


def test_r13_signals_as_allergy_intolerance_and_flag(cast, patient_a, token_a):
    services.signal_create(
        patient=patient_a,
        user=cast.bob,
        kind="hypersensitivity",
        agent="ägg",
        severity="severe",
        reaction="urtikaria",
    )
    services.signal_create(patient=patient_a, user=cast.bob, kind="other", agent="Svimmar vid stick")
    allergies = entries(
        parsed(
            fhir_get("/fhir/AllergyIntolerance", token_a, **{"patient.identifier": patient_a.identity_number})
        )
    )
    flags = entries(
        parsed(fhir_get("/fhir/Flag", token_a, **{"patient.identifier": patient_a.identity_number}))
    )
    assert [a["code"]["text"] for a in allergies] == ["ägg"]
    assert allergies[0]["patient"]["reference"] == f"Patient/{patient_a.pk}"
    assert allergies[0]["reaction"][0]["manifestation"][0]["text"] == "urtikaria"
    assert [f["code"]["text"] for f in flags] == ["Svimmar vid stick"]


def test_r13_signal_export_says_only_what_was_recorded(cast, patient_a, token_a):
    """A life-threatening signal is not called anaphylaxis, and a missing reaction is not filled in."""
    services.signal_create(
        patient=patient_a,
        user=cast.bob,
        kind="hypersensitivity",
        agent="latex",
        severity="life_threatening",
        text="Kraftig svullnad i svalget 2019",
    )
    [resource] = entries(
        parsed(
            fhir_get("/fhir/AllergyIntolerance", token_a, **{"patient.identifier": patient_a.identity_number})
        )
    )
    text = json.dumps(resource, ensure_ascii=False).lower()
    assert "anafylaxi" not in text
    assert "reaction" not in resource
    assert resource["criticality"] == "high"
    assert [note["text"] for note in resource["note"]] == [
        "Allvarlighetsgrad: Livshotande",
        "Kraftig svullnad i svalget 2019",
    ]
