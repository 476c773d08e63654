"""Benchmark of the residents' pages: a signed-in resident with 50 doses at three caregivers.

resident_history_ms / _fw_ratio / _queries: GET /mina-vaccinationer/ (doses at every caregiver, next
doses, bookings, one access-log row per caregiver).
"""

from __future__ import annotations

import datetime as dt
import time

RESIDENT = "197005152389"
DOSES = 50


def _resident(ctx):
    from django.utils import timezone

    from journal.identity import IdentityKind
    from journal.models import Patient, Vaccination, VaccinationStatus
    from mittvaccin.models import Caregiver, User
    from tests.factories import organisation_number

    nurse = User.objects.get(username=ctx.users["nurse"])
    caregivers = [Caregiver.objects.get(pk=ctx.caregiver_id)]
    for name in ("Bänkvårdgivare Två", "Bänkvårdgivare Tre"):
        caregivers.append(
            Caregiver.objects.filter(name=name).first()
            or Caregiver.objects.create(name=name, organisation_number=organisation_number())
        )
    patients = []
    for caregiver in caregivers:
        patient, _ = Patient.objects.get_or_create(
            caregiver=caregiver,
            identity_kind=IdentityKind.PERSONNUMMER,
            identity_number=RESIDENT,
            reserve_number_region="",
            defaults={"family_name": "Bänksson", "given_names": "Resa", "birth_date": dt.date(1970, 5, 15)},
        )
        patients.append(patient)
    if Vaccination.objects.filter(patient__in=patients).count() < DOSES:
        now = timezone.now()
        Vaccination.objects.bulk_create(
            [
                Vaccination(
                    caregiver_id=patients[i % 3].caregiver_id,
                    patient=patients[i % 3],
                    status=VaccinationStatus.GIVEN_ELSEWHERE,
                    product_text=f"Vaccin {i % 7}",
                    elsewhere_place="Bänkmottagningen",
                    recorded_by=nurse,
                    signature=nurse.signature,
                    given_at=now - dt.timedelta(days=30 * (i + 1)),
                    next_due_date=(now + dt.timedelta(days=30 * (i % 5))).date() if i % 7 == 0 else None,
                )
                for i in range(DOSES)
            ]
        )


def _resident_session(ctx):
    import requests
    from django.contrib.sessions.backends.db import SessionStore

    from mittvaccin.eid import SESSION_RESIDENT

    store = SessionStore()
    now = int(time.time())
    store[SESSION_RESIDENT] = {
        "identity": RESIDENT,
        "given_names": "Resa",
        "family_name": "Bänksson",
        "at": now,
        "seen": now,
        "provider": "",
    }
    # What a verified sign-in leaves in the session (the sign-in itself is the provider's time, not ours).
    store.create()
    session = requests.Session()
    session.cookies.set("sessionid", store.session_key)
    return session


def measure(ctx) -> dict:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    ctx.progress("  residents: a resident with 50 doses at three caregivers …")
    _resident(ctx)
    session = _resident_session(ctx)
    stats = ctx.timed(session, "GET", "/mina-vaccinationer/", ctx.args.requests, expect=(200,))
    from django.db import connection

    client = Client()
    client.cookies["sessionid"] = session.cookies.get("sessionid")
    client.get("/ping")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/mina-vaccinationer/")
    if response.status_code != 200:
        raise RuntimeError(f"/mina-vaccinationer/ answered {response.status_code}")
    return {
        "resident_history_ms": round(stats.median_ms, 1),
        "resident_history_p95_ms": round(stats.p95_ms, 1),
        "resident_history_fw_ratio": ctx.ratio(stats),
        "resident_history_queries": len(captured.captured_queries),
    }
