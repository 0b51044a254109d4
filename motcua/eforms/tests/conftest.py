import pytest

from motcua.dossiers.tests.factories import make_province
from motcua.eforms.tests.factories import make_citizen


@pytest.fixture
def province(db):
    return make_province()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def citizen(db):
    return make_citizen()


@pytest.fixture
def english(client):
    """The client reading the portal in English (the messages' msgids)."""
    client.cookies["django_language"] = "en"
    return client
