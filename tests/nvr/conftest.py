import datetime as dt

import pytest
from django.utils import timezone

from nvr.transport import RecordingTransport
from tests.factories import VaccineProductFactory
from tests.journal.factories import ready_visit, register


@pytest.fixture
def recording(settings):
    settings.NVR_TRANSPORT = "nvr.transport.RecordingTransport"
    RecordingTransport.delivered = []
    RecordingTransport.fail_with = None
    yield RecordingTransport
    RecordingTransport.delivered = []
    RecordingTransport.fail_with = None


def programme_product(name="Priorix test", programmes=("childhood",), npl="20100601000011"):
    return VaccineProductFactory(
        name=name, disease=f"Sjukdom {name}", national_programmes=list(programmes), npl_id=npl
    )


def given_dose(cast, *, product=None, patient=None, days_ago=3, **overrides):
    ready = ready_visit(cast, patient=patient, product=product or programme_product())
    return register(cast, ready, given_at=timezone.now() - dt.timedelta(days=days_ago), **overrides)


def rows(content: str) -> list[dict]:
    lines = content.strip("\r\n").split("\r\n")
    header = lines[0].split(";")
    return [dict(zip(header, line.split(";"), strict=True)) for line in lines[1:]]
