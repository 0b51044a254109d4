"""The work queue's pages as a desk officer walks them: by appointment (most urgent first),
"Next" and "Previous" links that start after (before) the last (first) row shown, so a
dossier received between two clicks never repeats a row nor hides one, filters kept
across pages, and page links that are not ours never an error."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from motcua.dossiers import services
from motcua.dossiers.models import Channel
from motcua.dossiers.tests.factories import APPLICANT, make_province, receive_at_counter
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
R = Role


@pytest.fixture
def province():
    return make_province()


@pytest.fixture
def small_pages(monkeypatch):
    from motcua.dossiers import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)


def receive(province, days_ago=0, name="Nguyễn Văn An"):
    officer = province.officer("justice", R.DESK_OFFICER)
    return services.receive(
        procedure=province.procedure,
        applicant={**APPLICANT, "full_name": name},
        channel=Channel.COUNTER,
        actor=officer,
        desk=officer.posts.get().desk,
        documents=province.documents(),
        received_at=timezone.now() - timedelta(days=days_ago),
    )


def codes(response):
    assert response.status_code == 200
    return [d.code for d, _ in response.context["rows"]]


def follow(client, url, **params):
    """GET the queue at a link of the pager (a query string) plus extra parameters."""
    query = {k: v[-1] for k, v in parse_qs(url.lstrip("?"), keep_blank_values=True).items()}
    return client.get("/office/", {**query, **params})


def by_appointment(dossiers):
    return [d.code for d in sorted(dossiers, key=lambda d: (d.due_at, d.pk))]


def test_pages_follow_the_appointment_and_next_starts_after_the_last_row(
    client, province, small_pages
):
    # Received 40, 30, 20, 10 days ago and today: the oldest appointment first.
    dossiers = [receive(province, days) for days in (10, 40, 0, 30, 20)]
    client.force_login(province.officer("justice", R.LEADER))
    first = client.get("/office/")
    assert codes(first) == by_appointment(dossiers)[:2]
    assert first.context["page"] == 1 and not first.context["prev_url"]
    second = follow(client, first.context["next_url"])
    assert codes(second) == by_appointment(dossiers)[2:4]
    assert second.context["page"] == 2
    third = follow(client, second.context["next_url"])
    assert codes(third) == by_appointment(dossiers)[4:] and not third.context["next_url"]
    # Back from the third page: the two rows before its first one, then the top.
    back = follow(client, third.context["prev_url"])
    assert codes(back) == by_appointment(dossiers)[2:4] and back.context["page"] == 2
    top = follow(client, back.context["prev_url"])
    assert codes(top) == by_appointment(dossiers)[:2] and top.context["page"] == 1


def test_equal_appointments_are_split_across_pages_without_repeating_one(
    client, province, small_pages
):
    # Received at the same instant: same appointment, the order of receipt breaks the tie.
    now = timezone.now()
    same = [receive_at_counter(province, received_at=now) for _ in range(3)]
    assert len({d.due_at for d in same}) == 1
    client.force_login(province.officer("justice", R.LEADER))
    first = client.get("/office/")
    second = follow(client, first.context["next_url"])
    assert codes(first) + codes(second) == [d.code for d in same]


def test_a_dossier_received_between_two_clicks_neither_repeats_nor_hides_a_row(
    client, province, small_pages
):
    dossiers = [receive(province, days) for days in (40, 30, 20, 10)]
    client.force_login(province.officer("justice", R.LEADER))
    first = client.get("/office/")
    seen = codes(first)
    # Meanwhile a dossier with an earlier appointment arrives: it belongs on page 1.
    earlier = receive(province, 50)
    # A page number alone counts rows from the top: the row pushed down shows again.
    by_number = client.get("/office/", {"page": 2})
    assert codes(by_number)[0] == seen[-1]
    # The Next link starts after the last row shown: the walk sees each dossier once.
    second = follow(client, first.context["next_url"])
    seen += codes(second)
    assert seen == by_appointment(dossiers)
    assert len(seen) == len(set(seen))
    # And the top of the queue shows the newcomer.
    assert codes(client.get("/office/"))[0] == earlier.code


def test_a_dossier_that_leaves_the_filter_between_clicks_hides_no_other(
    client, province, small_pages
):
    dossiers = [receive(province, days) for days in (40, 30, 20, 10, 5)]
    ordered = by_appointment(dossiers)
    client.force_login(province.officer("justice", R.LEADER))
    first = client.get("/office/")
    # The first dossier on the page is settled meanwhile (it leaves the open queue).
    gone = next(d for d in dossiers if d.code == ordered[0])
    desk = province.officer("justice", R.DESK_OFFICER)
    services.act(gone, Action.WITHDRAW, desk, comment="Theo đề nghị của công dân")
    second = follow(client, first.context["next_url"])
    assert codes(second) == ordered[2:4]  # no row skipped, as by a page offset
    assert codes(client.get("/office/", {"page": 2})) == ordered[3:5]  # the offset's gap


def test_filters_and_sort_stay_across_pages(client, province, small_pages):
    late = [receive(province, days) for days in (40, 35, 30)]
    receive(province, 0)  # not overdue
    client.force_login(province.officer("justice", R.LEADER))
    first = client.get("/office/", {"overdue": "on"})
    assert codes(first) == by_appointment(late)[:2]
    link = parse_qs(first.context["next_url"].lstrip("?"))
    assert link["overdue"] == ["on"] and link["page"] == ["2"] and "after" in link
    second = follow(client, first.context["next_url"])
    assert codes(second) == by_appointment(late)[2:] and not second.context["next_url"]
    # Newest received first, walked with the same links.
    newest = client.get("/office/", {"sort": "received", "overdue": "on"})
    received = [d.code for d in sorted(late, key=lambda d: (d.received_at, d.pk), reverse=True)]
    assert codes(newest) == received[:2]
    assert codes(follow(client, newest.context["next_url"])) == received[2:]


def test_a_cursor_page_is_still_one_query(client, province, small_pages):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for days in (40, 30, 20):
        receive(province, days)
    client.force_login(province.officer("justice", R.SPECIALIST))
    next_url = client.get("/office/").context["next_url"]
    query = {k: v[-1] for k, v in parse_qs(next_url.lstrip("?")).items()}
    client.get("/office/", query)  # the session and the calendars warm
    with CaptureQueriesContext(connection) as captured:
        assert len(codes(client.get("/office/", query))) == 1
    # Session, user, posts (and delegations), and the page's rows: no count, no check per row.
    assert len(captured) <= 5
    assert len([q for q in captured if "dossiers_dossier" in q["sql"]]) == 1


HOSTILE_CURSORS = [
    "garbage",
    "1.2.3.4",
    "9" * 40,
    "99999999999999999.1",  # ~ year 5138: a valid instant, nothing after it
    "-999999999999999999.1",  # before year 1
    "99999999999999999999.1",  # beyond year 9999
    "0001-01-01",
    "9999-12-31T23:59:59",
    "253402300799999999.1",  # 9999-12-31 23:59:59.999999
    "-62135596800000000.1",  # 0001-01-01 00:00:00
    "1." + "9" * 19,  # an id beyond 64 bits
    "n.1",
    "1.-5",
    "",
    "x" * 10_000,
    "Ư" * 50,
]


@pytest.mark.parametrize("cursor", HOSTILE_CURSORS)
@pytest.mark.parametrize("direction", ["after", "before"])
def test_hostile_cursors_give_a_page_or_the_first_page_never_an_error(
    client, province, small_pages, cursor, direction
):
    dossiers = [receive(province, days) for days in (30, 20, 10)]
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    for sort in ("due", "check", "received"):
        response = client.get("/office/", {direction: cursor, "sort": sort, "page": "7"})
        assert response.status_code == 200, (cursor, sort)
        shown = codes(response)
        assert set(shown) <= {d.code for d in dossiers}
        if response.context["cursor_refused"]:
            assert response.context["page"] == 1 and len(shown) == 2
            assert 'role="status"' in response.content.decode()


def test_a_refused_cursor_says_so_and_shows_the_first_page(client, province, small_pages):
    dossiers = [receive(province, days) for days in (30, 20, 10)]
    client.force_login(province.officer("justice", R.LEADER))
    response = client.get("/office/", {"after": "garbage", "page": 5, "overdue": "on"})
    assert response.context["cursor_refused"] and response.context["page"] == 1
    assert codes(response) == by_appointment(dossiers)[:2]  # the filter kept
    assert 'role="status"' in response.content.decode()
    assert not client.get("/office/").context["cursor_refused"]


def test_a_nul_byte_in_a_cursor_is_refused_before_the_queue(client, province):
    receive(province, 10)
    client.force_login(province.officer("justice", R.LEADER))
    response = client.get("/office/", {"after": "1\x00.2"})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("name", ["due", "check", "received"])
def test_each_key_has_exactly_the_rows_after_and_before_it_nulls_last(province, name):
    """keyset.beyond against the order written out by hand: each date ascending (newest
    first for "received"), a dossier without the date after every dated one, the id
    breaking ties in the last key's direction."""
    from motcua.dossiers import keyset
    from motcua.dossiers.models import Dossier
    from motcua.dossiers.views import SORTS

    sort = SORTS[name]
    fields = [field for field, _ in sort]
    made = [receive(province, days) for days in (5, 5, 3, 9, 1, 7)]
    # Two without the first date, two sharing one with a third dossier.
    Dossier.objects.filter(pk__in=[made[1].pk, made[4].pk]).update(**{fields[0]: None})
    Dossier.objects.filter(pk=made[5].pk).update(**{fields[0]: getattr(made[0], fields[0])})
    rows = list(Dossier.objects.filter(pk__in=[d.pk for d in made]).values("pk", *fields))

    def written(row):  # by hand: NULLs last on each key; the id in the last key's direction
        parts = []
        for field, descending in sort:
            value = row[field]
            stamp = 0 if value is None else value.timestamp()
            parts += [0 if value is not None else 1, -stamp if descending else stamp]
        return (*parts, -row["pk"] if sort[-1][1] else row["pk"])

    ordered = [r["pk"] for r in sorted(rows, key=written)]
    for i, row in enumerate(sorted(rows, key=written)):
        key = keyset.parse(sort, keyset.key(sort, _Row(row)))
        dossiers = Dossier.objects.filter(pk__in=ordered)
        after = dossiers.filter(keyset.beyond(sort, key)).values_list("pk", flat=True)
        before = dossiers.filter(keyset.beyond(sort, key, backwards=True))
        assert set(after) == set(ordered[i + 1 :])
        assert set(before.values_list("pk", flat=True)) == set(ordered[:i])


class _Row:
    def __init__(self, values: dict):
        self.__dict__.update(values)
