import pytest

from tests.billing.factories import adult, product_with_price, ready_caregiver


@pytest.fixture
def billing_ready(cast):
    return ready_caregiver(cast.caregiver_a)


@pytest.fixture
def product(cast):
    return product_with_price(cast.caregiver_a, "345.00")


@pytest.fixture
def grown_up(cast):
    return adult(cast.caregiver_a, family_name="Vuxen", given_names="Vera")


@pytest.fixture
def clinic_user(cast):
    return cast.clinic_a
