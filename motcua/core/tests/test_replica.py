"""Reports and public pages read from the read replica when one is configured; every write,
every other page and the officers' work stay on the primary (core/replica.py).

In the tests the `replica` alias is a mirror of the test database on its own connection, so
which connection ran a query tells where it was routed."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.dossiers.tests.factories import make_province, receive_at_counter
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def province():
    return make_province()


def routed(client, method: str, url: str, **data) -> tuple[int, list[str], list[str]]:
    """(status, SQL on the primary, SQL on the replica) of one request."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = getattr(client, method)(url, data)
    sql = lambda ctx: [q["sql"] for q in ctx.captured_queries]  # noqa: E731
    return response.status_code, sql(primary), sql(replica)


def touches(queries: list[str], table: str) -> bool:
    return any(table in q for q in queries)


READ_FROM_REPLICA = [
    ("/procedures/", "catalog_procedure"),
    ("/", "catalog_procedure"),
    ("/thong-ke/", "stats_fact"),
    ("/reports/dossiers/", "stats_fact"),
    ("/reports/index766/", "stats_fact"),
    ("/reports/dashboard/", "stats_fact"),
    ("/reports/procedures/", "catalog_procedure"),
]


@pytest.mark.parametrize("url, table", READ_FROM_REPLICA)
def test_reports_and_public_pages_read_from_the_replica(client, settings, province, url, table):
    settings.MOTCUA_READ_REPLICA = True
    receive_at_counter(province)
    client.force_login(province.officer("center", Role.SUPERVISOR))
    status, primary, replica = routed(client, "get", url)
    assert status == 200
    assert touches(replica, table) and not touches(primary, table)


@pytest.mark.parametrize("url", ["/", "/procedures/", "/thong-ke/", "/reports/dossiers/"])
def test_who_is_signed_in_and_their_posts_are_read_from_the_primary(
    client, settings, province, url
):
    """A session written at sign-in, or a password just changed, may not be on a real
    standby yet: read from it, the person would be shown the sign-in page, or signed out."""
    settings.MOTCUA_READ_REPLICA = True
    receive_at_counter(province)
    client.force_login(province.officer("center", Role.SUPERVISOR))
    status, primary, replica = routed(client, "get", url)
    assert status == 200
    for table in ("django_session", "org_user", "org_officer"):
        assert not touches(replica, table)
    assert touches(primary, "django_session") and touches(primary, "org_user")
    assert replica  # the page itself still reads from the replica


def test_reading_replica_routes_a_block_outside_any_view(settings, province):
    """What bench/reports.py --replica times: the report built through the router."""
    from motcua.core.replica import reading_replica
    from motcua.stats import queries

    settings.MOTCUA_READ_REPLICA = True
    receive_at_counter(province)
    period = queries.Period(*(2 * [timezone.localdate()]))
    built = {}
    for where in ("replica", "primary"):
        with (
            CaptureQueriesContext(connections["default"]) as primary,
            CaptureQueriesContext(connections["replica"]) as replica,
        ):
            if where == "replica":
                with reading_replica():
                    built[where] = queries.build(period, queries.Scope())
            else:
                built[where] = queries.build(period, queries.Scope())
        on = {"replica": replica, "primary": primary}
        off = {"replica": primary, "primary": replica}
        assert touches([q["sql"] for q in on[where].captured_queries], "stats_fact")
        assert not touches([q["sql"] for q in off[where].captured_queries], "stats_fact")
    assert built["replica"] == built["primary"]
    assert built["replica"]["total"]["received"]["total"] == 1


def test_without_a_replica_everything_stays_on_the_primary(client, settings, province):
    settings.MOTCUA_READ_REPLICA = False
    client.force_login(province.officer("center", Role.SUPERVISOR))
    status, primary, replica = routed(client, "get", "/reports/dossiers/")
    assert status == 200 and replica == [] and touches(primary, "stats_fact")


def test_the_work_queue_the_dossier_page_and_writes_stay_on_the_primary(client, settings, province):
    settings.MOTCUA_READ_REPLICA = True
    dossier = receive_at_counter(province)
    client.force_login(province.officer("justice", Role.DESK_OFFICER))
    for url in ("/office/", f"/office/dossiers/{dossier.code}/"):
        status, primary, replica = routed(client, "get", url)
        assert status == 200 and replica == [] and touches(primary, "dossiers_dossier")
    status, primary, replica = routed(
        client,
        "post",
        f"/office/dossiers/{dossier.code}/act/",
        action="forward",
    )
    assert status == 302 and replica == []
    assert touches(primary, "INSERT INTO") and touches(primary, "dossiers_dossierevent")


def test_the_router_never_migrates_or_writes_the_replica():
    from motcua.core.replica import ReplicaRouter

    router = ReplicaRouter()
    assert router.allow_migrate("replica", "dossiers") is False
    assert router.allow_migrate("default", "dossiers") is True
    assert router.db_for_write(object) == "default"
