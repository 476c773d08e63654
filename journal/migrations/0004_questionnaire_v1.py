"""Version 1 of the health-declaration questionnaire (R3), from journal.questionnaire (frozen there)."""

from django.db import migrations

from journal.questionnaire import QUESTIONS_V1, TITLE_V1



def create(apps, schema_editor):
    Questionnaire = apps.get_model("journal", "Questionnaire")
    Questionnaire.objects.get_or_create(
        version=1, defaults={"title": TITLE_V1, "questions": QUESTIONS_V1}
    )


class Migration(migrations.Migration):
    dependencies = [("journal", "0003_journal_records")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
