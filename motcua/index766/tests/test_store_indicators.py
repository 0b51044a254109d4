"""The digitisation group's store indicators from real dossiers, hand-computed: `reused`
(dossiers received in the period with at least one document taken from the personal data
store; threshold 80%) and `store_linked` (dossiers received in the period linked to the
store: their papers or result went to it, or they took a paper from it; threshold 100%).
QĐ 766/QĐ-TTg, group "Số hóa hồ sơ" (22 points, 5 indicators: 4.4 each)."""

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from motcua.dossiers import services
from motcua.dossiers.models import Channel
from motcua.dossiers.workflow import Action as A
from motcua.eforms.tests.factories import make_citizen
from motcua.index766 import indicators
from motcua.index766.indicators import Period
from motcua.org.constants import Role as R
from motcua.store import services as store
from motcua.store.tests.factories import ID_AN, person, received_at_desk

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))


def at(*args):
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def province(settings, tmp_path):
    from motcua.dossiers.tests.factories import make_province

    settings.MEDIA_ROOT = tmp_path
    return make_province()


@pytest.fixture
def march(province):
    """Sở Tư pháp, March 2025, applicant Nguyễn Văn An (ID 035085001234):

    A: received 3/3 at the desk, both papers scanned: they go to An's store (linked).
    B: received 4/3, papers on paper only: nothing stored (not linked).
    C: submitted online 5/3 reusing A's "Giấy tờ tùy thân" from the store, the declaration
       uploaded; received by the desk 6/3 (reused, and linked).
    D: received 7/3, papers on paper only (not linked).
    E: received 1/4 with scans: outside the period.
    """
    account = make_citizen()
    a = received_at_desk(province, person(ID_AN), received_at=at(2025, 3, 3, 10))
    b = received_at_desk(
        province, person(ID_AN), documents=province.documents(), received_at=at(2025, 3, 4, 10)
    )
    _declaration, id_paper = province.procedure.documents.order_by("position")
    [copy] = store.chosen(
        account, id_paper, [str(a.store_items.get(required_document=id_paper).pk)]
    )
    desk = province.officer("justice", R.DESK_OFFICER)
    c = services.submit(
        procedure=province.procedure,
        applicant=person(ID_AN),
        channel=Channel.ONLINE,
        desk=desk.posts.get().desk,
        documents=[
            {**province.documents()[0], "file": received_file()},
            {
                "required_document": id_paper.pk,
                "name": id_paper.name,
                "file": copy,
                "reused_from": copy.reused_from,
            },
        ],
        received_at=at(2025, 3, 5, 9),
    )
    c = services.act(c, A.RECEIVE, desk, at=at(2025, 3, 6, 10))
    d = received_at_desk(
        province, person(ID_AN), documents=province.documents(), received_at=at(2025, 3, 7, 10)
    )
    e = received_at_desk(province, person(ID_AN), received_at=at(2025, 4, 1, 10))
    return {"A": a, "B": b, "C": c, "D": d, "E": e}


def received_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.dossiers.tests.factories import PDF

    return SimpleUploadedFile("to-khai.pdf", PDF)


def rows(report):
    return {r["key"]: r for g in report["groups"] for r in g["indicators"]}


def test_reused_counts_dossiers_that_took_a_paper_from_the_store(march):
    row = rows(indicators.build(None, MARCH))["reused"]
    # Received in March: A, B, C, D. Reused: C. 1/4 = 25% of an 80% target:
    # 25 × 4.4 / 80 = 1.375 → 1.38.
    assert (row["numerator"], row["denominator"], row["rate"]) == (1, 4, D("25.00"))
    assert row["points"] == D("1.38") and row["status"] == "ok" and row["fed_by"] is None
    counted = indicators.drilldown("reused", MARCH, None, "counted")
    assert [x.code for x in counted] == [march["C"].code]


def test_store_linked_counts_dossiers_whose_papers_went_to_the_store(march):
    row = rows(indicators.build(None, MARCH))["store_linked"]
    # Linked: A (its scans stored), C (reused, and its uploaded declaration stored at
    # receipt). 2/4 = 50% of 100%: 50 × 4.4 / 100 = 2.20.
    assert (row["numerator"], row["denominator"], row["rate"]) == (2, 4, D("50.00"))
    assert row["points"] == D("2.20")
    missed = indicators.drilldown("store_linked", MARCH, None, "missed")
    assert sorted(x.code for x in missed) == sorted([march["B"].code, march["D"].code])


def test_a_deleted_item_still_links_its_dossier(march):
    """The owner deleting a stored paper hides it from them; the dossier was linked."""
    account = make_citizen()
    for item in march["A"].store_items.all():
        store.delete(account, item.pk, account.user)
    row = rows(indicators.build(None, MARCH))["store_linked"]
    assert (row["numerator"], row["denominator"]) == (2, 4)


def test_an_agency_sees_only_its_own_dossiers(march, province):
    assert rows(indicators.build(province.health, MARCH))["reused"]["denominator"] == 0
    assert rows(indicators.build(province.justice, MARCH))["reused"]["numerator"] == 1
