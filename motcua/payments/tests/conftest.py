import pytest

from motcua.dossiers.tests.factories import make_province


@pytest.fixture
def province(db):
    return make_province()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def gateway(settings, live_server):
    """The development gateway at the live server's address, its IPN retried at once."""
    payments = dict(settings.PAYMENTS)
    payments["GATEWAYS"] = {
        "dev": {
            "MERCHANT": "MOTCUA",
            "SECRET": "contract-test-secret",
            "URL": f"{live_server.url}/dev/payment-gateway/",
        }
    }
    payments["DEV_GATEWAY"] = True
    payments["DEV_GATEWAY_IPN_RETRY_SECONDS"] = 0
    settings.PAYMENTS = payments
    return payments["GATEWAYS"]["dev"]
