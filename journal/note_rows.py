"""A note thread as HTML: the patient page's notes and the vaccination screen's checks.

Drawn by the template engine, the five newest threads with their comment forms cost the long history page
more than its reads of the notes (issue 11). Here each thread is one string, the same bytes the template
`journal/_note.html` gave: every text escaped, the words as `{% translate %}` gives them.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journal.services import note_correctable_by
from mittvaccin.html_rows import escape, linebreaksbr
from mittvaccin.rights import Right

DASH = "–"
# What a page without a CSRF token has in its place (django.template.defaulttags.CsrfTokenNode).
NO_TOKEN = "NOTPROVIDED"  # noqa: S105  (a marker, not a secret)


def _moment(value) -> str:
    """As the `local` filter shows a moment."""
    return escape(timezone.localtime(value).strftime("%Y-%m-%d %H:%M")) if value else DASH


def _csrf_input(token) -> str:
    """As `{% csrf_token %}` draws the token (nothing when the page has none)."""
    if token and token != NO_TOKEN:
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
    return ""


def _head(thread) -> str:
    note = thread.current
    outcome = ""
    if note.outcome:
        may = note.outcome == "may_vaccinate"
        outcome = (
            f'<span class="badge {"ok" if may else "danger"}">{"✔" if may else "✖"} '
            f"{escape(note.get_outcome_display())}</span>"
        )
    corrected = f'<span class="badge warn">{_("Rättad")}</span>' if thread.earlier else ""
    return (
        '  <header class="note-head">\n'
        f'    <span class="tag">{escape(note.get_kind_display())}</span>\n'
        f"    {outcome}\n"
        f'    <span class="signed">{escape(note.signature)} · {_moment(note.signed_at)}</span>\n'
        f"    {corrected}\n"
        "  </header>\n"
    )


def _earlier(thread) -> str:
    if not thread.earlier:
        return ""
    count = len(thread.earlier)
    summary = ngettext("%(n)s tidigare version", "%(n)s tidigare versioner", count) % {
        "n": escape(localize(count))
    }
    replaced = _("ersatt")
    versions = "".join(
        '\n    <div class="note-version">\n'
        f'      <p class="small muted">{escape(old.signature)} · {_moment(old.signed_at)}'
        f"{f' · {escape(old.get_outcome_display())}' if old.outcome else ''} · <em>{replaced}</em></p>\n"
        f'      <div class="note-text old">{linebreaksbr(old.text)}</div>\n'
        "    </div>\n    "
        for old in thread.earlier
    )
    return f'\n  <details class="note-versions">\n    <summary>{summary}</summary>\n    {versions}\n  </details>\n  '


def _comments(thread) -> str:
    if not thread.comments:
        return ""
    items = "".join(
        f'<li><span class="small muted">{escape(c.signature)} · {_moment(c.signed_at)}</span><br>'
        f"{linebreaksbr(c.text)}</li>"
        for c in thread.comments
    )
    return f'\n  <ul class="comments" aria-label="{_("Kommentarer")}">\n    {items}\n  </ul>\n  '


def _actions(note, user, csrf_token, next_url) -> str:
    if Right.JOURNAL_READ not in user.rights:
        return ""
    args = [note.patient_id, note.pk]
    correct = ""
    if note_correctable_by(note, user):
        correct = (
            f'<a class="small" href="{escape(reverse("journal:note_correct", args=args))}">'
            f"{_('Rätta anteckningen (ny version)')}</a>"
        )
    pk = escape(localize(note.pk))
    return (
        '\n  <details class="note-actions">\n'
        f"    <summary>{_('Kommentera eller rätta')}</summary>\n"
        f'    <form method="post" action="{escape(reverse("journal:note_comment", args=args))}" '
        'class="form comment-form">\n'
        f'      {_csrf_input(csrf_token)}<input type="hidden" name="next" value="{escape(next_url or "")}">\n'
        f'      <label for="comment-{pk}">{_("Kommentar")}</label>\n'
        f'      <textarea id="comment-{pk}" name="text" rows="2" required></textarea>\n'
        f'      <button type="submit" class="button small">{_("Signera kommentar")}</button>\n'
        f"      {correct}\n"
        "    </form>\n"
        "  </details>\n  "
    )


def note_html(thread, *, user, csrf_token, next_url="") -> SafeString:
    """The thread (`selectors.note_threads`) as the template drew it for `user`, its comment form with the
    page's `csrf_token` and `next_url`."""
    note = thread.current
    reason = (
        f'<p class="small muted">{_("Skäl till rättelse")}: {escape(note.correction_reason)}</p>'
        if note.correction_reason
        else ""
    )
    return mark_safe(  # noqa: S308  (every text in it is escaped)
        f'\n<article class="note{" assessment" if note.kind == "assessment" else ""}" data-testid="note">\n'
        f"{_head(thread)}"
        f'  <div class="note-text">{linebreaksbr(note.text)}</div>\n'
        f"  {reason}\n"
        f"  {_earlier(thread)}\n"
        f"  {_comments(thread)}\n"
        f"  {_actions(note, user, csrf_token, next_url)}\n"
        "</article>\n\n"
    )
