import pytest

from motcua.dossiers.tests.factories import make_province
from motcua.eforms.tests.factories import make_citizen
from motcua.results.tests.conftest import certs, demo_authority  # noqa: F401 (fixtures)
from motcua.store.tests.factories import ID_BINH


@pytest.fixture
def province(db):
    return make_province()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def citizen(db):
    """Nguyễn Văn An, identity verified (VNeID level 2), ID number 035085001234."""
    return make_citizen()


@pytest.fixture
def other(db):
    """Trần Thị Bình, another verified citizen."""
    return make_citizen(full_name="Trần Thị Bình", id_number=ID_BINH, email="binh@example.vn")
