"""Each recall entry's place in its list, so a page of a long list is read by position.

Entries are append-only; numbering the existing ones adds a fact without changing one, so this one
migration sets the column with the trigger ignored. The order is the one the list was shown in before
(family name, given names, patient, dose time), with the dose's id last so that ties are numbered too.
"""

import pgtrigger
from django.db import migrations, models

NUMBER_EXISTING = """
UPDATE journal_recallentry AS entry SET position = numbered.position
FROM (
    SELECT sub.entry_id, row_number() OVER (
        PARTITION BY sub.recall_id
        ORDER BY patient.family_name, patient.given_names, sub.patient_id, sub.given_at, sub.id
    ) AS position
    FROM (
        SELECT e.id AS entry_id, e.recall_id, e.patient_id, v.id, v.given_at
        FROM journal_recallentry AS e JOIN journal_vaccination AS v ON v.id = e.vaccination_id
    ) AS sub
    JOIN journal_patient AS patient ON patient.id = sub.patient_id
) AS numbered
WHERE entry.id = numbered.entry_id
"""


def number_existing(apps, schema_editor):
    with pgtrigger.ignore("journal.RecallEntry:recall_entry_append_only"):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(NUMBER_EXISTING)


class Migration(migrations.Migration):
    dependencies = [("journal", "0011_visit_booking_index")]

    operations = [
        migrations.AddField(
            model_name="recallentry",
            name="position",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="recallentry",
            name="position",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="recallentry",
            constraint=models.UniqueConstraint(fields=("recall", "position"), name="recall_entry_one_per_position"),
        ),
    ]
