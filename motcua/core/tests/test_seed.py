"""The demo data never goes into a production database."""

import pytest
from django.core.management import CommandError, call_command

from motcua.org.models import Agency, User


@pytest.mark.django_db
def test_seed_refuses_to_run_in_production(settings):
    settings.MOTCUA_PRODUCTION = True
    with pytest.raises(CommandError, match="Refusing to load demo data in production"):
        call_command("seed", "hanam-2020", "--dossiers", "0")
    assert not Agency.objects.exists() and not User.objects.exists()
