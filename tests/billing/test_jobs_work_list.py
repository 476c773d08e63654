"""R8, R9: the jobs walk booking's work list (FeeDue) and take each booking off it once its fee is settled,
so a run never reads again what an earlier run (or a person) charged."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from billing.models import ArticleKind, Charge, ChargeStatus, JobKind
from billing.services.jobs import _unlist, job_execute, job_queue, late_cancellation_charge
from booking.models import Booking, FeeDue
from booking.services import booking_undo_no_show
from mittvaccin.management.commands.migrate import Command as Migrate
from tests.billing.factories import adult, article_price, late_cancellation, no_show, timebook_for


def run(caregiver, kind, **kwargs):
    return job_execute(run_id=job_queue(caregiver=caregiver, kind=kind).pk, **kwargs)


def listed() -> set[int]:
    return set(FeeDue.objects.values_list("booking_id", flat=True))


@pytest.fixture
def priced(cast):
    article_price(cast.caregiver_a, ArticleKind.NO_SHOW, "400")
    article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300")


@pytest.mark.django_db
def test_r8_a_charged_booking_leaves_the_list_and_no_later_run_reads_it(cast, alice, priced):
    timebook = timebook_for(cast.unit_a)
    bookings = [no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=timebook) for _ in range(4)]
    assert listed() == {b.pk for b in bookings}
    first = run(cast.caregiver_a, JobKind.NO_SHOW, chunk=2, lanes=1)
    assert (first.total, first.processed, first.created, first.already_done) == (4, 4, 4, 0)
    assert listed() == set()
    with CaptureQueriesContext(connection) as captured:
        again = run(cast.caregiver_a, JobKind.NO_SHOW, chunk=2, lanes=1)
    assert (again.total, again.processed, again.created, again.already_done) == (0, 0, 0, 0)
    # No page of bookings was read: every page's read of the bookings is by its ids as one array (the
    # run's first count is too, of an empty list here).
    pages = [q["sql"] for q in captured.captured_queries if "unnest" in q["sql"] and "COUNT(" not in q["sql"]]
    assert not pages, pages
    assert Charge.objects.count() == 4


@pytest.mark.django_db
def test_r9_a_booking_charged_by_hand_leaves_the_list_on_the_next_run_counted_as_already_done(cast, priced):
    timebook = timebook_for(cast.unit_a)
    by_hand = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=timebook)
    other = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=timebook)
    late_cancellation_charge(booking=by_hand, user=cast.clinic_a)
    assert listed() == {by_hand.pk, other.pk}  # the manual path leaves the list to the job
    done = run(cast.caregiver_a, JobKind.LATE_CANCELLATION)
    assert (done.total, done.processed, done.created, done.already_done) == (1, 1, 1, 1)
    assert listed() == set()
    assert Charge.objects.filter(booking_id=by_hand.pk).count() == 1
    assert run(cast.caregiver_a, JobKind.LATE_CANCELLATION).already_done == 0


@pytest.mark.django_db
def test_r8_an_undone_no_show_leaves_the_list_uncharged(cast, alice, priced):
    timebook = timebook_for(cast.unit_a)
    undone = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=timebook)
    booking_undo_no_show(booking=undone, user=alice, reason="Kom ändå")
    assert listed() == {undone.pk}
    done = run(cast.caregiver_a, JobKind.NO_SHOW)
    assert (done.total, done.processed, done.created, done.already_done, done.error_count) == (0, 0, 0, 0, 0)
    assert listed() == set()
    assert not Charge.objects.exists()


@pytest.mark.django_db
def test_r4_a_run_leaves_another_caregivers_bookings_on_the_list(cast, alice, priced):
    ours = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=timebook_for(cast.unit_a))
    theirs = no_show(adult(cast.caregiver_b), cast.unit_b, cast.bob, timebook=timebook_for(cast.unit_b))
    done = run(cast.caregiver_a, JobKind.NO_SHOW, chunk=1, lanes=1)
    assert (done.total, done.created) == (1, 1)
    assert listed() == {theirs.pk}
    assert Charge.objects.filter(booking_id=ours.pk).exists()
    assert not Charge.objects.filter(booking_id=theirs.pk).exists()


@pytest.mark.django_db
def test_r8_a_page_reads_its_bookings_once_and_the_first_total_only_the_list(cast, alice, priced):
    """The run's first total is a count of the list alone; each page reads its bookings once (the flags
    and the charge's columns together). What a page does not charge (another caregiver's booking, an
    exception) comes off the total, which ends at what was charged."""
    timebook = timebook_for(cast.unit_a)
    ours = [no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=timebook) for _ in range(3)]
    theirs = no_show(adult(cast.caregiver_b), cast.unit_b, cast.bob, timebook=timebook_for(cast.unit_b))
    with CaptureQueriesContext(connection) as captured:
        done = run(cast.caregiver_a, JobKind.NO_SHOW, chunk=2, lanes=1)
    assert (done.total, done.processed, done.created, done.already_done) == (3, 3, 3, 0)
    assert listed() == {theirs.pk}
    assert {c.booking_id for c in Charge.objects.all()} == {b.pk for b in ours}
    sqls = [q["sql"] for q in captured.captured_queries]
    counts = [sql for sql in sqls if "COUNT(" in sql]
    assert len(counts) == 1, counts
    assert "booking_feedue" in counts[0], counts
    assert "booking_booking" not in counts[0], counts
    # Two pages of two listed bookings: one read of the bookings each, and one more for the page that
    # met another caregiver's booking (which of those are ours, settled or no longer due).
    reads = [sql for sql in sqls if 'FROM "booking_booking"' in sql and "unnest" in sql]
    assert len(reads) == 3, reads


@pytest.fixture
def migrated_as_the_command_does():
    """After the test, what `manage.py migrate` does after every run (see test_access_log_migration.py:
    migrating by hand re-creates django-pgtrigger's switch-off function, only the command hardens it)."""
    yield
    command = Migrate()
    command.verbosity = 0
    command.grant(connection)


@pytest.mark.django_db(transaction=True)
def test_the_backfill_lists_every_due_booking_without_its_charge(
    cast, alice, priced, migrated_as_the_command_does
):
    timebook = timebook_for(cast.unit_a)
    charged = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=timebook)
    run(cast.caregiver_a, JobKind.NO_SHOW)
    uncharged = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=timebook)
    late = late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=timebook)
    undone = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=timebook)
    booking_undo_no_show(booking=undone, user=alice, reason="Kom ändå")
    assert Charge.objects.filter(booking_id=charged.pk, article__kind=ArticleKind.NO_SHOW).exists()
    FeeDue.objects.all().delete()  # as before the list existed

    executor = MigrationExecutor(connection)
    (backfill,) = [key for key in executor.loader.graph.nodes if key == ("billing", "0008_fee_due_backfill")]
    (before,) = [p.key for p in executor.loader.graph.node_map[backfill].parents if p.key[0] == "billing"]
    latest = executor.loader.graph.leaf_nodes("billing")
    executor.migrate([before])
    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    assert {row.booking_id: (row.kind, row.due_at) for row in FeeDue.objects.all()} == {
        uncharged.pk: ("no_show", Booking.objects.get(pk=uncharged.pk).no_show_marked_at),
        late.pk: ("late_cancellation", Booking.objects.get(pk=late.pk).cancelled_at),
    }
    assert Charge.objects.get(booking_id=charged.pk).status == ChargeStatus.OPEN


@pytest.mark.django_db
def test_r8_a_no_show_marked_again_while_its_page_was_worked_stays_listed(cast, alice, priced):
    """A page takes a booking off the list only at the moment the page read: marked again meanwhile (its
    trigger moved due_at), the booking is due anew and the next run looks at it."""
    booking = no_show(adult(cast.caregiver_a), cast.unit_a, alice, timebook=timebook_for(cast.unit_a))
    read_at = FeeDue.objects.get(booking_id=booking.pk).due_at
    Booking.objects.filter(pk=booking.pk).update(no_show_marked_at=read_at + dt.timedelta(minutes=5))
    _unlist({booking.pk}, {booking.pk: read_at})
    assert FeeDue.objects.get(booking_id=booking.pk).due_at == read_at + dt.timedelta(minutes=5)
    _unlist({booking.pk}, {booking.pk: read_at + dt.timedelta(minutes=5)})
    assert listed() == set()
