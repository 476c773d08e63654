import time

import pytest
from django.test import Client

from mittvaccin.eid import SESSION_RESIDENT


def resident_client(identity: str, given="Testa", family="Person") -> Client:
    """A browser signed in as a resident (what mittvaccin.eid stores after a verified sign-in; the
    sign-in itself is proven end to end in tests/e2e/test_eid_sign_in.py)."""
    client = Client()
    session = client.session
    now = int(time.time())
    session[SESSION_RESIDENT] = {
        "identity": identity,
        "given_names": given,
        "family_name": family,
        "at": now,
        "seen": now,
        "provider": "",
    }
    session.save()
    return client


@pytest.fixture
def as_resident():
    return resident_client
