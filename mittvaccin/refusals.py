"""One kind of refusal: a rule said no, and the user reads why.

Every app's services refuse with a subclass of `Refusal` (`JournalError`, `BookingError`,
`BillingError`); views put it on the form with `refusal_to_form` or show `message` as a flash. A
refusal is not a bug: it is never logged as an error and never becomes a 500.
"""

from __future__ import annotations


class Refusal(Exception):
    """`message` is the translated text to show; `field` the form field it concerns (None: the whole
    form); `code` a stable name that views and tests can tell refusals apart by."""

    code = "refused"

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.by_field: dict[str | None, list[str]] = {field: [message]}

    @classmethod
    def on_fields(cls, errors: dict[str | None, str], code: str | None = None) -> Refusal:
        """Several fields refused at once (a form checked as a whole): the first is `message`."""
        (field, message), *_ = errors.items()
        refusal = cls(message, field=field, code=code)
        refusal.by_field = {name: [text] for name, text in errors.items()}
        return refusal


def refusal_to_form(form, refusal: Refusal, aliases: dict[str, str] | None = None) -> None:
    """Put the refusal on `form`: on the field it names when the form has that field (a service's name
    may differ from the form's: `aliases`), else on the form as a whole."""
    aliases = aliases or {}
    for field, messages in refusal.by_field.items():
        name = aliases.get(field, field)
        form.add_error(name if name in form.fields else None, messages)
