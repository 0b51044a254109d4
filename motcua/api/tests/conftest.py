import pytest

from motcua.api.tests.factories import Api, make_token
from motcua.dossiers.tests.factories import make_province
from motcua.org.constants import Role


@pytest.fixture
def api():
    return Api()


@pytest.fixture
def province(db):
    return make_province()


@pytest.fixture
def tokens(province):
    """Secrets of tokens for the officers of the province: tokens["justice", "leader"]."""
    return {
        (agency, role): make_token(province.officer(agency, role))
        for agency in ("justice", "health")
        for role in (Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER)
    }
