"""Make an account catalogue maintainer (the installation-level right to change the national catalogue)."""

from django.core.management.base import BaseCommand, CommandError

from journal.catalogue import CatalogueError, maintainer_set
from mittvaccin.models import User


class Command(BaseCommand):
    help = (
        "Grants (or with --revoke withdraws) the catalogue maintainer right of an account. This right is "
        "above every caregiver: no caregiver administrator can grant it; after the first maintainer, "
        "maintainers can also grant it to others in the catalogue screens."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true")
        parser.add_argument("--reason", default="manage.py catalogue_maintainer")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account named {options['username']!r}.")
        try:
            maintainer_set(user=user, granted=not options["revoke"], by=None, reason=options["reason"])
        except CatalogueError as error:
            raise CommandError(error.message) from None
        state = "no longer maintains" if options["revoke"] else "now maintains"
        self.stdout.write(self.style.SUCCESS(f"{user.username} {state} the vaccine catalogue."))
