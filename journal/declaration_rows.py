"""A health declaration's answers as HTML: the patient page's visits and the vaccination screen's checks.

Drawn by the template engine, the answers of the three newest visits' declarations (a dozen questions
each, every version) were a seventh of the long history page's time (issue 11). Here they are one string,
the same bytes the template `journal/_declaration_answers.html` gave: every text escaped, the words
translated once per declaration and, as `{% translate %}` gives them, not escaped.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from mittvaccin.html_rows import escape

DASH = "–"


def _moment(value) -> str:
    """As the `local` filter shows a moment."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else DASH


def _answer(row: dict, yes: str, no: str) -> str:
    if row["answer"] == "yes":
        return yes
    if row["answer"] == "no":
        return no
    return escape(row["answer"] or DASH)


def _question(row: dict) -> str:
    return escape(row["question"].get("text", ""))


def declaration_answers(declaration) -> SafeString:
    """The answers of `declaration` (and the resident's own answers before the visit, when it started
    from them), as the template drew them."""
    yes, no = _("Ja"), _("Nej")
    questionnaire = declaration.questionnaire
    head = _("%(title)s, version %(v)s · %(who)s %(when)s") % {
        "title": escape(questionnaire.title),
        "v": escape(questionnaire.version),
        "who": escape(declaration.signature),
        "when": escape(_moment(declaration.recorded_at)),
    }
    corrected = (
        f' · <span class="badge warn">{_("Rättad version")}</span>' if declaration.supersedes_id else ""
    )
    parts = [f'\n<p class="small muted">{head}{corrected}</p>\n<dl class="answers">\n']
    for row in declaration.answer_rows():
        answer = f'<span class="badge warn">⚠ {yes}</span>' if row["flag"] else _answer(row, yes, no)
        detail = f'<span class="detail">{escape(row["detail"])}</span>' if row["detail"] else ""
        parts.append(
            f'\n  <div class="answer{" flag" if row["flag"] else ""}">\n'
            f"    <dt>{_question(row)}</dt>\n"
            f"    <dd>{answer}\n      {detail}</dd>\n  </div>\n"
        )
    parts.append("\n</dl>\n")
    if declaration.previsit_id:
        previsit = declaration.previsit
        if previsit.answered_by_guardian:
            whose = _("Vårdnadshavarens svar före besöket (oförändrade)")
        else:
            whose = _("Patientens egna svar före besöket (oförändrade)")
        parts.append(
            '\n<details class="previsit-original" data-testid="previsit-original">\n'
            f"  <summary>{whose} · {escape(_moment(previsit.answered_at))}</summary>\n"
            '  <dl class="answers">\n  '
        )
        for row in previsit.answer_rows():
            detail = f' <span class="detail">{escape(row["detail"])}</span>' if row["detail"] else ""
            parts.append(
                f'\n    <div class="answer{" flag" if row["flag"] else ""}">\n'
                f"      <dt>{_question(row)}</dt>\n"
                f"      <dd>{_answer(row, yes, no)}{detail}</dd>\n    </div>\n  "
            )
        parts.append("\n  </dl>\n</details>\n")
    parts.append("\n")
    return mark_safe("".join(parts))  # noqa: S308  (every text in it is escaped)
