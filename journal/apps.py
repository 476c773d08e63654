from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JournalConfig(AppConfig):
    name = "journal"
    verbose_name = _("Vaccinationsjournal")

    def ready(self):
        # `access` names the app's access-log actions for the log review; `catalogue_cache`'s receivers
        # renew that cache on every catalogue change, whichever process makes it.
        from journal import access, catalogue_cache  # noqa: F401
        from journal.catalogue import is_maintainer
        from journal.identity import resident_identity
        from journal.stock import home_notice
        from mittvaccin.eid import register_resident_identity_parser
        from mittvaccin.navigation import HomePanel, NavItem, register, register_home_panel
        from mittvaccin.rights import Right

        # Sign-in with e-identification (in the core) reads a resident's personnummer with our parser.
        register_resident_identity_parser(resident_identity)
        register_home_panel(
            HomePanel("journal/stock/_home_notice.html", home_notice, right=Right.STOCK_MANAGE, order=10)
        )
        register(
            NavItem(_("Lager"), "journal:stock", right=Right.STOCK_MANAGE, order=30, active_prefix="/lager/"),
            NavItem(_("Batchåterkallelse"), "journal:recalls", right=Right.LOT_RECALL, order=35),
            NavItem(_("Vaccinkatalog"), "journal:catalogue", user_check=is_maintainer, order=90),
            NavItem(_("Loggkontroll"), "journal:access_log", right=Right.CAREGIVER_ADMINISTER, order=85),
            NavItem(_("Väntar på bedömning"), "journal:assessments", right=Right.ASSESSMENT_WRITE, order=20),
            NavItem(_("Att dokumentera"), "journal:signal_todos", right=Right.JOURNAL_READ, order=25),
        )
