"""R11: clinic staff review what will be invoiced, adjust only with a reason, approve; every change kept."""

from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import services
from billing.models import AdjustmentAction, ChargeAdjustment, ChargeStatus
from billing.services import BillingError
from mittvaccin.models import AccessLogEntry
from tests.billing.factories import adult, approved, campaign, child, dose_charge
from tests.conftest import client_for


@pytest.fixture
def charge(cast, alice, grown_up, product):
    return dose_charge(grown_up, cast.unit_a, product, user=alice)[0]


def test_r11_adjusting_an_amount_keeps_who_when_before_after_why(charge, clinic_user):
    services.charge_adjust(
        charge=charge, amount=Decimal("200"), reason="Rabatt enligt beslut", user=clinic_user
    )
    charge.refresh_from_db()
    assert charge.amount == Decimal("200.00")
    [entry] = charge.adjustments.all()
    assert entry.by == clinic_user
    assert entry.action == AdjustmentAction.AMOUNT
    assert (entry.amount_before, entry.amount_after) == (Decimal("345.00"), Decimal("200.00"))
    assert entry.reason == "Rabatt enligt beslut"
    assert entry.at is not None


@pytest.mark.parametrize("reason", ["", "  ", "x"])
def test_r11_no_adjustment_without_a_reason(charge, clinic_user, reason):
    with pytest.raises(BillingError, match="varför"):
        services.charge_adjust(charge=charge, amount=Decimal("200"), reason=reason, user=clinic_user)
    with pytest.raises(BillingError, match="varför"):
        services.charge_remove(charge=charge, reason=reason, user=clinic_user)
    charge.refresh_from_db()
    assert (charge.amount, charge.status) == (Decimal("345.00"), ChargeStatus.OPEN)
    assert not charge.adjustments.exists()


@pytest.mark.parametrize("amount", ["-1", "25000", "1000000"])
def test_r11_negative_or_absurd_adjustment_is_refused(charge, clinic_user, amount):
    with pytest.raises(BillingError):
        services.charge_adjust(
            charge=charge, amount=Decimal(amount), reason="Test av gräns", user=clinic_user
        )


def test_r11_adjustment_reason_is_required_by_the_database(charge, clinic_user):
    with pytest.raises(IntegrityError, match="adjustment_has_reason"), transaction.atomic():
        ChargeAdjustment.objects.create(
            charge=charge, by=clinic_user, action=AdjustmentAction.AMOUNT, status_after="open", reason=""
        )


def test_r11_adjustment_log_is_append_only(charge, clinic_user):
    services.charge_adjust(charge=charge, amount=Decimal("200"), reason="Rabatt", user=clinic_user)
    entry = charge.adjustments.get()
    with pytest.raises(DatabaseError, match="adjustment_append_only"), transaction.atomic():
        ChargeAdjustment.objects.filter(pk=entry.pk).update(reason="ändrat i efterhand")
    with pytest.raises(DatabaseError, match="adjustment_append_only"), transaction.atomic():
        entry.delete()


def test_r11_adjusting_an_approved_charge_sends_it_back_for_approval(charge, clinic_user):
    approved([charge], clinic_user)
    services.charge_adjust(charge=charge, amount=Decimal("100"), reason="Fel pris", user=clinic_user)
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.OPEN
    assert charge.approved_at is None


def test_r11_approving_twice_changes_nothing_and_says_so(cast, charge, clinic_user):
    first = services.charges_approve(caregiver=cast.caregiver_a, charge_ids=[charge.pk], user=clinic_user)
    second = services.charges_approve(caregiver=cast.caregiver_a, charge_ids=[charge.pk], user=clinic_user)
    assert (first.approved, first.already) == (1, 0)
    assert (second.approved, second.already) == (0, 1)
    assert charge.adjustments.filter(action=AdjustmentAction.APPROVED).count() == 1
    response = client_for(cast.clinic_a).post(
        reverse("billing:charges_approve"), {"charge": [charge.pk]}, follow=True
    )
    assert "redan godkända" in response.content.decode()


def test_r4_approving_another_caregivers_charge_is_refused(cast, charlie, charge):
    result = services.charges_approve(caregiver=cast.caregiver_b, charge_ids=[charge.pk], user=charlie)
    assert (result.approved, result.refused) == (0, 1)
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.OPEN


def test_r11_removed_charge_is_kept_and_cannot_be_adjusted(charge, clinic_user):
    services.charge_remove(charge=charge, reason="Dubbelregistrerad", user=clinic_user)
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.REMOVED
    with pytest.raises(BillingError, match="borttagen"):
        services.charge_adjust(charge=charge, amount=Decimal("1"), reason="Försök", user=clinic_user)


def test_r11_review_page_shows_doses_campaigns_amounts_and_logs_the_read(cast, alice, charge, product):
    kids = campaign(cast.caregiver_a, products=[product], name="Barnkampanjen")
    dose_charge(
        child(cast.caregiver_a),
        cast.unit_a,
        product,
        user=alice,
        billing_data={"billing-campaign": str(kids.pk)},
    )
    client = client_for(cast.clinic_a)
    before = AccessLogEntry.objects.count()
    response = client.get(reverse("billing:review"))
    html = response.content.decode()
    assert response.status_code == 200
    assert product.name in html
    assert "Barnkampanjen" in html
    assert "345,00" in html
    assert "0,00" in html
    assert AccessLogEntry.objects.count() == before + 2


def test_r11_adjust_in_place_with_htmx(cast, charge):
    client = client_for(cast.clinic_a)
    url = reverse("billing:charge_adjust", args=[charge.pk])
    form = client.get(url, headers={"HX-Request": "true"})
    assert form.status_code == 200
    assert 'name="reason"' in form.content.decode()
    refused = client.post(url, {"amount": "-50", "reason": "x"}, headers={"HX-Request": "true"})
    assert refused.status_code == 200
    assert "negativt" in refused.content.decode()
    done = client.post(
        url, {"amount": "150,50", "reason": "Överenskommet pris"}, headers={"HX-Request": "true"}
    )
    assert done.status_code == 200
    assert done["HX-Retarget"] == f"#charge-{charge.pk}"
    assert "150,50" in done.content.decode()
    charge.refresh_from_db()
    assert charge.amount == Decimal("150.50")


def test_r11_totals_follow_an_adjustment_or_removal_made_in_place(cast, alice, charge, product):
    dose_charge(adult(cast.caregiver_a, family_name="Annan"), cast.unit_a, product, user=alice)
    client = client_for(cast.clinic_a)
    review_url = "http://testserver" + reverse("billing:review")
    headers = {"HX-Request": "true", "HX-Current-URL": review_url}

    def footer(html):
        return html.split('id="review-totals"')[1].split("<tr>", 1)[1].split("</tfoot>")[0]

    done = client.post(
        reverse("billing:charge_adjust", args=[charge.pk]),
        {"amount": "150,50", "reason": "Överenskommet pris"},
        headers=headers,
    ).content.decode()
    assert 'id="review-totals" hx-swap-oob="true"' in done
    assert footer(done) == footer(client.get(reverse("billing:review")).content.decode())
    assert "495,50" in footer(done)
    removed = client.post(
        reverse("billing:charge_remove", args=[charge.pk]), {"reason": "Fel patient"}, headers=headers
    ).content.decode()
    assert footer(removed) == footer(client.get(reverse("billing:review")).content.decode())
    assert "1 debitering" in footer(removed)


def test_r11_adjustment_history_is_visible(cast, charge, clinic_user):
    services.charge_adjust(
        charge=charge, amount=Decimal("200"), reason="Rabatt enligt beslut", user=clinic_user
    )
    html = client_for(cast.clinic_a).get(reverse("billing:charge", args=[charge.pk])).content.decode()
    assert "Rabatt enligt beslut" in html
    assert "345,00" in html
    assert "200,00" in html
    assert clinic_user.get_full_name() in html
    review = client_for(cast.clinic_a).get(reverse("billing:review")).content.decode()
    assert "justerad" in review
    assert "Rabatt enligt beslut" in review  # on hover (title)


def test_r11_only_staff_with_the_right_review(cast, charge):
    for user in (cast.alice, cast.admin_a):
        assert client_for(user).get(reverse("billing:review")).status_code == 403
        assert client_for(user).post(reverse("billing:charge_adjust", args=[charge.pk])).status_code == 403


def test_review_and_invoice_list_queries_do_not_grow_with_the_rows(
    cast, alice, product, clinic_user, billing_ready
):

    client = client_for(cast.clinic_a)
    client.get(reverse("billing:review"))  # the signed-in account is cached from the first request on

    def count(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    def add(n):
        for _ in range(n):
            charges = dose_charge(adult(cast.caregiver_a), cast.unit_a, product, user=alice)
            services.charge_adjust(
                charge=charges[0], amount=Decimal("100"), reason="Rabatt", user=clinic_user
            )
            approved(charges, clinic_user)
        services.invoices_issue(caregiver=cast.caregiver_a, user=clinic_user)
        for _ in range(n):
            dose_charge(adult(cast.caregiver_a), cast.unit_a, product, user=alice)

    add(2)
    review_small, invoices_small = count(reverse("billing:review")), count(reverse("billing:invoices"))
    add(10)
    assert count(reverse("billing:review")) == review_small
    assert count(reverse("billing:invoices")) == invoices_small
