"""The access log's vocabulary: the kinds of read (action codes) and their sentences in every language.

A row stores what happened as a fixed action code and its parameters (`booking.timebook.day`,
`{"day": "2026-11-25"}`), never a sentence: the sentence is made when the row is shown, in the reader's
language, so a nurse working in English and one working in Swedish leave the same row. Each app names
its actions in its own `access.py` (pretix's `log_action` and zulip's audit event types are the model).
The writer is `mittvaccin.access_log.access_log_record`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

_ACTIONS: dict[str, AccessAction] = {}
CODE_LENGTH = 60


@dataclass(frozen=True)
class AccessAction:
    """One kind of read. `label` is a lazy translation; `%(name)s` in it is filled from the row's params."""

    code: str
    label: Promise | str

    def __post_init__(self):
        if self.code in _ACTIONS:
            raise ValueError(f"Access-log action {self.code!r} is registered twice")
        if len(self.code) > CODE_LENGTH:
            raise ValueError(f"Access-log action {self.code!r} is longer than {CODE_LENGTH} characters")
        _ACTIONS[self.code] = self

    def describe(self, params: dict | None = None) -> str:
        text = str(self.label)
        if not params:
            return text
        try:
            return text % params
        except (KeyError, TypeError, ValueError):
            return text


# A row written before action codes existed whose sentence the conversion did not recognise keeps that
# sentence as it was stored (in the language of its reader then): nothing in a legal record is lost.
LEGACY = AccessAction("legacy", "%(text)s")


def describe(code: str, params: dict | None = None) -> str:
    """The row's action in the active language; an unknown code (an app removed) shows as the code."""
    action = _ACTIONS.get(code)
    if action is None:
        return code
    return action.describe(params)


def actions() -> dict[str, AccessAction]:
    return dict(_ACTIONS)


def is_known(action: AccessAction) -> bool:
    return _ACTIONS.get(action.code) is action
