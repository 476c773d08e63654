"""The test identities `make run` gives its development OpenID provider: the demo's card holders
(HSA-id) and a few demo residents (personnummer), one of them a guardian. Development only."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from journal.models import LocalRegisterCustody, Patient
from mittvaccin.models import User


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--output", required=True)

    def handle(self, *args, output, **options):
        if not settings.DEBUG:
            raise CommandError("Test identities exist for development only (DJANGO_DEBUG=1).")
        identities = [
            {
                "username": f"kort-{u.username}",
                "given_name": u.first_name,
                "family_name": u.last_name,
                "label": f"{u.get_full_name()} ({u.caregiver.name}), e-tjänstekort",
                "hsa_id": u.hsa_id,
            }
            for u in User.objects.exclude(hsa_id="").select_related("caregiver").order_by("username")
        ]
        guardians = set(LocalRegisterCustody.objects.values_list("guardian_identity", flat=True))
        residents = list(Patient.objects.order_by("id").distinct()[:8])
        residents += list(Patient.objects.filter(identity_number__in=guardians))
        seen = set()
        for p in residents:
            if p.identity_number in seen:
                continue
            seen.add(p.identity_number)
            role = " – vårdnadshavare" if p.identity_number in guardians else ""
            role += " – skyddad identitet" if p.protected_identity else ""
            identities.append(
                {
                    "username": f"bankid-{p.identity_number}",
                    "given_name": p.given_names,
                    "family_name": p.family_name,
                    "label": f"{p.given_names} {p.family_name}, BankID{role}",
                    "personnummer": p.identity_number,
                }
            )
        with open(output, "w") as handle:
            json.dump(identities, handle, ensure_ascii=False)
        self.stdout.write(f"{len(identities)} test identities")
