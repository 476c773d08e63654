"""A note thread drawn in Python (`journal.note_rows`) is the bytes the template `journal/_note.html` drew
before (issue 11), whatever the thread holds and whoever reads it."""

import datetime as dt
import random
from pathlib import Path

from django.template import engines
from django.utils import translation

from journal.models import Note, NoteComment
from journal.note_rows import note_html
from journal.selectors import NoteThread
from journal.services import note_correctable_by
from mittvaccin.models import User

# The template as it was before note threads were drawn in Python: the reference the new drawing keeps.
# Its one filter (`correctable_by`, which only it used) is the context's `correctable`, from the same rule.
REFERENCE = (Path(__file__).parent / "note_reference.html").read_text()

TEXTS = ["Vaccinerad utan anmärkning", "<b>Hep & B</b>", 'it\'s "quoted"', "rad 1\nrad 2\r\nrad 3\rslut"]
RIGHTS = [
    [],
    ["journal_read"],
    ["journal_read", "vaccination_register"],
    ["journal_read", "assessment_write"],
]


def _moment(rng: random.Random) -> dt.datetime:
    return dt.datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), 7, tzinfo=dt.UTC)


def _note(rng: random.Random, pk: int) -> Note:
    kind = rng.choice(["note", "assessment"])
    outcome = rng.choice(["may_vaccinate", "do_not_vaccinate"] + ([""] if kind == "note" else []))
    return Note(
        pk=pk,
        patient_id=rng.choice([7, 12345]),
        kind=kind,
        outcome=outcome,
        text=rng.choice(TEXTS),
        author_id=rng.choice([1, 2]),
        signature=rng.choice(["Anna Sjuksköterska (sjuksköterska)", "<Lars> & co"]),
        signed_at=_moment(rng),
        correction_reason=rng.choice(["", "", "Fel dag", "<fel> & 'så'"]),
    )


def _thread(rng: random.Random) -> NoteThread:
    earlier = [_note(rng, 100 + i) for i in range(rng.choice([0, 0, 1, 2, 3]))]
    comments = [
        NoteComment(
            signature=rng.choice(["Sofia", "<S> & 'x'"]), signed_at=_moment(rng), text=rng.choice(TEXTS)
        )
        for _ in range(rng.choice([0, 0, 1, 3]))
    ]
    return NoteThread(current=_note(rng, rng.randint(1, 99999)), earlier=earlier, comments=comments)


def test_a_note_thread_drawn_in_python_is_the_templates_bytes_in_swedish_and_english():
    reference = engines["django"].from_string(REFERENCE)
    rng = random.Random(11)
    for language in ("sv", "en"):
        with translation.override(language):
            for _ in range(400):
                thread = _thread(rng)
                user = User(pk=rng.choice([1, 2]), rights=rng.choice(RIGHTS), is_active=True)
                token = rng.choice([None, "NOTPROVIDED", "abc<&>DEF"])
                next_url = rng.choice([None, "", "/besok/1/?a=1&b=<2>"])
                context = {"thread": thread, "user": user, "next": next_url}
                if token is not None:
                    context["csrf_token"] = token
                context["correctable"] = note_correctable_by(thread.current, user)
                drawn = note_html(thread, user=user, csrf_token=token, next_url=next_url)
                assert drawn == reference.render(context)


def test_every_text_of_a_note_thread_comes_out_escaped():
    rng = random.Random(3)
    thread = _thread(rng)
    thread.current.text, thread.current.signature = "<i>\nx", "<s>"
    thread.comments = [NoteComment(signature="<c>", signed_at=_moment(rng), text="<t>")]
    html = note_html(thread, user=User(pk=1, rights=["journal_read"], is_active=True), csrf_token="t")
    assert "<i>" not in html and "<s>" not in html and "<c>" not in html and "<t>" not in html
    assert "&lt;i&gt;<br>x" in html and "&lt;s&gt;" in html and "&lt;c&gt;" in html and "&lt;t&gt;" in html
