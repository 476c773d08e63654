"""R6's reads for signing a dose or confirming the checks, with no more than the checks look at.

A dose's transaction reads R6 again after its locks: the signals, the notes and their comments, the
visit's declaration, the shared record's consent and the latest confirmation were six statements of
their own, each compiled by the ORM and sent on its own round trip, for a handful of ids and flags.
Here they are one constant statement (`read_to_sign`), and the dose history is read with the columns
the checks use (`history_to_sign`). The rows are those the screen's reads (`selectors`) find, with the
same filters and the same order, so the fingerprint made of them is the same
(tests/journal/test_checks_to_sign.py compares both ways on every kind of row). The instances built
here hold only the columns the checks look at; any other column is deferred and read on first use.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection

from journal.models import (
    AttentionSignal,
    AttentionSignalInactivation,
    CheckConfirmation,
    HealthDeclaration,
    Note,
    NoteComment,
    PreVisitDeclaration,
    SharedRecordConsent,
    Vaccination,
)

# What R6's checks, the twice-sent check and the schedule read of each dose row: its state, time,
# visit, key, the product's disease and the error mark. A screen's seven joins cost PostgreSQL more to
# plan than to run (2-4 ms a read), and some fifty rows of thirty-odd columns cost Django more to build.
HISTORY_FIELDS = (
    "id",
    "visit_id",
    "status",
    "given_at",
    "recorded_at",
    "idempotency_key",
    "product__disease",
    "entered_in_error__id",
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# Each part mirrors one selector's filter and order: `active_signals`, `note_threads` (its comments are
# those of the patient's threads, root or first version), `current_declaration` (not superseded), the
# consent's and the confirmation's latest row. Table names come from the models; the values are bound.
_SQL = f"""
SELECT jsonb_build_object(
  'signals', COALESCE((
    SELECT jsonb_agg(s.id ORDER BY s.recorded_at DESC, s.id DESC) FROM {_table(AttentionSignal)} s
    WHERE s.patient_id = %(patient)s
      AND NOT EXISTS (SELECT 1 FROM {_table(AttentionSignalInactivation)} i WHERE i.signal_id = s.id)
  ), '[]'::jsonb),
  'notes', COALESCE((
    SELECT jsonb_agg(
      jsonb_build_array(n.id, n.root_id, n.supersedes_id, n.kind, n.outcome, n.declaration_id,
                        n.previsit_id, n.signed_at)
      ORDER BY n.signed_at DESC, n.id DESC)
    FROM {_table(Note)} n WHERE n.patient_id = %(patient)s
  ), '[]'::jsonb),
  'comments', COALESCE((
    SELECT jsonb_agg(jsonb_build_array(c.id, c.thread_id) ORDER BY c.signed_at, c.id)
    FROM {_table(NoteComment)} c
    WHERE c.thread_id IN (SELECT COALESCE(t.root_id, t.id) FROM {_table(Note)} t WHERE t.patient_id = %(patient)s)
  ), '[]'::jsonb),
  'declaration', (
    SELECT jsonb_build_array(d.id, d.flagged, d.previsit_id, d.answers, p.answers)
    FROM {_table(HealthDeclaration)} d LEFT JOIN {_table(PreVisitDeclaration)} p ON p.id = d.previsit_id
    WHERE d.visit_id = %(visit)s
      AND NOT EXISTS (SELECT 1 FROM {_table(HealthDeclaration)} x WHERE x.supersedes_id = d.id)
    ORDER BY d.recorded_at DESC, d.id DESC LIMIT 1
  ),
  'consent', (
    SELECT jsonb_build_array(k.id, k.given) FROM {_table(SharedRecordConsent)} k
    WHERE k.patient_id = %(patient)s ORDER BY k.recorded_at DESC, k.id DESC LIMIT 1
  ),
  'confirmation', (
    SELECT jsonb_build_array(f.id, f.fingerprint) FROM {_table(CheckConfirmation)} f
    WHERE f.visit_id = %(visit)s ORDER BY f.confirmed_at DESC, f.id DESC LIMIT 1
  )
)::text
"""  # noqa: S608 (no value is formatted in: only the models' table names)


def _instance(model, values: dict):
    """A row of `model` with these columns; the others are deferred (read on first use)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def history_to_sign(patient) -> list[Vaccination]:
    """`selectors.vaccination_history`'s rows with only `HISTORY_FIELDS` (others deferred): one query."""
    rows = Vaccination.objects.filter(patient=patient).select_related("product", "entered_in_error")
    return list(rows.only(*HISTORY_FIELDS).order_by("-given_at", "-id"))


@dataclass
class SignReads:
    signals: list
    notes: list  # newest first, as `note_threads` reads them
    comments: list  # oldest first
    declaration: HealthDeclaration | None
    consent: SharedRecordConsent | None
    confirmation: CheckConfirmation | None


def read_to_sign(*, patient_id: int, visit_id: int) -> SignReads:
    """The six small reads of R6 for `visit_id`, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(_SQL, {"patient": patient_id, "visit": visit_id})
        found = json.loads(cursor.fetchone()[0])
    declaration = None
    if found["declaration"] is not None:
        pk, flagged, previsit_id, answers, previsit_answers = found["declaration"]
        declaration = _instance(
            HealthDeclaration,
            {
                "id": pk,
                "visit_id": visit_id,
                "answers": answers,
                "flagged": flagged,
                "previsit_id": previsit_id,
            },
        )
        if previsit_id is not None:
            declaration.previsit = _instance(
                PreVisitDeclaration, {"id": previsit_id, "answers": previsit_answers}
            )
    consent = confirmation = None
    if found["consent"] is not None:
        pk, given = found["consent"]
        consent = _instance(SharedRecordConsent, {"id": pk, "patient_id": patient_id, "given": given})
    if found["confirmation"] is not None:
        pk, fingerprint = found["confirmation"]
        confirmation = _instance(
            CheckConfirmation, {"id": pk, "visit_id": visit_id, "fingerprint": fingerprint}
        )
    notes = [
        _instance(
            Note,
            {
                "id": pk,
                "patient_id": patient_id,
                "declaration_id": declaration_id,
                "previsit_id": previsit_id,
                "kind": kind,
                "outcome": outcome,
                "signed_at": dt.datetime.fromisoformat(signed_at),
                "root_id": root_id,
                "supersedes_id": supersedes_id,
            },
        )
        for pk, root_id, supersedes_id, kind, outcome, declaration_id, previsit_id, signed_at in found[
            "notes"
        ]
    ]
    return SignReads(
        signals=[_instance(AttentionSignal, {"id": pk, "patient_id": patient_id}) for pk in found["signals"]],
        notes=notes,
        comments=[
            _instance(NoteComment, {"id": pk, "thread_id": thread}) for pk, thread in found["comments"]
        ],
        declaration=declaration,
        consent=consent,
        confirmation=confirmation,
    )
