"""Who can log in to the demo, printed by `make run`. Pure data: the launcher reads it before Django starts.

Passwords here are for the local demo only; `demo_data` refuses to run with DJANGO_DEBUG off unless
told to (`--allow-production`), so these accounts never appear on a real server by accident.
"""

from dataclasses import dataclass

DEMO_PASSWORD = "vaccin-demo-2026"  # noqa: S105  (demo only, see above)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    description: str


DEMO_LOGINS = [
    DemoLogin("anna", "sjuksköterska, Region Värmland (Vaccinationsmottagningen Karlstad)"),
    DemoLogin("lars", "läkare, Region Värmland (ordinerar, bedömer)"),
    DemoLogin("sofia", "sjuksköterska med ordinationsrätt, Region Värmland (Arvika)"),
    DemoLogin("maria", "mottagningspersonal, Region Värmland (granskar fakturering, ser ingen journal)"),
    DemoLogin("admin", "administratör, Region Värmland (priser, kampanjer, enheter, personal, loggkontroll)"),
    DemoLogin("nils", "sjuksköterska, Vaccinkliniken Norr AB (en annan vårdgivare)"),
    DemoLogin("katalog", "förvaltar den nationella vaccinkatalogen (ingen behörighet hos någon vårdgivare)"),
    DemoLogin("eva", "sjuksköterska, Region Värmland: loggar in med e-tjänstekort (testidentitet kort-eva)"),
]
