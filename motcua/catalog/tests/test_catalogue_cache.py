"""What the public catalogue pages keep between requests (catalog/cache.py): the everyday
search phrases and the rendered filter lists. A change to the catalogue is seen by the very
next request; what is kept is the same for every visitor (language and chosen filters are part
of its key), so no visitor sees another's page; without the shared cache nothing is kept.
And the results page reads its rows and their total in one query."""

import pytest
from django.test import Client

from motcua.catalog import cache, services
from motcua.catalog.models import Sector
from motcua.catalog.tests.factories import make_department, make_procedure
from motcua.org.models import User

pytestmark = pytest.mark.django_db
PROCEDURE_NAME = "Cấp giấy phép khai thác nước dưới đất"


@pytest.fixture
def procedure():
    return make_procedure(name=PROCEDURE_NAME)


def search(client, query="khai thac", **filters):
    return client.get("/procedures/", {"q": query, **filters})


def names(response) -> list[str]:
    return [p.name for p in response.context["page"]]


def test_a_renamed_sector_is_in_the_filters_of_the_next_search(client, procedure):
    sector = procedure.sector
    first = search(client).content.decode()
    assert sector.name in first
    assert sector.name in search(client).content.decode()  # from what was kept
    sector.name = "Lĩnh vực Tài nguyên nước (đổi tên)"
    sector.save()
    again = search(client).content.decode()
    # In the filter list itself (the results name the sector too, from their own query).
    assert f'<option value="{sector.code}">Lĩnh vực Tài nguyên nước (đổi tên)</option>' in again


def test_a_new_department_is_offered_by_the_next_search(client, procedure):
    search(client)
    make_department(name="Sở Khoa học và Công nghệ thử")
    assert "Sở Khoa học và Công nghệ thử" in search(client).content.decode()


def test_a_new_search_phrase_works_from_the_next_search(client, procedure):
    assert names(search(client, "nuoc ngam")) == []
    services.save_search_phrase(phrase="nước ngầm", means="khai thác nước dưới đất")
    assert names(search(client, "nuoc ngam")) == [PROCEDURE_NAME]
    # Switched off again: the next search no longer knows it.
    row = services.SearchPhrase.objects.get(phrase_key="nuoc ngam")
    services.save_search_phrase(row, phrase="nước ngầm", means=row.means, is_active=False)
    assert names(search(client, "nuoc ngam")) == []


def test_the_generation_changes_at_once_and_again_at_commit(
    procedure, django_capture_on_commit_callbacks
):
    before = cache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        Sector.objects.create(code="TEST-GEN", name="Lĩnh vực thử", name_folded="linh vuc thu")
        during = cache.generation()
    after = cache.generation()
    assert len({before, during, after}) == 3


def test_the_chosen_filter_is_not_shown_to_the_next_visitor(client, procedure):
    sector = procedure.sector.code
    chosen = search(client, sector=sector).content.decode()
    assert f'<option value="{sector}" selected>' in chosen
    other = search(Client()).content.decode()
    assert f'<option value="{sector}">' in other and f'value="{sector}" selected' not in other


def test_a_signed_in_users_page_gives_nothing_of_theirs_to_a_visitor(procedure):
    officer = User.objects.create_user("can-bo-tim-kiem", password="a-long-password-1")
    signed_in = Client()
    signed_in.force_login(officer)
    assert "can-bo-tim-kiem" in search(signed_in).content.decode()
    visitor = search(Client()).content.decode()
    assert "can-bo-tim-kiem" not in visitor
    assert 'href="/accounts/login/"' in visitor  # the visitor's own menu: sign-in links


def test_each_language_gets_its_own_filter_labels(procedure):
    vietnamese = search(Client()).content.decode()
    english_client = Client()
    english_client.cookies["django_language"] = "en"
    english = search(english_client).content.decode()
    assert "All agencies" in english and "All agencies" not in vietnamese
    assert "All agencies" not in search(Client()).content.decode()


def test_without_the_shared_cache_the_pages_are_built_as_before(client, procedure, settings):
    settings.CACHES = {
        **settings.CACHES,
        settings.LIMITS_CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        },
    }
    page = search(client)
    assert page.status_code == 200 and names(page) == [PROCEDURE_NAME]
    assert procedure.sector.name in page.content.decode()


def test_a_search_reads_its_page_and_the_total_in_one_query(
    client, procedure, django_assert_num_queries
):
    for i in range(3):
        make_procedure(name=f"Cấp giấy phép khai thác nước mặt {i}")
    search(client)  # the phrases and the filter lists are kept from here on
    with django_assert_num_queries(2):  # the catalogue's generation, then the page with its total
        page = search(client)
    assert page.context["page"].paginator.count == 4 and len(names(page)) == 4


@pytest.mark.parametrize("number", ["2", "999999999999999999999999", "-1", "abc"])
def test_a_page_past_the_end_or_nonsense_gets_a_page_of_results(client, procedure, number):
    page = search(client, page=number)
    assert page.status_code == 200 and names(page) == [PROCEDURE_NAME]


def test_many_changes_in_one_transaction_bump_once_more_at_commit(
    procedure, django_capture_on_commit_callbacks, monkeypatch
):
    """A seed or an import saves thousands of rows in one transaction: one write at
    commit, not one per row."""
    bumps = []
    monkeypatch.setattr(cache, "bump", lambda *args: bumps.append(1))
    with django_capture_on_commit_callbacks() as at_commit:
        for i in range(5):
            Sector.objects.create(code=f"T-{i}", name=f"Lĩnh vực {i}", name_folded=f"lv {i}")
    bumps.clear()  # the bumps the transaction itself sees
    for callback in at_commit:
        callback()
    assert len(bumps) == 1


def test_a_change_without_the_cache_table_keeps_its_transaction(procedure):
    """Before `createcachetable` (a fresh database) the catalogue can still be written: the
    failed cache write does not spoil the transaction (PostgreSQL aborts a transaction on
    any error unless a savepoint holds it)."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE motcua_limits_cache")
        Sector.objects.create(code="T-NO-CACHE", name="Lĩnh vực thử", name_folded="lv thu")
        assert Sector.objects.filter(code="T-NO-CACHE").exists()  # the transaction goes on
        transaction.set_rollback(True)  # and the table comes back
