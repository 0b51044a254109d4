"""The catalogue search understands how people write (docs/catalogue.md, "Search"), on the
demo catalogue of Hà Nam (1,972 procedures in force, real names): everyday phrases, with and
without diacritics, find the procedure a citizen means, first. The table is written by hand
from how people ask at the one-stop desk; each row names the procedure that must come first,
or the wording every one of the first results must have.

Supervisors change the phrases in the admin, and the results change with them."""

from io import StringIO

import pytest
from django.core.management import call_command

from motcua.catalog import phrases, services
from motcua.catalog.constants import Status
from motcua.catalog.models import Procedure, SearchPhrase
from motcua.catalog.search import search
from motcua.core.models import AuditEvent
from motcua.core.text import fold
from motcua.org import services as org_services
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed", "hanam-2020", "--dossiers", "0", stdout=StringIO())
        # Installed by migration 0005; added again in case an earlier test module flushed.
        services.add_search_phrases(phrases.shipped())
        yield
        call_command("flush", "--no-input", verbosity=0)


def found(query, n=None) -> list[str]:
    names = list(
        search(Procedure.objects.filter(status=Status.ACTIVE), query).values_list(
            "name", flat=True
        )[: n or 10]
    )
    return names


# (what a citizen types, the procedure that must come first)
FIRST = [
    ("giấy phép kinh doanh", "Đăng ký thành lập hộ kinh doanh"),
    ("đăng ký kinh doanh", "Đăng ký thành lập hộ kinh doanh"),
    ("mở quán", "Đăng ký thành lập hộ kinh doanh"),
    ("khai sinh cho con", "Đăng ký khai sinh"),
    ("làm giấy khai sinh", "Đăng ký khai sinh"),
    ("làm căn cước", "Cấp thẻ Căn cước công dân (thực hiện tại cấp huyện)"),
    ("làm cccd", "Cấp thẻ Căn cước công dân (thực hiện tại cấp huyện)"),
    ("đăng ký kết hôn", "Đăng ký kết hôn"),
    ("thủ tục đăng ký kết hôn", "Đăng ký kết hôn"),
    ("đăng ký cưới", "Đăng ký kết hôn"),
    ("xin giấy xác nhận độc thân", "Cấp Giấy xác nhận tình trạng hôn nhân"),
    ("tách thửa", "Tách thửa hoặc hợp thửa đất"),
    ("tách sổ đỏ", "Tách thửa hoặc hợp thửa đất"),
    ("giấy phép xây dựng nhà", "Cấp giấy phép xây dựng đối với nhà ở riêng lẻ"),
    ("xin phép xây nhà", "Cấp giấy phép xây dựng đối với nhà ở riêng lẻ"),
    (
        "chứng thực bản sao",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan tổ chức có thẩm quyền "
        "của Việt Nam cấp hoặc chứng nhận",
    ),
    (
        "sao y bản chính",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan tổ chức có thẩm quyền "
        "của Việt Nam cấp hoặc chứng nhận",
    ),
    (
        "lý lịch tư pháp",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
        "Việt Nam",
    ),
    (
        "xin giấy không tiền án tiền sự",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
        "Việt Nam",
    ),
    ("khai tử", "Đăng ký khai tử"),
    ("báo tử", "Đăng ký khai tử"),
    ("thi bằng lái xe", "Cấp mới giấy phép lái xe"),
    ("nhập hộ khẩu", "Đăng ký thường trú"),
    ("đăng ký xe máy", "Đăng ký, cấp biển số mô tô, xe gắn máy (thực hiện tại cấp huyện)"),
    ("nhận con nuôi", "Đăng ký việc nuôi con nuôi trong nước"),
    ("sửa tên trong giấy khai sinh", "Thay đổi, cải chính, bổ sung hộ tịch"),
    ("giấy phép bán rượu", "Cấp Giấy phép bán lẻ rượu"),
    ("xin hộ nghèo", "Công nhận hộ nghèo, hộ cận nghèo phát sinh trong năm"),
    ("chuyển trường cho con", "Chuyển trường đối với học sinh tiểu học"),
    ("thẻ bảo hiểm y tế cho con", "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"),
    (
        "lên thổ cư",
        "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền đối "
        "với hộ gia đình, cá nhân",
    ),
    ("sao bằng tốt nghiệp", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc"),
]

# (what a citizen types, how many first results, the wording each of them has)
TOP = [
    ("làm sổ đỏ", 5, "giấy chứng nhận quyền sử dụng đất"),
    ("sổ hồng", 5, "giấy chứng nhận quyền sử dụng đất"),
    ("mở công ty", 4, "đăng ký thành lập công ty"),
    ("giấy phép kinh doanh", 4, "đăng ký thành lập"),
    ("đổi bằng lái", 5, "đổi giấy phép lái xe"),
    ("sang tên sổ đỏ", 2, "trong các trường hợp chuyển đổi, chuyển nhượng"),
    ("mở karaoke", 4, "karaoke"),
    ("căn cước", 3, "thẻ căn cước công dân"),
    ("cưới", 4, "đăng ký kết hôn"),
]


@pytest.mark.parametrize("query, first", FIRST)
def test_everyday_phrases_find_the_procedure_first(query, first):
    assert found(query)[:1] == [first]
    assert found(fold(query))[:1] == [first], "without diacritics"
    assert found(query.upper())[:1] == [first], "in capitals"


@pytest.mark.parametrize("query, n, wording", TOP)
def test_everyday_phrases_put_what_they_mean_first(query, n, wording):
    for typed in (query, fold(query)):
        top = found(typed, n)
        assert len(top) == n and all(fold(wording) in fold(name) for name in top), top


def test_a_phrase_inside_a_more_precise_query_gives_way_to_the_literal_match():
    # "giấy phép kinh doanh karaoke" is the karaoke licence, not business registration…
    top = found("giấy phép kinh doanh karaoke", 2)
    assert all(name.startswith("Thủ tục cấp giấy phép kinh doanh karaoke") for name in top)
    # …which still follows, for the citizen who meant that.
    assert "Đăng ký thành lập hộ kinh doanh" in found("giấy phép kinh doanh karaoke", 20)


def test_literal_search_is_unchanged():
    assert found("khai sinh")[0] == "Đăng ký khai sinh"
    assert found("dang ky khai sinh")[0] == "Đăng ký khai sinh"
    assert found("HNA.X02546") == ["Đăng ký khai sinh"]  # the code itself
    assert found("khai sinh xay dung") == []


def test_a_search_is_two_queries(django_assert_num_queries):
    # The first search of a catalogue generation also reads the phrases, then kept.
    with django_assert_num_queries(3):  # the generation, the phrases, a page of procedures
        found("làm sổ đỏ lần đầu ở phủ lý cho con")
    with django_assert_num_queries(2):  # the generation, then one page of procedures
        found("làm sổ đỏ lần đầu ở phủ lý cho con")
    with django_assert_num_queries(2):
        found("giấy phép kinh doanh " * 50)


@pytest.mark.parametrize(
    "query",
    ["\x00", "a\x00b", "x" * 10_000, "làm sổ đỏ " * 1000, "!!! ??? ...", "%_\\'\"", "𡨸喃 📄", "‮"],
)
def test_hostile_queries_never_fail(client, query, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        found(query)
    response = client.get("/procedures/", {"q": query})
    assert response.status_code in (200, 400)  # a NUL is refused before the view
    assert client.get("/api/v1/procedures", {"q": query}).status_code in (200, 400, 422)


# --- Supervisors edit the phrases ---------------------------------------------------------------


@pytest.fixture
def supervisor_client(client):
    center = Agency.objects.create(
        code="000.99.99.H40",
        name="Trung tâm thử nghiệm",
        kind=AgencyKind.SERVICE_CENTER,
        level=Level.PROVINCE,
    )
    user = User.objects.create_user("phrases.supervisor", password="pw-not-used-123")
    org_services.appoint(user, center, Role.SUPERVISOR)
    client.force_login(user)
    return client, user


def test_a_supervisor_adds_a_phrase_in_the_admin_and_the_search_follows(supervisor_client):
    client, user = supervisor_client
    assert "Cấp Giấy phép bán lẻ rượu" not in found("mở đại lý bia")
    assert client.get("/admin/catalog/searchphrase/add/").status_code == 200
    response = client.post(
        "/admin/catalog/searchphrase/add/",
        {"phrase": "Mở đại lý bia", "means": "Cấp Giấy phép bán lẻ rượu", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert found("mở đại lý bia")[0] == "Cấp Giấy phép bán lẻ rượu"
    assert found("mo dai ly bia")[0] == "Cấp Giấy phép bán lẻ rượu"
    row = SearchPhrase.objects.get(phrase_key="mo dai ly bia")
    event = AuditEvent.objects.get(action="search_phrase.created", object_id=str(row.pk))
    assert event.actor == user and event.data["after"]["means"] == "Cấp Giấy phép bán lẻ rượu"


def test_a_supervisor_changes_or_switches_off_a_phrase(supervisor_client):
    client, _ = supervisor_client
    row = SearchPhrase.objects.get(phrase_key="so do")
    url = f"/admin/catalog/searchphrase/{row.pk}/change/"
    assert "giay chung nhan quyen su dung dat" in fold(found("làm sổ đỏ")[0])
    # Now "sổ đỏ" is made to mean splitting a plot (a test of the mechanism, not advice).
    client.post(url, {"phrase": "sổ đỏ", "means": "Tách thửa", "is_active": "on"})
    assert found("làm sổ đỏ")[0] == "Tách thửa hoặc hợp thửa đất"
    # Switched off, the phrase means nothing: only the literal matches of "sổ" and "đỏ" are left.
    client.post(url, {"phrase": "sổ đỏ", "means": "Tách thửa"})
    assert "Tách thửa hoặc hợp thửa đất" not in found("làm sổ đỏ", 100)
    assert found("làm sổ đỏ", 100) == found("sổ đỏ", 100)
    events = AuditEvent.objects.filter(action="search_phrase.changed", object_id=str(row.pk))
    assert [e.data["after"]["is_active"] for e in events.order_by("id")] == [True, False]
    assert events.order_by("id")[0].data["before"]["means"].startswith("cấp giấy chứng nhận")
    # Never deleted.
    assert client.post(f"/admin/catalog/searchphrase/{row.pk}/delete/").status_code == 403


@pytest.mark.parametrize(
    "phrase, means, error",
    [
        ("", "Tách thửa", "This field is required"),
        ("!!!", "Tách thửa", "letters or digits"),
        ("Sổ  ĐỎ", "Tách thửa", "already in the list"),  # the same words as "sổ đỏ"
        ("x" * 201, "Tách thửa", "at most 200"),
        ("hợp lệ", "x" * 2001, "at most 2,000"),
    ],
)
def test_a_bad_phrase_is_refused_with_a_message_and_nothing_is_written(
    supervisor_client, phrase, means, error, settings
):
    settings.LANGUAGE_CODE = "en"
    client, _ = supervisor_client
    client.cookies["django_language"] = "en"
    before = (SearchPhrase.objects.count(), AuditEvent.objects.count())
    response = client.post(
        "/admin/catalog/searchphrase/add/", {"phrase": phrase, "means": means, "is_active": "on"}
    )
    assert response.status_code == 200 and error in response.content.decode()
    assert (SearchPhrase.objects.count(), AuditEvent.objects.count()) == before


def test_the_migration_installs_the_shipped_list(django_db_blocker):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("motcua.catalog.migrations.0005_search_phrases")
    SearchPhrase.objects.all().delete()  # inside this test's transaction
    migration.install_shipped_phrases(apps, None)
    assert SearchPhrase.objects.count() == len(phrases.shipped())
    migration.install_shipped_phrases(apps, None)  # again: nothing twice
    assert SearchPhrase.objects.count() == len(phrases.shipped())
    assert found("làm sổ đỏ")
