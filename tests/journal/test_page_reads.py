"""The patient page's lean reads (`journal.screens`: visits as rows, orders counted from the history, small
reads sorted in Python) give what the shared selectors give (issue 11)."""

import datetime as dt

import pytest
from django.utils import timezone

from journal import selectors, services
from journal.models import VisitKind
from journal.screens import page_history, page_orders, page_visits, patient_journal
from tests.journal.factories import declare, make_order, ready_visit, register

pytestmark = pytest.mark.django_db


def test_orders_count_their_doses_given_from_the_history_as_the_database_does(cast, at_midday):
    ready = ready_visit(cast, doses=3)
    register(cast, ready, dose_number=1)
    wrong = register(cast, ready, dose_number=2, override_reason="Resa")
    services.vaccination_enter_in_error(vaccination=wrong, user=cast.alice, reason="Fel dos")
    register(cast, ready, dose_number=2, override_reason="Resa")
    make_order(cast, ready.patient, ready.product, doses=1)
    # Another patient's doses of the same product never count for this patient's orders.
    other = ready_visit(cast, product=ready.product)
    register(cast, other)

    counted = page_orders(ready.patient, page_history(ready.patient))
    joined = selectors.patient_orders(ready.patient)
    assert [o.pk for o in counted] == [o.pk for o in joined]
    assert [(o.doses_given, o.remaining, o.is_open) for o in counted] == [
        (o.doses_given, o.remaining, o.is_open) for o in joined
    ]
    assert [o.doses_given for o in counted] == [0, 2]


def test_the_page_shows_the_newest_visits_with_every_declaration_newest_first(cast, at_midday):
    ready = ready_visit(cast)
    patient = ready.patient
    now = timezone.now()
    older = [
        services.visit_open(
            patient=patient, unit=cast.unit_a, user=cast.alice, started_at=now - dt.timedelta(days=d)
        )
        for d in (3, 2, 1)
    ]
    first = declare(older[-1], cast.alice)
    services.declaration_record(
        visit=older[-1], user=cast.alice, answers=dict(first.answers), supersedes_id=first.pk
    )
    no_show = services.visit_open(patient=patient, unit=cast.unit_a, user=cast.alice, kind=VisitKind.NO_SHOW)

    shown, earlier, today = page_visits(patient, 3)
    every = selectors.declarations_by_visit(patient)
    assert [v.pk for v in shown] == [v.pk for v in every[:3]] == [no_show.pk, ready.visit.pk, older[-1].pk]
    assert earlier == 2
    for visit, model in zip(shown, every[:3], strict=True):
        assert [d.pk for d in visit.declaration_list] == [d.pk for d in model.declaration_list]
        assert (visit.kind, visit.started_at, visit.unit.name) == (
            model.kind,
            model.started_at,
            model.unit.name,
        )
    assert len(shown[2].declaration_list) == 2
    assert shown[2].declaration_list[0].supersedes_id == first.pk
    # Today's vaccination visits only (not the no-show, not the visits of earlier days).
    assert [v.pk for v in today] == [ready.visit.pk]
    whole = patient_journal(patient, user=cast.alice, unit=cast.unit_a, everything=True)
    assert [v.pk for v in whole.recent_visits] == [v.pk for v in every]
    assert whole.earlier_visits == 0
