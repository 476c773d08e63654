"""The answers of a health declaration drawn in Python (`journal.declaration_rows`) are the bytes the
template `journal/_declaration_answers.html` drew before (issue 11), whatever the answers hold."""

import datetime as dt
import random
from pathlib import Path

from django.template import engines
from django.utils import timezone, translation

from journal.declaration_rows import declaration_answers
from journal.models import HealthDeclaration, PreVisitDeclaration, Questionnaire

# The template as it was before the answers were drawn in Python: the reference the new drawing keeps.
REFERENCE = (Path(__file__).parent / "declaration_answers_reference.html").read_text()

TEXTS = ["", "Feber?", 'Allergi <mot> ägg & "gelatin"', "it's 'quoted'", "Ja", "yes", "no", None]
ANSWERS = ["yes", "no", "", "vet ej", "<b>", "a & b", None, "unknown"]


def _questionnaire(rng: random.Random) -> Questionnaire:
    questions = []
    for index in range(rng.randint(0, 6)):
        question = {"key": f"q{index}"}
        if rng.random() < 0.9:
            question["text"] = rng.choice(TEXTS)
        if rng.random() < 0.5:
            question["flag_if"] = rng.choice(["yes", "no", ""])
        questions.append(question)
    return Questionnaire(
        version=rng.randint(1, 30),
        title=rng.choice(["Hälsodeklaration", "<Ny> & 'bättre'"]),
        questions=questions,
    )


def _answers(rng: random.Random, questionnaire: Questionnaire) -> dict:
    answers = {}
    for question in questionnaire.questions:
        if rng.random() < 0.85:
            answers[question["key"]] = rng.choice(ANSWERS)
        if rng.random() < 0.4:
            answers[question["key"] + "_detail"] = rng.choice(["", "sedan 2019", "<script>", None, "a & b"])
    return answers


def _declaration(rng: random.Random) -> HealthDeclaration:
    questionnaire = _questionnaire(rng)
    moment = dt.datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), 5, tzinfo=dt.UTC)
    declaration = HealthDeclaration(
        questionnaire=questionnaire,
        answers=_answers(rng, questionnaire),
        signature=rng.choice(["Anna Sköterska (ssk)", "<Lars> & co"]),
        recorded_at=moment,
        supersedes_id=rng.choice([None, 7]),
    )
    if rng.random() < 0.5:
        previsit_questionnaire = _questionnaire(rng)
        declaration.previsit = PreVisitDeclaration(
            pk=11,
            questionnaire=previsit_questionnaire,
            answers=_answers(rng, previsit_questionnaire),
            answered_by_guardian=rng.random() < 0.5,
            answered_at=moment - dt.timedelta(days=2),
        )
    return declaration


def test_a_declarations_answers_drawn_in_python_are_the_templates_bytes_in_swedish_and_english():
    reference = engines["django"].from_string(REFERENCE)
    rng = random.Random(11)
    for language in ("sv", "en"):
        with translation.override(language):
            for _ in range(400):
                declaration = _declaration(rng)
                expected = reference.render({"declaration": declaration})
                assert declaration_answers(declaration) == expected


def test_every_text_of_a_declaration_comes_out_escaped():
    questionnaire = Questionnaire(
        version=3,
        title="<T>",
        questions=[{"key": "a", "text": "<q>", "flag_if": "yes"}, {"key": "b", "text": "x"}],
    )
    declaration = HealthDeclaration(
        questionnaire=questionnaire,
        answers={"a": "yes", "a_detail": "<d>", "b": "<i>"},
        signature="<s>",
        recorded_at=timezone.now(),
    )
    html = declaration_answers(declaration)
    assert "<T>" not in html and "&lt;T&gt;" in html
    assert "&lt;q&gt;" in html and "&lt;d&gt;" in html and "&lt;i&gt;" in html and "&lt;s&gt;" in html
    assert '<div class="answer flag">' in html
