"""Demo data for sign-in with e-identification and the residents' pages (idempotent).

Eva has an HSA-id: with `make run`'s development provider she signs in with her (test) card only.
A guardian in the demo has custody of a child patient, so "act for a child" can be tried.
"""

from __future__ import annotations

from django.utils import timezone

from journal.identity import age_on
from journal.models import LocalRegisterCustody
from mittvaccin.demo import DEMO_PASSWORD
from mittvaccin.models import User
from mittvaccin.rights import Profession

EVA_HSA_ID = "SE2321000016-E001"


def load(cast, stdout) -> None:
    varmland = cast.caregivers["varmland"]
    eva = User.objects.filter(username="eva").first()
    if eva is None:
        eva = User(
            username="eva",
            caregiver=varmland,
            first_name="Eva",
            last_name="Kortsson",
            email="eva@example.invalid",
            profession=Profession.NURSE,
            default_unit=cast.units["karlstad"],
            hsa_id=EVA_HSA_ID,
        )
        eva.set_password(DEMO_PASSWORD)
        eva.save()
    patients = cast.patients["varmland"]
    today = timezone.localdate()
    children = [p for p in patients if (age_on(p.birth_date, today) or 99) < 18 and not p.protected_identity]
    adults = [p for p in patients if (age_on(p.birth_date, today) or 0) >= 18 and not p.protected_identity]
    if children and adults:
        child, guardian = children[0], adults[0]
        LocalRegisterCustody.objects.get_or_create(
            guardian_identity=guardian.identity_number,
            child_identity=child.identity_number,
            defaults={"child_given_names": child.given_names, "child_family_name": child.family_name},
        )
