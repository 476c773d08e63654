"""Version 1 of the health-declaration questionnaire (R3).

The questions are copied here, not imported, so that this version stays exactly as it was answered
even when a later version changes the wording (a new version is a new migration).
"""

from django.db import migrations

QUESTIONS_V1 = [
    {"key": "unwell", "kind": "yesno", "flag_if": "yes", "text": "Känner du dig sjuk eller har du feber i dag?",
     "detail": "Beskriv"},
    {"key": "allergy", "kind": "yesno", "flag_if": "yes",
     "text": "Har du någon allergi (till exempel mot ägg, gelatin, läkemedel eller latex)?", "detail": "Mot vad?"},
    {"key": "earlier_reaction", "kind": "yesno", "flag_if": "yes",
     "text": "Har du fått en reaktion efter en tidigare vaccination?", "detail": "Vilket vaccin och vilken reaktion?"},
    {"key": "pregnant", "kind": "yesno", "flag_if": "yes", "text": "Är du gravid eller ammar du?",
     "detail": "Vecka eller kommentar"},
    {"key": "immune", "kind": "yesno", "flag_if": "yes",
     "text": "Har du nedsatt immunförsvar eller tar du läkemedel som påverkar immunförsvaret (till exempel kortison eller cytostatika)?",
     "detail": "Vilket?"},
    {"key": "bleeding", "kind": "yesno", "flag_if": "yes",
     "text": "Har du en blödningssjukdom eller tar du blodförtunnande läkemedel?", "detail": "Vilket?"},
    {"key": "recent_vaccination", "kind": "yesno", "flag_if": "yes",
     "text": "Har du fått någon annan vaccination de senaste fyra veckorna?", "detail": "Vilken och när?"},
    {"key": "other", "kind": "text", "text": "Övrigt som vaccinatören bör känna till"},
]


def create(apps, schema_editor):
    Questionnaire = apps.get_model("journal", "Questionnaire")
    Questionnaire.objects.get_or_create(
        version=1, defaults={"title": "Hälsodeklaration inför vaccination", "questions": QUESTIONS_V1}
    )


class Migration(migrations.Migration):
    dependencies = [("journal", "0003_journal_records")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
