import pytest

from motcua.catalog.models import Procedure
from motcua.dossiers.tests.factories import make_province
from motcua.eforms.tests.factories import make_citizen


@pytest.fixture
def province(db):
    province = make_province()
    # The procedure takes dossiers and returns results by post (its published text says so).
    Procedure.objects.filter(pk=province.procedure.pk).update(channel_post=True)
    province.procedure.refresh_from_db()
    province.justice.address = "Số 5 Trần Phú, Phủ Lý, Hà Nam"
    province.justice.phone = "0226 3851 234"
    province.justice.save()
    return province


@pytest.fixture
def account(db):
    return make_citizen()


@pytest.fixture
def citizen(account):
    return account.user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def operator_down(settings):
    """The development operator at an address where nobody answers."""
    postal = dict(settings.POSTAL)
    postal["OPERATORS"] = {
        "dev": {
            "MERCHANT": "MOTCUA",
            "SECRET": "contract-test-secret",
            "URL": "http://127.0.0.1:9/",
        }
    }
    postal["HTTP_TIMEOUT_SECONDS"] = 2
    settings.POSTAL = postal
    return postal


@pytest.fixture
def operator(settings, live_server):
    """The development operator at the live server's address; our callback address there."""
    postal = dict(settings.POSTAL)
    postal["DEV_OPERATOR"] = True
    postal["OPERATORS"] = {
        "dev": {
            "MERCHANT": "MOTCUA",
            "SECRET": "contract-test-secret",
            "URL": f"{live_server.url}/dev/post/",
        }
    }
    postal["DEV_CALLBACK_ATTEMPTS"] = 1
    settings.POSTAL = postal
    settings.MOTCUA = {**settings.MOTCUA, "PUBLIC_URL": live_server.url}
    return postal["OPERATORS"]["dev"]
