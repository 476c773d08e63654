"""A web booking made without e-identification cannot put a fee on a person who did not make it: its
no-show or late cancellation is not invoiced by the nightly jobs but waits for staff review (R8, R9)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.models import ArticleKind, Charge, JobKind
from billing.services.jobs import job_execute, job_queue, late_cancellation_charge
from tests.billing.factories import adult, article_price, late_cancellation, no_show, timebook_for
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def prices(cast):
    article_price(cast.caregiver_a, ArticleKind.NO_SHOW, "400")
    article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300")


def run(cast, kind):
    return job_execute(run_id=job_queue(caregiver=cast.caregiver_a, kind=kind).pk)


def test_r8_r9_unverified_web_bookings_go_to_review_not_to_the_invoice(cast, prices):
    tb = timebook_for(cast.unit_a)
    web_no_show = no_show(
        adult(cast.caregiver_a), cast.unit_a, cast.alice, timebook=tb, identity_verified=False
    )
    known_no_show = no_show(adult(cast.caregiver_a), cast.unit_a, cast.alice, timebook=tb)
    web_late = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=tb, identity_verified=False)

    noshow_run = run(cast, JobKind.NO_SHOW)
    late_run = run(cast, JobKind.LATE_CANCELLATION)
    assert (noshow_run.created, noshow_run.to_review) == (1, 1)
    assert (late_run.created, late_run.to_review) == (0, 1)
    assert Charge.objects.filter(booking_id=known_no_show.pk).exists()
    assert not Charge.objects.filter(booking_id__in=[web_no_show.pk, web_late.pk]).exists()
    assert any("utan e-legitimation" in error["message"] for error in noshow_run.errors)

    # Staff see them, with the reason, and charge one after checking with the patient.
    page = client_for(cast.clinic_a).get(reverse("billing:late_cancellations")).content.decode()
    assert 'data-testid="no-shows-to-review"' in page and "webbokning: granska" in page
    review = client_for(cast.clinic_a).get(reverse("billing:late_cancellation", args=[web_no_show.pk]))
    assert 'data-testid="needs-review"' in review.content.decode()
    assert "Uteblivet besök" in review.content.decode()
    charge = late_cancellation_charge(booking=web_no_show, user=cast.clinic_a)
    assert (charge.article.kind, charge.created_by) == (ArticleKind.NO_SHOW, cast.clinic_a)
    assert late_cancellation_charge(booking=web_late, user=cast.clinic_a).article.kind == (
        ArticleKind.LATE_CANCELLATION
    )
    # The next runs leave them as they are: charged once, by a person.
    assert run(cast, JobKind.NO_SHOW).created == 0
    assert Charge.objects.filter(booking_id=web_no_show.pk).count() == 1


def test_the_booking_page_leads_staff_to_the_review_of_a_web_no_show(cast, prices):
    booking = no_show(
        adult(cast.caregiver_a),
        cast.unit_a,
        cast.alice,
        timebook=timebook_for(cast.unit_a),
        identity_verified=False,
    )
    page = client_for(cast.clinic_a).get(reverse("booking:booking", args=[booking.pk])).content.decode()
    assert "Granska och debitera uteblivet besök" in page
    assert reverse("billing:late_cancellation", args=[booking.pk]) in page
