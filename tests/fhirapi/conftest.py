import pytest

from tests.fhirapi.helpers import make_client, token_for


@pytest.fixture
def client_a(cast):
    return make_client(cast.caregiver_a, user=cast.admin_a)


@pytest.fixture
def token_a(client_a):
    return token_for(client_a)


@pytest.fixture
def token_b(cast):
    return token_for(make_client(cast.caregiver_b, name="System B"))
