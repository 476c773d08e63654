"""The versions of the health-declaration questionnaire (R3).

A version is frozen once released: declarations keep the version they answered and are shown with
its exact wording. A change of wording is a new constant, a new data migration and a new version
number, never an edit here.
"""

TITLE_V1 = "Hälsodeklaration inför vaccination"

QUESTIONS_V1 = [
    {
        "key": "unwell",
        "kind": "yesno",
        "flag_if": "yes",
        "text": "Känner du dig sjuk eller har du feber i dag?",
        "detail": "Beskriv",
    },
    {
        "key": "allergy",
        "kind": "yesno",
        "flag_if": "yes",
        "text": "Har du någon allergi (till exempel mot ägg, gelatin, läkemedel eller latex)?",
        "detail": "Mot vad?",
    },
    {
        "key": "earlier_reaction",
        "kind": "yesno",
        "flag_if": "yes",
        "text": "Har du fått en reaktion efter en tidigare vaccination?",
        "detail": "Vilket vaccin och vilken reaktion?",
    },
    {
        "key": "pregnant",
        "kind": "yesno",
        "flag_if": "yes",
        "text": "Är du gravid eller ammar du?",
        "detail": "Vecka eller kommentar",
    },
    {
        "key": "immune",
        "kind": "yesno",
        "flag_if": "yes",
        "text": "Har du nedsatt immunförsvar eller tar du läkemedel som påverkar immunförsvaret (till exempel kortison eller cytostatika)?",
        "detail": "Vilket?",
    },
    {
        "key": "bleeding",
        "kind": "yesno",
        "flag_if": "yes",
        "text": "Har du en blödningssjukdom eller tar du blodförtunnande läkemedel?",
        "detail": "Vilket?",
    },
    {
        "key": "recent_vaccination",
        "kind": "yesno",
        "flag_if": "yes",
        "text": "Har du fått någon annan vaccination de senaste fyra veckorna?",
        "detail": "Vilken och när?",
    },
    {"key": "other", "kind": "text", "text": "Övrigt som vaccinatören bör känna till"},
]


def answers_without_flags(questions) -> dict:
    """A declaration that raises nothing: every yes/no question answered the other way, no free text."""
    answers = {}
    for question in questions:
        if question["kind"] == "yesno":
            answers[question["key"]] = "no" if question.get("flag_if") == "yes" else "yes"
        else:
            answers[question["key"]] = ""
    return answers


# The demo, the benchmark and the tests record this when the person has nothing to declare.
NO_FLAGS = answers_without_flags(QUESTIONS_V1)


def ensure_current():
    """The newest questionnaire; version 1 is created if the table was emptied (a flushed test database)."""
    # Data migrations import this module for its constants: the model only when the function runs.
    from journal.models import Questionnaire  # noqa: PLC0415

    current = Questionnaire.objects.order_by("-version").first()
    if current is None:
        current, _ = Questionnaire.objects.get_or_create(
            version=1, defaults={"title": TITLE_V1, "questions": QUESTIONS_V1}
        )
    return current
