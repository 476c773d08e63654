from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = _("Vaccinationsjournal")

    def ready(self):
        from journal import access  # noqa: F401  (names the app's access-log actions for the log review)
        from mittvaccin.navigation import NavItem, register
        from mittvaccin.rights import Right

        register(
            NavItem(_("Loggkontroll"), "journal:access_log", right=Right.CAREGIVER_ADMINISTER, order=85),
            NavItem(_("Väntar på bedömning"), "journal:assessments", right=Right.ASSESSMENT_WRITE, order=20),
            NavItem(_("Att dokumentera"), "journal:signal_todos", right=Right.JOURNAL_READ, order=25),
        )
