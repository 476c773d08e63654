"""N6: the rows written before action codes existed are converted to codes, in either language they
were written in, and a sentence the conversion does not know is kept word for word."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from mittvaccin.management.commands.migrate import Command as Migrate
from mittvaccin.models import AccessLogEntry
from tests.factories import CaregiverFactory, UserFactory

MIGRATION = "access_log_action_codes"


def the_conversion(executor):
    (node,) = [
        key for key in executor.loader.graph.nodes if key[0] == "mittvaccin" and key[1].endswith(MIGRATION)
    ]
    (parent,) = executor.loader.graph.node_map[node].parents
    return node, parent.key


@pytest.fixture
def migrated_as_the_command_does():
    """After the test, what `manage.py migrate` does after every run. Migrating by hand re-creates
    django-pgtrigger's switch-off function (every trigger a migration adds or restores does), and only
    the command hardens it again for the application role; without this, the rest of the session's
    tests would run with the soft one."""
    yield
    command = Migrate()
    command.verbosity = 0
    command.grant(connection)


@pytest.mark.django_db(transaction=True)
def test_n6_existing_rows_are_converted_to_action_codes(migrated_as_the_command_does):
    caregiver = CaregiverFactory()
    user = UserFactory(caregiver=caregiver)
    executor = MigrationExecutor(connection)
    conversion, before = the_conversion(executor)
    latest = executor.loader.graph.leaf_nodes("mittvaccin")
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("mittvaccin", "AccessLogEntry")
    written = [
        "Patientöversikt",  # a Swedish reader
        "Patient overview",  # an English reader, the same read
        "Tidbok, dag 2026-11-25",
        "Timebook, day 2026-11-24",
        "Sammanhållen journal, läst av Region Värmland",
        "Shared record, read by Region Norrbotten",
        "Faktura (PDF)",
        "Något som ingen version skrev",
    ]
    for number, what in enumerate(written):
        old.objects.create(
            user_id=user.pk,
            caregiver_id=caregiver.pk,
            patient_id=number,
            patient_identity="191212121212",
            what=what,
        )
    executor = MigrationExecutor(connection)
    executor.migrate(latest)

    rows = {row.patient_id: row for row in AccessLogEntry.objects.all()}
    assert [(rows[n].action, rows[n].params) for n in range(len(written))] == [
        ("journal.patient", {}),
        ("journal.patient", {}),
        ("booking.timebook.day", {"day": "2026-11-25"}),
        ("booking.timebook.day", {"day": "2026-11-24"}),
        ("journal.shared.read_by", {"caregiver": "Region Värmland"}),
        ("journal.shared.read_by", {"caregiver": "Region Norrbotten"}),
        ("billing.invoice.pdf", {}),
        ("legacy", {"text": "Något som ingen version skrev"}),
    ]
    with translation.override("en"):
        assert [rows[n].description for n in range(len(written))] == [
            "Patient overview",
            "Patient overview",
            "Timebook, day 2026-11-25",
            "Timebook, day 2026-11-24",
            "Shared record, read by Region Värmland",
            "Shared record, read by Region Norrbotten",
            "Invoice (PDF)",
            "Något som ingen version skrev",
        ]
    # Still append-only after the conversion: the switch it used was local to its own transaction.
    with pytest.raises(Exception, match="access_log_append_only"):
        AccessLogEntry.objects.filter(patient_id=0).update(action="x")
    assert conversion in MigrationExecutor(connection).loader.applied_migrations
