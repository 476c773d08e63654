"""Attention signals (R13) and their to-do in the main health record."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import AttentionSignal, AttentionSignalInactivation, Patient, SignalDocumented, SignalKind
from journal.services.common import JournalError


@transaction.atomic
def signal_create(
    *,
    patient: Patient,
    user,
    kind: str,
    agent: str,
    reaction: str = "",
    severity: str = "",
    occurred_on: str = "",
    text: str = "",
) -> AttentionSignal:
    """An attention signal; its to-do "document in the main health record" opens with it."""
    if not agent.strip():
        raise JournalError(_("Ange vad signalen gäller."), field="agent")
    if kind == SignalKind.HYPERSENSITIVITY and not severity:
        raise JournalError(_("Ange allvarlighetsgrad för överkänsligheten."), field="severity")
    return AttentionSignal.objects.create(
        patient=patient,
        kind=kind,
        agent=agent.strip(),
        reaction=reaction.strip(),
        severity=severity,
        occurred_on=occurred_on.strip(),
        text=text.strip(),
        recorded_by=user,
        signature=user.signature,
    )


@transaction.atomic
def signal_mark_documented(*, signal: AttentionSignal, user) -> SignalDocumented:
    try:
        with transaction.atomic():
            return SignalDocumented.objects.create(signal=signal, by=user, signature=user.signature)
    except IntegrityError as error:
        done = SignalDocumented.objects.get(signal=signal)
        raise JournalError(
            _("Redan markerad som dokumenterad av %(who)s %(when)s.")
            % {"who": done.signature, "when": timezone.localtime(done.at).strftime("%Y-%m-%d %H:%M")}
        ) from error


@transaction.atomic
def signal_inactivate(*, signal: AttentionSignal, user, reason: str) -> AttentionSignalInactivation:
    if not reason.strip():
        raise JournalError(_("Ange skälet."), field="reason")
    try:
        with transaction.atomic():
            return AttentionSignalInactivation.objects.create(
                signal=signal, reason=reason.strip(), by=user, signature=user.signature
            )
    except IntegrityError as error:
        raise JournalError(_("Signalen är redan inaktiverad.")) from error
