"""The public dossier lookup (docs/lookup.md): the typed form, the signed QR link, the same
answer for an unknown code and a wrong password, and the rate limits per client address and
per dossier code, counted in the cache that every process shares."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.dossiers import links, services
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.tests.factories import APPLICANT, make_province, receive_at_counter
from motcua.dossiers.tests.lookup_pages import answer_of, shown
from motcua.dossiers.tests.test_chains import chain_setup  # noqa: F401 - a fixture
from motcua.dossiers.workflow import Action, Status
from motcua.org.constants import Role

pytestmark = pytest.mark.django_db
ATTACKER, CITIZEN = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def province():
    return make_province()


@pytest.fixture
def dossier(province):
    return receive_at_counter(province)


def look_up(client, code, secret, address=CITIZEN):
    return client.post("/lookup/", {"code": code, "secret": secret}, REMOTE_ADDR=address)


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# --- The form and the page ---------------------------------------------------------------------


def test_lookup_is_a_form_for_the_code_and_the_password(client, db):
    page = client.get("/lookup/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="code"' in text and 'name="secret"' in text and 'type="password"' in text
    assert 'method="post"' in text and 'action="/lookup/"' in text
    assert page["Cache-Control"].startswith("no-store")
    # Reached from every page's menu.
    assert 'href="/lookup/"' in client.get("/procedures/").content.decode()


def test_the_right_password_shows_status_progress_appointment_and_where_to_collect(
    client, province, dossier
):
    # As a citizen types it: lower case, spaces around and inside.
    secret = f" {dossier.secret[:4].lower()} {dossier.secret[4:].lower()} "
    page = look_up(client, f" {dossier.code.lower()} ", secret)
    assert shown(page, dossier)
    text = page.content.decode()
    assert "Cấp Phiếu lý lịch tư pháp" in text
    assert timezone.localtime(dossier.due_at).strftime("%H:%M %d/%m/%Y") in text
    assert "Quầy Sở Tư pháp" in text  # where the result is collected
    received = timezone.localtime(dossier.received_at).strftime("%H:%M %d/%m/%Y")
    assert answer_of(page)["timeline"] == [("Tiếp nhận", received, "")]
    # Nothing personal beyond a masked name.
    assert "Nguyễn V** A*" in text and "Nguyễn Văn An" not in text
    assert APPLICANT["id_number"] not in text and APPLICANT["phone"] not in text
    assert APPLICANT["address"] not in text
    assert dossier.secret not in text


def test_the_answer_shows_every_fact_a_citizen_reads_with_the_labels_written_out(
    client, province, dossier
):
    """The whole answer, read from the page (Vietnamese, then English), against the labels
    and values written out by hand; then, the result ready, the notice where to collect it
    with the desk's name escaped wherever it is shown."""

    def local(value):
        return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")

    received, due = local(dossier.received_at), local(dossier.due_at)
    answer = answer_of(look_up(client, dossier.code, dossier.secret))
    assert answer["facts"] == {
        "Mã hồ sơ": dossier.code,
        "Thủ tục": "Cấp Phiếu lý lịch tư pháp",
        "Người nộp hồ sơ": "Nguyễn V** A*",
        "Trạng thái": "Đã tiếp nhận",
        "Ngày tiếp nhận": received,
        "Ngày hẹn trả": due,
        "Nơi nhận kết quả": "Quầy Sở Tư pháp",
    }
    assert answer["notice"] == "" and answer["timeline"] == [("Tiếp nhận", received, "")]
    english = Client()
    english.cookies["django_language"] = "en"
    answer = answer_of(look_up(english, dossier.code, dossier.secret))
    assert list(answer["facts"]) == [
        "Dossier code", "Procedure", "Applicant", "Status", "Received at", "Appointment",
        "Where to receive the result",
    ]  # fmt: skip
    assert answer["facts"]["Status"] == "Received" and answer["timeline"][0][0] == "Receive"

    desk = dossier.received_desk
    desk.name = '<script>alert("x")</script> & Quầy'
    desk.save()
    for role in (Role.DESK_OFFICER, Role.SPECIALIST):
        dossier = services.act(dossier, Action.FORWARD, province.officer("justice", role))
    dossier = services.act(dossier, Action.COMPLETE, province.officer("justice", Role.LEADER))
    assert dossier.status == Status.RESULT_READY
    page = look_up(client, dossier.code, dossier.secret)
    answer = answer_of(page)
    assert answer["notice"] == (
        "Đã có kết quả giải quyết hồ sơ. Mời ông/bà đến nhận kết quả tại "
        '<script>alert("x")</script> & Quầy; vui lòng mang theo Giấy tiếp nhận hồ sơ và '
        "hẹn trả kết quả."
    )
    assert answer["facts"]["Trạng thái"] == "Đã có kết quả"
    assert answer["facts"]["Nơi nhận kết quả"].startswith('<script>alert("x")</script> & Quầy')
    text = page.content.decode()
    assert "<script>alert" not in text
    assert text.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Quầy") == 2


def test_a_translated_label_with_braces_or_markup_is_shown_as_written(client, dossier, monkeypatch):
    """The answer's labels are filled in once per language (lookup_html._facts): a brace
    or a tag in a translation is text, never a place for a value nor markup."""
    from motcua.dossiers import lookup_html

    monkeypatch.setattr(lookup_html, "_", lambda text: "{code} <i>" + text)
    lookup_html._facts.cache_clear()
    try:
        facts = answer_of(look_up(client, dossier.code, dossier.secret))["facts"]
    finally:
        lookup_html._facts.cache_clear()
    assert facts["{code} <i>Dossier code"] == dossier.code
    assert facts["{code} <i>Procedure"] == "Cấp Phiếu lý lịch tư pháp"


def test_an_unknown_code_and_a_wrong_password_get_the_same_answer(client, dossier):
    unknown = look_up(client, "000.00.01.H40-250101-9999", "ABCDEFGH")
    wrong = look_up(client, dossier.code, "ABCDEFGH")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["error"] and wrong.context["error"]
    assert not shown(unknown) and not shown(wrong)
    same = without_csrf(unknown).replace("000.00.01.H40-250101-9999", "CODE")
    assert same == without_csrf(wrong).replace(dossier.code, "CODE")


def test_failed_attempts_are_audited_without_the_password(client, dossier):
    look_up(client, dossier.code, "WRONGPW2", address=ATTACKER)
    look_up(client, "NO-SUCH-CODE", "WRONGPW3", address=ATTACKER)
    rows = AuditEvent.objects.filter(action="permission.refused", summary="dossier.lookup")
    assert rows.count() == 2
    for row in rows:
        assert row.data["address"] == ATTACKER
        assert "WRONGPW" not in str(row.data) and "WRONGPW" not in row.summary
    assert {r.data["code"] for r in rows} == {dossier.code, "NO-SUCH-CODE"}


def test_a_part_of_an_inter_agency_chain_is_not_looked_up_on_its_own(client, chain_setup):  # noqa: F811
    """The applicant holds the whole dossier's receipt; its parts are internal (they share
    its password, so a part's code must not open anything)."""
    s = chain_setup
    parent = services.receive(
        procedure=s["procedures"]["commune"],
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=s["officers"][("commune", Role.DESK_OFFICER)],
        desk=s["desk"],
        chain=s["chain"],
    )
    part = parent.parts.get()
    assert part.secret == parent.secret
    assert shown(look_up(client, parent.code, parent.secret))
    assert look_up(client, part.code, part.secret).context["error"]


# --- The rate limits ---------------------------------------------------------------------------


def test_thirty_wrong_passwords_meet_a_429_and_the_right_one_from_another_client_works(
    client, dossier
):
    answers = [look_up(client, dossier.code, f"WRONG{n:03d}", ATTACKER) for n in range(30)]
    assert [a.status_code for a in answers] == [200] * 10 + [429] * 20
    limited = answers[-1]
    assert 1 <= int(limited["Retry-After"]) <= 15 * 60
    assert limited.context["limited"] and not shown(limited)
    assert '<html lang="vi">' in limited.content.decode()
    # Not even the right password gets through from that address until the window ends…
    assert look_up(client, dossier.code, dossier.secret, ATTACKER).status_code == 429
    # …but the citizen, elsewhere, gets in.
    assert shown(look_up(Client(), dossier.code, dossier.secret, CITIZEN))
    # One audit row says the limit was reached, not one per refused attempt.
    assert AuditEvent.objects.filter(summary="dossier.lookup.limited").count() == 1


def test_wrong_passwords_for_one_code_are_limited_across_clients(client, dossier, province):
    other = receive_at_counter(province)
    for n in range(20):  # the per-code limit, from 20 addresses
        assert look_up(client, dossier.code, "WRONGPWD", f"10.0.{n}.1").status_code == 200
    refused = look_up(client, dossier.code, "WRONGPWD", "10.1.0.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 3600
    # The code is paused for everyone typing a password (docs/lookup.md) …
    assert look_up(client, dossier.code, dossier.secret, CITIZEN).status_code == 429
    # … while its QR link still opens it, and other dossiers are looked up as usual.
    assert shown(client.get(links.link_path(dossier)))
    assert shown(look_up(client, other.code, other.secret, "10.1.0.2"))


def test_only_wrong_passwords_count(client, dossier):
    for _ in range(9):
        look_up(client, dossier.code, "WRONGPWD", ATTACKER)
    for _ in range(5):  # a citizen checking several times is not held back
        assert shown(look_up(client, dossier.code, dossier.secret, ATTACKER))
    assert look_up(client, dossier.code, "WRONGPWD", ATTACKER).status_code == 200  # 10th
    assert look_up(client, dossier.code, "WRONGPWD", ATTACKER).status_code == 429


def test_the_client_address_is_taken_from_the_trusted_proxy_only(client, dossier, settings):
    spoofed = {"HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    for n in range(10):  # a client cannot escape its count by sending X-Forwarded-For
        client.post(
            "/lookup/",
            {"code": dossier.code, "secret": "WRONGPWD"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}",
        )
    again = client.post(
        "/lookup/", {"code": dossier.code, "secret": "X"}, REMOTE_ADDR=ATTACKER, **spoofed
    )
    assert again.status_code == 429
    # Behind one trusted proxy, the address it appended is the client's.
    settings.MOTCUA_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    behind = client.post(
        "/lookup/",
        {"code": dossier.code, "secret": dossier.secret},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=f"9.9.9.9, {CITIZEN}",
    )
    assert shown(behind)


def test_ipv6_addresses_of_one_network_share_a_count(client, dossier):
    for n in range(10):
        look_up(client, dossier.code, "WRONGPWD", f"2001:db8:1:2::{n + 1:x}")
    assert look_up(client, dossier.code, "WRONGPWD", "2001:db8:1:2:ffff::1").status_code == 429
    assert look_up(client, dossier.code, "WRONGPWD", "2001:db8:1:3::1").status_code == 200


def test_counters_out_of_reach_refuse_with_503_not_500(client, dossier, settings):
    settings.CACHES = {
        **settings.CACHES,
        settings.LIMITS_CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        },
    }
    answer = look_up(client, dossier.code, dossier.secret)
    assert answer.status_code == 503 and answer["Retry-After"] == "60"
    assert not shown(answer)


# --- The QR link -------------------------------------------------------------------------------


def test_the_signed_link_opens_the_dossier_without_the_password(client, dossier):
    path = links.link_path(dossier)
    assert dossier.secret not in path
    page = client.get(path)
    assert shown(page, dossier)


def test_a_forged_token_or_another_dossiers_token_is_refused(client, province, dossier):
    other = receive_at_counter(province)
    real = links.token(dossier)
    flipped = real[:-1] + ("A" if real[-1] != "A" else "B")
    for value in (flipped, links.token(other), "x", real + "x", "a" * 10_000, real.upper()):
        page = client.get(f"/lookup/{dossier.code}/", {"t": value})
        assert page.status_code == 200 and not shown(page), value
        assert page.context["link_refused"]
        assert page.context["form"]["code"].value() == dossier.code  # the code filled in


def test_a_token_signed_with_another_key_is_refused(client, dossier, settings):
    real = links.token(dossier)
    settings.SECRET_KEY = "another-deployment-key-" + "x" * 40
    assert links.token(dossier) != real
    assert not shown(client.get(f"/lookup/{dossier.code}/", {"t": real}))
    # A key rotated out but kept in SECRET_KEY_FALLBACKS still opens old receipts.
    settings.SECRET_KEY_FALLBACKS = ["motcua-insecure-development-key-change-me"]
    assert shown(client.get(f"/lookup/{dossier.code}/", {"t": real}))


def test_the_link_expires_the_set_number_of_days_after_the_dossier_ends(client, province, settings):
    now = timezone.now()
    dossier = receive_at_counter(province, received_at=now - timedelta(days=10))
    desk = province.officer("justice", Role.DESK_OFFICER)
    dossier = services.act(
        dossier, Action.WITHDRAW, desk, at=now - timedelta(days=5), comment="Công dân xin rút"
    )
    assert dossier.status == Status.WITHDRAWN
    path = links.link_path(dossier)
    settings.MOTCUA = {**settings.MOTCUA, "LOOKUP_LINK_DAYS": 7}
    assert shown(client.get(path))
    settings.MOTCUA = {**settings.MOTCUA, "LOOKUP_LINK_DAYS": 3}
    expired = client.get(path)
    assert not shown(expired) and expired.context["link_refused"]
    # The password still works for a finished dossier.
    assert shown(look_up(client, dossier.code, dossier.secret))


def test_an_open_dossiers_link_does_not_expire(dossier):
    assert links.link_expires_at(dossier) is None
    far = timezone.now() + timedelta(days=3650)
    assert links.token_opens(dossier, links.token(dossier), now=far)


def test_the_password_in_a_link_is_ignored(client, dossier):
    """Receipts printed before the signed links carry ?secret=: the page asks for the
    password instead (docs/lookup.md)."""
    old = client.get(f"/lookup/{dossier.code}/", {"secret": dossier.secret})
    assert old.status_code == 302 and old["Location"] == f"/lookup/{dossier.code}/?old-link=1"
    page = client.get(old["Location"])
    assert page.status_code == 200 and not shown(page)
    assert page.context["old_link"] and page.context["form"]["code"].value() == dossier.code
    assert dossier.secret not in page.content.decode()
    # Nor does a GET to the form page look anything up.
    page = client.get("/lookup/", {"code": dossier.code, "secret": dossier.secret}, follow=True)
    assert not shown(page) and dossier.secret not in page.content.decode()


# --- Hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, secret",
    [
        ("x" * 10_000, "y" * 10_000),
        ("ĐĂNG-KÝ-𡨸喃-📄", "mật khẩu"),
        ("‮RTL‬", "ＡＢＣＤＥＦＧＨ"),
        ("'; DROP TABLE dossiers_dossier; --", "%_\\"),
        ("..//..", "-----"),
        ("", ""),
        ("   ", "   "),
    ],
)
def test_hostile_input_never_fails_and_writes_no_dossier_data(client, dossier, code, secret):
    before = (Dossier.objects.count(), dossier.events.count())
    for response in (
        look_up(client, code, secret),
        client.post(f"/lookup/{dossier.code}/", {"secret": secret}),
        client.get("/lookup/", {"code": code, "t": secret}),
    ):
        assert response.status_code < 500
        assert not shown(response)
    assert (Dossier.objects.count(), dossier.events.count()) == before


def test_a_nul_byte_is_refused_before_the_lookup(client, dossier):
    response = look_up(client, dossier.code + "\x00", dossier.secret)
    assert response.status_code == 400
    assert client.get(f"/lookup/{dossier.code}/", {"t": "a\x00b"}).status_code == 400
