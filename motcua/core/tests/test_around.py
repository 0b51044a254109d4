"""core/around.py: rows read around a subquery of ids, the outer part compiled once, are the
rows Django's own query gives, in its order, with its values converted as it does."""

from datetime import timedelta

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from motcua.core.around import Around
from motcua.dossiers import services, views
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.tests.factories import APPLICANT, make_province
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossiers():
    province = make_province()
    desk = province.officer("justice", Role.DESK_OFFICER)
    made = [
        services.receive(
            procedure=province.procedure,
            applicant={**APPLICANT, "full_name": f"Nguyễn Văn {name}"},
            channel=Channel.COUNTER,
            actor=desk,
            desk=desk.posts.get().desk,
            documents=province.documents(),
            received_at=timezone.now() - timedelta(days=days),
        )
        for name, days in (("An", 9), ("Bình", 3), ("Chi", 6), ("Dũng", 1))
    ]
    made[1] = services.act(made[1], Action.FORWARD, desk)  # a step and an assignee
    return made


def test_the_queue_rows_are_djangos_own_in_every_order_and_page(dossiers):
    for sort in views.SORTS.values():
        for reverse in (False, True):
            order = sort.order_by(reverse=reverse)
            for start, stop in ((0, 51), (1, 3), (3, 3)):
                ids = Dossier.objects.order_by(*order).values("pk")[start:stop]
                expected = list(views._page_rows(ids, order))
                got = views.PAGE_ROWS.rows(ids, (sort, reverse))
                assert got == expected
    assert len(expected) == 0 and len(got) == 0  # (3, 3): no row
    everything = views.PAGE_ROWS.rows(Dossier.objects.values("pk"), (views.SORTS["due"], False))
    assert {row[1] for row in everything} == {d.code for d in dossiers}
    # Dates come back as dates (SQLite stores text), the marks as Django reads them.
    names = list(views.ROW_COLUMNS)
    for row in everything:
        values = dict(zip(names, row, strict=True))
        assert values["received_at"].tzinfo is not None
        assert values["stop_asked"] is False and values["postal_latest"] is None
    forwarded = next(r for r in everything if r[1] == dossiers[1].code)
    assert dict(zip(names, forwarded, strict=True))["step_name"] == dossiers[1].current_step.name


def test_values_around_the_marker_keep_their_places_and_columns_their_order(dossiers):
    """Parameters before the ids (an annotation's) and after them (a filter's), and an
    annotation named before a field: each value lands where Django's query puts it."""

    def outer(ids, key):
        return (
            Dossier.objects.annotate(label=Concat(Value(key), F("code")))
            .filter(pk__in=ids, status__in=[Status.RECEIVED, Status.PROCESSING])
            .order_by("-id")
            .values_list("label", "code", "status")
        )

    around = Around(outer)
    ids = Dossier.objects.exclude(pk=dossiers[0].pk).values("pk")
    for key in ("A:", "B:"):  # compiled per key
        assert around.rows(ids, key) == list(outer(ids, key))
        assert around.rows(ids, key)[0][0].startswith(key)
    assert len(around.rows(ids, "A:")) == 3
    assert around.rows(Dossier.objects.none().values("pk"), "A:") == []
    assert around.rows(Dossier.objects.filter(pk__in=[]).values("pk"), "A:") == []


def test_an_outer_query_without_the_ids_is_refused(dossiers):
    around = Around(lambda ids, key: Dossier.objects.values_list("code"))
    with pytest.raises(ValueError, match="marker"):
        around.rows(Dossier.objects.values("pk"))
