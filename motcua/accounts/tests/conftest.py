import pytest

from motcua.dossiers.tests.factories import make_province


@pytest.fixture
def province(db):
    return make_province()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
