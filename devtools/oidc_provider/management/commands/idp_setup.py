import json
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from oauth2_provider.models import Application

from devtools.oidc_provider.models import TestIdentity


class Command(BaseCommand):
    help = "Create or update the development provider's clients and test identities from a JSON file."

    def add_arguments(self, parser):
        parser.add_argument("config")

    @transaction.atomic
    def handle(self, *args, config, **options):
        data = json.loads(Path(config).read_text())
        for client in data.get("clients", []):
            application = Application.objects.filter(client_id=client["client_id"]).first() or Application(
                client_id=client["client_id"]
            )
            application.name = client.get("name", client["client_id"])
            application.client_type = Application.CLIENT_CONFIDENTIAL
            application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
            application.client_secret = client["client_secret"]
            application.redirect_uris = " ".join(client["redirect_uris"])
            application.post_logout_redirect_uris = " ".join(client.get("post_logout_redirect_uris", []))
            application.algorithm = Application.RS256_ALGORITHM
            application.skip_authorization = True
            application.save()
        for person in data.get("identities", []):
            user, _ = User.objects.get_or_create(username=person["username"])
            user.first_name = person.get("given_name", "")
            user.last_name = person.get("family_name", "")
            user.set_unusable_password()
            user.save()
            TestIdentity.objects.update_or_create(
                user=user,
                defaults={
                    "label": person.get("label", person["username"]),
                    "hsa_id": person.get("hsa_id", ""),
                    "personnummer": person.get("personnummer", ""),
                },
            )
