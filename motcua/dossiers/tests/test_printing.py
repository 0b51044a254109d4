"""The printed forms of Thông tư 01/2018/TT-VPCP: real PDFs with Vietnamese text, the
facts each form must show, the control slip's judgement of each step, the tracking book's
period, and who may print them."""

import dataclasses
import re
import zlib
from datetime import date, datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
import segno
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint.formatting_structure.boxes import TextBox

from motcua.dossiers import forms_data as forms
from motcua.dossiers import links, print_views, printing, services
from motcua.dossiers.models import Channel, Dossier, DossierEvent
from motcua.dossiers.tests.factories import APPLICANT, make_province, submit_to_desk
from motcua.dossiers.tests.lookup_pages import shown
from motcua.dossiers.tests.test_chains import chain_setup, finish_part  # noqa: F401 - fixture
from motcua.dossiers.workflow import Action
from motcua.org import services as org_services
from motcua.org.constants import Level, Role
from motcua.org.models import User
from motcua.worktime.calendars import get_calendar

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
A, R = Action, Role
MONDAY_9 = datetime(2025, 3, 3, 9, 0, tzinfo=VN)
NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc"


def at(*args):
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def province():
    return make_province()


@pytest.fixture
def rendered(monkeypatch):
    """(template, context) of every form the views render, to read their laid-out text."""
    calls = []
    render_pdf = printing.render_pdf

    def spy(template, context):
        calls.append((template, context))
        return render_pdf(template, context)

    monkeypatch.setattr(printing, "render_pdf", spy)
    return calls


def receive(province, when=MONDAY_9, agency="justice", **applicant):
    officer = province.officer(agency, R.DESK_OFFICER)
    procedure = province.procedure
    return services.receive(
        procedure=procedure,
        applicant={**APPLICANT, **applicant},
        channel=Channel.COUNTER,
        actor=officer,
        desk=officer.posts.get().desk,
        performing_agency=getattr(province, agency),
        documents=province.documents(),
        received_at=when,
    )


# --- Reading PDFs without a PDF library --------------------------------------------------------


def pdf_streams(data: bytes) -> list[bytes]:
    """Every stream of the file, inflated when compressed (object streams included)."""
    streams = []
    for match in re.finditer(rb"(?<!end)stream\r?\n", data):
        raw = data[match.end() : data.find(b"endstream", match.end())]
        try:
            streams.append(zlib.decompressobj().decompress(raw))
        except zlib.error:
            streams.append(raw)
    return streams


def pdf_page_count(data: bytes) -> int:
    counts = [
        int(n)
        for chunk in [data, *pdf_streams(data)]
        for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", chunk)
    ]
    return max(counts)


def pdf_characters(data: bytes) -> set[str]:
    """The characters the PDF's text maps to (its fonts' ToUnicode tables)."""
    chars = set()
    for stream in pdf_streams(data):
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for _, target in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                chars |= set(bytes.fromhex(target.decode()).decode("utf-16-be"))
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
            for lo, hi, first in re.findall(
                rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
            ):
                start = ord(bytes.fromhex(first.decode()).decode("utf-16-be"))
                chars |= {chr(start + i) for i in range(int(hi, 16) - int(lo, 16) + 1)}
    return chars


def pdf_glyphs(data: bytes) -> list[str]:
    """Glyph ids drawn by the page content (4 hex digits each)."""
    glyphs = []
    for stream in pdf_streams(data):
        if b" Tf" in stream and b"BT" in stream:
            for array in re.findall(rb"\[([^\]]*)\]\s*TJ", stream):
                for hexa in re.findall(rb"<([0-9a-fA-F]+)>", array):
                    glyphs += [hexa[i : i + 4].decode() for i in range(0, len(hexa), 4)]
    return glyphs


def laid_out(template: str, context: dict) -> tuple[str, int, tuple[float, float]]:
    """The text WeasyPrint laid out (whitespace folded), the page count and page size."""
    document = printing.render_document(template, context)
    texts = [
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if isinstance(box, TextBox)
    ]
    first = document.pages[0]
    return re.sub(r"\s+", " ", " ".join(texts)), len(document.pages), (first.width, first.height)


def assert_vietnamese_pdf(response, filename: str, pages=1, name="Nguyễn Văn An") -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{filename}"'
    assert "no-store" in response["Cache-Control"]
    data = response.content
    assert data.startswith(b"%PDF-")
    assert pdf_page_count(data) == pages
    assert set(NATIONAL.replace(" ", "")) <= pdf_characters(data)
    assert set(name) - {" "} <= pdf_characters(data)
    glyphs = pdf_glyphs(data)
    assert glyphs and "0000" not in glyphs  # no character was left without a glyph
    return data


def qr_modules(data_uri: str) -> set[tuple[int, int]]:
    """Decode segno's SVG data URI: the dark modules (row, column) of the symbol."""
    svg = unquote(data_uri.split(",", 1)[1])
    # The dark modules are one stroked path of horizontal runs (the light ones a filled box).
    path = re.search(r"<path[^>]*stroke=[^>]* d=['\"]([^'\"]+)['\"]", svg).group(1)
    x = y = 0.0
    dark = set()
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(y), int(x) + i) for i in range(int(a))}
            x += float(a)
    border = min(c for _, c in dark)  # the finder pattern is dark in the first column
    return {(r - border, c - border) for r, c in dark}


def segno_modules(text: str) -> set[tuple[int, int]]:
    matrix = segno.make(text, error="m", micro=False).matrix
    return {(r, c) for r, row in enumerate(matrix) for c, v in enumerate(row) if v}


# --- Pure pieces -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, line",
    [
        (date(2025, 3, 3), "Phủ Lý, ngày 03 tháng 3 năm 2025"),
        (date(2025, 2, 14), "Phủ Lý, ngày 14 tháng 02 năm 2025"),
        (date(2025, 1, 9), "Phủ Lý, ngày 09 tháng 01 năm 2025"),
        (date(2025, 12, 25), "Phủ Lý, ngày 25 tháng 12 năm 2025"),
    ],
)
def test_date_line_pads_days_below_10_and_months_1_and_2(day, line):
    assert printing.date_line("Phủ Lý", day) == line


@pytest.mark.parametrize(
    "name, kind, place",
    [
        ("Thành phố Phủ Lý", "Thành phố", "Phủ Lý"),
        ("Tỉnh Hà Nam", "Tỉnh", "Hà Nam"),
        ("Huyện Kim Bảng", "", "Kim Bảng"),
        ("Thị xã Duy Tiên", "Thị xã", "Duy Tiên"),
        ("Phường 1", "Phường", "Phường 1"),
    ],
)
def test_place_name_drops_the_unit_type(name, kind, place):
    assert printing.place_name(name, kind) == place


def test_vietnamese_date_formats():
    moment = at(2025, 3, 10, 9, 5)
    assert printing.vn_datetime(moment) == "09 giờ 05 phút, ngày 10/03/2025"
    assert printing.vn_date(moment) == "10/03/2025"
    assert printing.vn_datetime(moment.astimezone(ZoneInfo("UTC"))) == printing.vn_datetime(moment)


@pytest.mark.parametrize(
    "handed_at, used_hours, allotted_hours, result",
    [
        (at(2025, 3, 3, 10, 0), 1, 4, "on_time"),  # 3 h left: still due today
        (at(2025, 3, 3, 17, 0), 3.5, 4, "on_time"),  # due at 17:30 the same day
        (at(2025, 3, 3, 10, 0), 7, 24, "early"),  # 17 h left: due on a later day
        (at(2025, 3, 7, 9, 0), 31.5, 24, "late"),
        (at(2025, 3, 7, 9, 0), 24, 24, "on_time"),  # exactly used up
    ],
)
def test_step_result_uses_the_working_time_calendar(handed_at, used_hours, allotted_hours, result):
    calendar = get_calendar()
    used, allotted = timedelta(hours=used_hours), timedelta(hours=allotted_hours)
    assert printing.step_result(calendar, handed_at, used, allotted) == result


# --- 01 Receipt --------------------------------------------------------------------------------


def test_receipt_is_a_vietnamese_pdf_with_code_documents_and_appointment(
    client, province, rendered
):
    dossier = receive(province)
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    response = client.get(f"/office/dossiers/{dossier.code}/forms/receipt/")
    assert_vietnamese_pdf(response, f"{dossier.code}-receipt.pdf")
    [(template, context)] = rendered
    text, pages, (width, height) = laid_out(template, context)
    assert pages == 1 and width < height  # A4 portrait
    due = get_calendar(province.justice).due_at(MONDAY_9, 5, "days")
    assert due == at(2025, 3, 10, 9, 0)
    for expected in [
        "Mẫu số 01",
        NATIONAL,
        "SỞ TƯ PHÁP",
        "Hà Nam, ngày 03 tháng 3 năm 2025",  # no unit on the agency: the province
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {dossier.code}",
        "Tiếp nhận hồ sơ của: Nguyễn Văn An",
        "Nội dung yêu cầu giải quyết: Cấp Phiếu lý lịch tư pháp",
        "1 Tờ khai (theo mẫu) 1 0",  # row: no., document, originals, copies
        "2 Giấy tờ tùy thân 0 1",
        "Thời gian giải quyết hồ sơ theo quy định là: 5 ngày làm việc",
        "Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 03/03/2025",
        "Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 00 phút, ngày 10/03/2025",
        "Đăng ký nhận kết quả tại: Quầy Sở Tư pháp",
        f"Mật khẩu tra cứu: {dossier.secret}",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
    ]:
        assert expected in text, expected
    assert context["due_at"] == printing.vn_datetime(due)
    assert context["officer"] == str(province.officer("justice", R.DESK_OFFICER))


def test_receipt_qr_code_encodes_the_public_lookup_link(client, province, rendered):
    dossier = receive(province)
    client.force_login(province.officer("justice", R.SPECIALIST))
    assert client.get(f"/office/dossiers/{dossier.code}/forms/receipt/").status_code == 200
    [(template, context)] = rendered
    # The QR code carries the signed link, never the lookup password (docs/lookup.md); the
    # printed address is the lookup form, where the code and the password are typed.
    url = f"http://testserver/lookup/{dossier.code}/?t={links.token(dossier)}"
    assert context["lookup_url"] == url and dossier.secret not in url
    assert context["lookup_page"] == "http://testserver/lookup/"
    assert qr_modules(context["qr"]) == segno_modules(url)
    html = printing.render_html(template, context)
    assert f'<img src="{context["qr"]}"' in html
    assert '<p class="url">http://testserver/lookup/</p>' in html
    # The link opens the public lookup page with the dossier shown.
    client.logout()
    page = client.get(url.removeprefix("http://testserver"))
    assert shown(page, dossier)


def test_the_date_line_uses_the_agency_unit_as_named_on_the_day(client, province, rendered):
    from motcua.org import services as units

    province_unit = units.create_unit("35", "Tỉnh Hà Nam", "Tỉnh")
    city = units.create_unit("347", "Thành phố Phủ Lý", "Thành phố", province_unit)
    province.justice.admin_unit = city
    province.justice.save()
    dossier = receive(province)
    client.force_login(province.officer("justice", R.DESK_OFFICER))
    client.get(f"/office/dossiers/{dossier.code}/forms/receipt/")
    assert rendered[0][1]["letterhead"].date_line == "Phủ Lý, ngày 03 tháng 3 năm 2025"


# --- 02, 03, 05: from the event they document --------------------------------------------------


def test_supplement_request_lists_what_is_missing_from_the_latest_request(
    client, province, rendered
):
    o = province.officer
    dossier = receive(province)
    url = f"/office/dossiers/{dossier.code}/forms/supplement-request/"
    client.force_login(o("justice", R.DESK_OFFICER))
    assert client.get(url).status_code == 404  # no request yet
    dossier = services.act(dossier, A.FORWARD, o("justice", R.DESK_OFFICER), at=at(2025, 3, 3, 10))
    dossier = services.act(
        dossier,
        A.REQUEST_SUPPLEMENT,
        o("justice", R.SPECIALIST),
        at=at(2025, 3, 4, 9),
        comment="Bản sao căn cước công dân\nTờ khai chưa có chữ ký của người yêu cầu",
    )
    first = dossier.events.get(action=A.REQUEST_SUPPLEMENT)
    dossier = services.act(dossier, A.SUPPLEMENT, o("justice", R.DESK_OFFICER), at=at(2025, 3, 5))
    dossier = services.act(
        dossier,
        A.REQUEST_SUPPLEMENT,
        o("justice", R.SPECIALIST),
        at=at(2025, 3, 6, 9),
        comment="Ảnh 4x6 chụp trong 6 tháng gần đây",
        reason="Ảnh đã nộp không đúng quy cách",
    )
    assert_vietnamese_pdf(client.get(url), f"{dossier.code}-supplement-request.pdf")
    text, _, _ = laid_out(*rendered[-1])
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "1. Ảnh 4x6 chụp trong 6 tháng gần đây" in text
    assert "Bản sao căn cước" not in text  # that was the earlier request
    assert "Hà Nam, ngày 06 tháng 3 năm 2025" in text and "NGƯỜI HƯỚNG DẪN" in text
    assert client.get(url, {"event": first.pk}).status_code == 200
    text, _, _ = laid_out(*rendered[-1])
    assert "1. Bản sao căn cước công dân" in text
    assert "2. Tờ khai chưa có chữ ký của người yêu cầu" in text
    assert client.get(url, {"event": "x"}).status_code == 404


def submit_by_post(province, when=MONDAY_9):
    """A postal dossier the justice desk has still to check."""
    return submit_to_desk(province, Channel.POST, received_at=when)


def test_refusal_form_gives_the_reasons_and_the_signer(client, province, rendered):
    o = province.officer
    by_desk = submit_by_post(province)  # the desk refuses to receive it
    client.force_login(o("justice", R.DESK_OFFICER))
    assert client.get(f"/office/dossiers/{by_desk.code}/forms/refusal/").status_code == 404
    services.act(
        by_desk,
        A.REFUSE,
        o("justice", R.DESK_OFFICER),
        at=at(2025, 3, 3, 10),
        comment="Người yêu cầu không thuộc đối tượng được cấp Phiếu lý lịch tư pháp.",
    )
    response = client.get(f"/office/dossiers/{by_desk.code}/forms/refusal/")
    assert_vietnamese_pdf(response, f"{by_desk.code}-refusal.pdf")
    text, _, _ = laid_out(*rendered[-1])
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "không thuộc đối tượng được cấp Phiếu lý lịch tư pháp" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "THỦ TRƯỞNG" not in text

    by_leader = receive(province)
    by_leader = services.act(by_leader, A.FORWARD, o("justice", R.DESK_OFFICER))
    services.act(by_leader, A.REFUSE, o("justice", R.LEADER), comment="Hồ sơ giả mạo")
    assert client.get(f"/office/dossiers/{by_leader.code}/forms/refusal/").status_code == 200
    text, _, _ = laid_out(*rendered[-1])
    assert "THỦ TRƯỞNG CƠ QUAN" in text and "Hồ sơ giả mạo" in text


def test_apology_gives_the_old_and_new_appointment_and_the_reason(client, province, rendered):
    o = province.officer
    dossier = receive(province)
    url = f"/office/dossiers/{dossier.code}/forms/apology/"
    client.force_login(o("justice", R.LEADER))
    assert client.get(url).status_code == 404
    dossier = services.act(dossier, A.FORWARD, o("justice", R.DESK_OFFICER), at=at(2025, 3, 3, 10))
    services.act(
        dossier,
        A.APOLOGISE,
        o("justice", R.LEADER),
        at=at(2025, 3, 7, 9),
        new_due_at=at(2025, 3, 14, 14, 30),
        comment="Phải xác minh thông tin tại cơ quan công an.",
    )
    assert_vietnamese_pdf(client.get(url), f"{dossier.code}-apology.pdf")
    text, _, _ = laid_out(*rendered[-1])
    for expected in [
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Kính gửi: Nguyễn Văn An",
        "Ngày 03/03/2025, Sở Tư pháp tiếp nhận giải quyết hồ sơ",
        "Thời gian hẹn trả kết quả giải quyết hồ sơ: 09 giờ 00 phút, ngày 10/03/2025",
        "Lý do: Phải xác minh thông tin tại cơ quan công an.",
        "vào 14 giờ 30 phút, ngày 14/03/2025",
        "Hà Nam, ngày 07 tháng 3 năm 2025",
        "THỦ TRƯỞNG CƠ QUAN",
    ]:
        assert expected in text, expected


# --- 04 Control slip ---------------------------------------------------------------------------


def test_control_slip_has_a_row_per_hand_over_judged_against_the_step_time(
    client, province, rendered
):
    o = province.officer
    desk, specialist, leader = (
        o("justice", R.DESK_OFFICER),
        o("justice", R.SPECIALIST),
        o("justice", R.LEADER),
    )
    d = receive(province)  # Monday 3 March 09:00, step "Tiếp nhận hồ sơ" (4 h)
    d = services.act(d, A.FORWARD, desk, at=at(2025, 3, 3, 9, 30), to_user=specialist)
    d = services.act(d, A.REQUEST_SUPPLEMENT, specialist, at=at(2025, 3, 3, 10), comment="Ảnh")
    d = services.act(d, A.SUPPLEMENT, desk, at=at(2025, 3, 5, 9))  # two days not counted
    # Review (24 h): 0.5 h before the pause, then 3/5 09:00 → 3/10 10:00 = 25 h: late.
    d = services.act(d, A.FORWARD, specialist, at=at(2025, 3, 10, 10), to_user=leader)
    # The leader signs the result at the last processing step: 0.5 h of 8 h.
    d = services.act(d, A.COMPLETE, leader, at=at(2025, 3, 10, 10, 30), result="Phiếu số 12")
    d = services.act(d, A.RETURN_RESULT, desk, at=at(2025, 3, 11, 8))
    response = client.get(f"/office/dossiers/{d.code}/forms/control-slip/")
    assert response.status_code == 302  # not signed in
    client.force_login(leader)
    response = client.get(f"/office/dossiers/{d.code}/forms/control-slip/")
    [(template, context)] = rendered
    text, pages, _ = laid_out(template, context)
    assert_vietnamese_pdf(response, f"{d.code}-control-slip.pdf", pages=pages)
    assert text.count("THỜI GIAN GIAO, NHẬN HỒ SƠ") == pages  # the header row repeats
    rows = [
        (r.from_unit, r.from_person, r.to_unit, r.to_person, r.step, r.used_hours, r.result)
        for r in context["rows"]
    ]
    desk_name, agency = "Quầy Sở Tư pháp", "Sở Tư pháp"
    assert rows == [
        (desk_name, str(desk), agency, str(specialist), "Tiếp nhận hồ sơ", "0,5", "on_time"),
        (agency, str(specialist), desk_name, "", "Thẩm định hồ sơ", "0,5", "early"),
        (desk_name, str(desk), agency, str(specialist), "Thẩm định hồ sơ", "0,5", ""),
        (agency, str(specialist), agency, str(leader), "Thẩm định hồ sơ", "25,5", "late"),
        (agency, str(leader), desk_name, "", "Phê duyệt, ký", "0,5", "early"),
        (desk_name, str(desk), "Nguyễn Văn An", "Nguyễn Văn An", "", "", "early"),
    ]
    assert [r.at for r in context["rows"]] == list(
        d.events.exclude(action=A.RECEIVE).values_list("at", flat=True)
    )
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "1. Giao: Quầy Sở Tư pháp Nhận: Sở Tư pháp" in text
    assert "09 giờ 30 phút, ngày 03/03/2025" in text
    assert "6. Giao: Quầy Sở Tư pháp Nhận: Tổ chức, cá nhân – Nguyễn Văn An" in text
    assert {"Trước hạn", "Đúng hạn", "Quá hạn"} <= set(
        re.findall(r"Trước hạn|Đúng hạn|Quá hạn", text)
    )
    # Its line in the tracking book: result ready when signed, returned when handed over.
    row = printing.book_row(1, Dossier.objects.get(pk=d.pk), list(d.events.all()))
    assert (row.result_at, row.returned_at) == ("10:30 10/03/2025", "08:00 11/03/2025")


def test_control_slip_of_an_inter_agency_dossier_shows_each_agency(client, chain_setup, rendered):  # noqa: F811
    s = chain_setup
    officers = s["officers"]
    parent = services.receive(
        procedure=s["procedures"]["commune"],
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=officers[("commune", R.DESK_OFFICER)],
        desk=s["desk"],
        received_at=at(2025, 3, 3, 9, 0),
        chain=s["chain"],
    )
    finish_part(parent.parts.get(), "commune", officers, at(2025, 3, 4, 9))
    finish_part(parent.parts.get(chain_position=2), "police", officers, at(2025, 3, 10, 9))
    client.force_login(officers[("commune", R.DESK_OFFICER)])
    assert client.get(f"/office/dossiers/{parent.code}/forms/control-slip/").status_code == 200
    context = rendered[-1][1]
    desk = "Bộ phận một cửa phường Quang Trung"
    police = "Công an thành phố Phủ Lý"
    assert [(r.from_unit, r.to_unit, r.result) for r in context["rows"]] == [
        (desk, "UBND phường Quang Trung", ""),
        ("UBND phường Quang Trung", desk, "early"),
        (desk, police, ""),
        (police, desk, "late"),  # 3 working days from 4 March 09:00, done 10 March 15:00
        (desk, "Phòng Lao động - Thương binh và Xã hội", ""),
    ]
    assert context["partners"] == [
        "UBND phường Quang Trung",
        police,
        "Phòng Lao động - Thương binh và Xã hội",
    ]
    # The police see their part's slip, not the whole dossier's.
    client.force_login(officers[("police", R.SPECIALIST)])
    assert client.get(f"/office/dossiers/{parent.code}/forms/control-slip/").status_code == 404
    part = parent.parts.get(chain_position=2)
    assert client.get(f"/office/dossiers/{part.code}/forms/control-slip/").status_code == 200
    assert client.get(f"/office/dossiers/{part.code}/forms/receipt/").status_code == 404


# --- 06 Tracking book --------------------------------------------------------------------------


def test_tracking_book_lists_the_desk_dossiers_of_the_period_only(
    client, province, rendered, monkeypatch
):
    o = province.officer
    inside = receive(province, at(2025, 3, 3, 9), full_name="Trần Thị Bình")
    late_in_period = receive(province, at(2025, 3, 10, 16, 45), full_name="Lê Văn Cường")
    receive(province, at(2025, 3, 11, 8), full_name="Phạm Văn Dũng")  # after the period
    receive(province, at(2025, 2, 28, 16), full_name="Đỗ Thị Én")  # before it
    receive(province, at(2025, 3, 4, 9), agency="health", full_name="Hoàng Văn Giang")
    inside = services.act(
        inside,
        A.FORWARD,
        o("justice", R.DESK_OFFICER),
        at=at(2025, 3, 3, 10),
        to_user=o("justice", R.SPECIALIST),
    )
    services.act(
        inside,
        A.APOLOGISE,
        o("justice", R.LEADER),
        at=at(2025, 3, 7, 9),
        new_due_at=at(2025, 3, 14, 9),
        comment="Chờ xác minh",
    )
    desk = o("justice", R.DESK_OFFICER).posts.get().desk
    url = f"/office/desks/{desk.pk}/forms/tracking-book/"
    period = {"from": "2025-03-01", "to": "2025-03-10"}
    client.force_login(o("justice", R.SPECIALIST))  # any officer of the desk's agency
    response = client.get(url, period)
    filename = f"{province.justice.code}-tracking-book-20250301-20250310.pdf"
    assert_vietnamese_pdf(response, filename, name="Trần Thị Bình Lê Văn Cường")
    assert b"/MediaBox [0 0 841" in b"".join(pdf_streams(response.content)) + response.content
    [(template, context)] = rendered
    assert [r.code for r in context["rows"]] == [inside.code, late_in_period.code]
    first = context["rows"][0]
    assert first.transferred == [f"Sở Tư pháp – {o('justice', R.SPECIALIST)} (03/03/2025)"]
    assert first.remarks == [("apology", "14/03/2025")]
    text, pages, (width, height) = laid_out(template, context)
    assert pages == 1 and width > height  # A4 landscape
    for expected in [
        "SỔ THEO DÕI HỒ SƠ",
        "Từ ngày 01/03/2025 đến ngày 10/03/2025",
        "Trần Thị Bình",
        "Lê Văn Cường",
        "Xin lỗi, hẹn lại ngày 14/03/2025",
        "Tổng số: 2 hồ sơ.",
    ]:
        assert expected in text, expected
    assert "Phạm Văn Dũng" not in text and "Đỗ Thị Én" not in text
    assert "Hoàng Văn Giang" not in text
    assert client.get(url, {"from": "2025-03-10", "to": "2025-03-01"}).status_code == 400
    assert client.get(url, {"from": "03/01/2025"}).status_code == 400
    monkeypatch.setattr(print_views, "BOOK_MAX_ROWS", 1)  # too long to print: narrow it
    assert client.get(url, period).status_code == 400
    client.force_login(o("health", R.DESK_OFFICER))
    assert client.get(url, period).status_code == 404


# --- Who may print -----------------------------------------------------------------------------


def test_only_officers_who_see_the_dossier_may_print_its_forms(client, province):
    o = province.officer
    dossier = services.act(receive(province), A.FORWARD, o("justice", R.DESK_OFFICER), at=MONDAY_9)
    dossier = services.act(
        dossier,
        A.REQUEST_SUPPLEMENT,
        o("justice", R.SPECIALIST),
        at=at(2025, 3, 3, 10),
        comment="Thiếu tờ khai",
    )
    names = ("receipt", "supplement-request", "control-slip")
    urls = [f"/office/dossiers/{dossier.code}/forms/{n}/" for n in names]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    citizen = User.objects.create_user("citizen", password="pw-not-used-123")
    for user in (o("health", R.LEADER), o("health", R.DESK_OFFICER), citizen):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    client.force_login(o("center", R.SUPERVISOR))  # province-wide supervisors see all
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]


def test_public_lookup_does_not_expose_the_forms(client, province):
    dossier = receive(province)
    page = client.post("/lookup/", {"code": dossier.code, "secret": dossier.secret})
    assert shown(page, dossier)
    assert "/forms/" not in page.content.decode() and ".pdf" not in page.content.decode()


def printed_forms_html(dossier) -> str:
    return render_to_string(
        "dossiers/_printed_forms.html",
        {"dossier": dossier, "events": list(dossier.events.all())},
    )


def test_the_printed_forms_list_names_each_form_with_its_number(province):
    o = province.officer
    desk = o("justice", R.DESK_OFFICER)
    dossier = receive(province)
    base = f"/office/dossiers/{dossier.code}/forms/"
    with translation.override("en"):
        html = printed_forms_html(dossier)
    assert f'href="{base}receipt/"' in html and f'href="{base}control-slip/"' in html
    assert "supplement-request/" not in html and "apology/" not in html
    assert "01 – Receipt and appointment" in html
    assert "05 – Process control slip" in html  # Thông tư 01/2018 art. 9
    assert 'title="Form 05, Thông tư 01/2018/TT-VPCP"' in html
    specialist = o("justice", R.SPECIALIST)
    dossier = services.act(dossier, A.FORWARD, desk, at=at(2025, 3, 3, 9, 30))
    dossier = services.act(
        dossier, A.REQUEST_SUPPLEMENT, specialist, at=at(2025, 3, 3, 10), comment="x"
    )
    dossier = services.act(dossier, A.SUPPLEMENT, desk, at=at(2025, 3, 4, 9))
    dossier = services.act(
        dossier, A.REQUEST_SUPPLEMENT, specialist, at=at(2025, 3, 5, 9), comment="y", reason="z"
    )
    dossier = services.act(dossier, A.SUPPLEMENT, desk, at=at(2025, 3, 6, 9))
    dossier = services.act(
        dossier,
        A.APOLOGISE,
        o("justice", R.LEADER),
        at=at(2025, 3, 7, 9),
        new_due_at=at(2025, 3, 14, 9),
        comment="Chờ xác minh",
    )
    dossier = services.act(dossier, A.WITHDRAW, desk, at=at(2025, 3, 10, 9), comment="Tự rút")
    events = {e.action: e for e in dossier.events.all()}  # the latest of each action
    first, second = dossier.events.filter(action=A.REQUEST_SUPPLEMENT)
    with translation.override("en"):
        html = printed_forms_html(dossier)
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>(?: <span class="meta">([^<]+))?', html)
    assert links == [
        (f"{base}receipt/", "01 – Receipt and appointment", ""),
        (f"{base}control-slip/", "05 – Process control slip", ""),
        (f"{base}supplement-request/?event={first.pk}", "02 – Supplement request", "03/03/2025"),
        (f"{base}supplement-request/?event={second.pk}", "02 – Supplement request", "05/03/2025"),
        (
            f"{base}apology/?event={events[A.APOLOGISE].pk}",
            "04 – Apology and new appointment",
            "07/03/2025",
        ),
        # No stop notice in Thông tư 01/2018: listed by name, without a number.
        (f"{base}stop-notice/?event={events[A.WITHDRAW].pk}", "Stop notice", "10/03/2025"),
    ]
    with translation.override("vi"):
        html = printed_forms_html(dossier)
    assert "Biểu mẫu in" in html


def test_the_printed_forms_list_of_a_refused_dossier_links_the_refusal(province):
    leader = province.officer("justice", R.LEADER)
    dossier = services.act(receive(province), A.REFUSE, leader, at=at(2025, 3, 3, 10), comment="x")
    event = dossier.events.get(action=A.REFUSE)
    with translation.override("en"):
        html = printed_forms_html(dossier)
    assert f"/forms/refusal/?event={event.pk}" in html and "03 – Refusal" in html


def test_dossier_page_and_desk_screen_link_the_forms_by_name(client, province):
    o = province.officer
    dossier = receive(province)
    client.force_login(o("justice", R.DESK_OFFICER))
    base = f"/office/dossiers/{dossier.code}/forms/"
    html = client.get(dossier.get_absolute_url()).content.decode()
    assert f"{base}receipt/" in html and f"{base}control-slip/" in html
    assert f"{base}supplement-request/" not in html and f"{base}refusal/" not in html
    assert ".pdf" not in html  # no numbered paths any more
    dossier = services.act(dossier, A.FORWARD, o("justice", R.DESK_OFFICER), at=MONDAY_9)
    dossier = services.act(
        dossier,
        A.REQUEST_SUPPLEMENT,
        o("justice", R.SPECIALIST),
        at=at(2025, 3, 3, 10),
        comment="x",
    )
    event = dossier.events.get(action=A.REQUEST_SUPPLEMENT)
    html = client.get(dossier.get_absolute_url()).content.decode()
    assert f"{base}supplement-request/?event={event.pk}" in html
    receipt = client.get("/office/receive/").content.decode()
    desk_id = o("justice", R.DESK_OFFICER).posts.get().desk_id
    assert f"/office/desks/{desk_id}/forms/tracking-book/" in receipt
    # The numbered paths are gone: their numbers meant other forms in other instruments.
    assert client.get(f"{base}04.pdf").status_code == 404


def test_desk_officer_of_a_commune_gets_the_commune_as_place(client, rendered):
    """A commune's own forms carry the commune's name in the date line."""
    from motcua.catalog.tests.factories import make_procedure
    from motcua.org import services as units
    from motcua.org.constants import AgencyKind
    from motcua.org.models import Agency

    district = units.create_unit("347", "Thành phố Phủ Lý", "Thành phố")
    ward = units.create_unit("13285", "Phường Quang Trung", "Phường", district)
    city = Agency.objects.create(
        code="000.00.21.H40",
        name="UBND thành phố Phủ Lý",
        kind=AgencyKind.DISTRICT_PC,
        level=Level.DISTRICT,
        admin_unit=district,
    )
    commune = Agency.objects.create(
        code="000.01.21.H40",
        name="UBND phường Quang Trung",
        kind=AgencyKind.COMMUNE_PC,
        level=Level.COMMUNE,
        parent=city,
        admin_unit=ward,
    )
    desk = org_services.open_desk(commune, "Bộ phận một cửa phường Quang Trung")
    officer = User.objects.create_user("qt.desk", password="pw-not-used-123")
    org_services.appoint(officer, commune, R.DESK_OFFICER, desk=desk)
    procedure = make_procedure(name="Đăng ký khai sinh", level="commune", documents=[])
    dossier = services.receive(
        procedure=procedure,
        applicant=dict(APPLICANT),
        channel=Channel.COUNTER,
        actor=officer,
        desk=desk,
        received_at=MONDAY_9,
    )
    client.force_login(officer)
    assert client.get(f"/office/dossiers/{dossier.code}/forms/receipt/").status_code == 200
    head = rendered[-1][1]["letterhead"]
    assert (head.parent, head.agency) == ("UBND THÀNH PHỐ PHỦ LÝ", "UBND PHƯỜNG QUANG TRUNG")
    assert head.date_line == "Quang Trung, ngày 03 tháng 3 năm 2025"


# --- Numbering per instrument ------------------------------------------------------------------

TT01 = "Thông tư 01/2018/TT-VPCP art. 9"
# Hand-written from the law (docs: /work/shared/domain/vn-one-stop-rules.md, "Forms"): if
# anyone renumbers a form in forms_data, this table and the code disagree.
TT01_2018_NUMBERS = [
    # (form name, number, citation)
    ("receipt", "01", TT01),  # Giấy tiếp nhận hồ sơ và hẹn trả kết quả
    ("supplement-request", "02", TT01),  # Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ
    ("refusal", "03", TT01),  # Phiếu từ chối tiếp nhận giải quyết hồ sơ
    ("apology", "04", TT01),  # Phiếu xin lỗi và hẹn lại ngày trả kết quả
    ("control-slip", "05", TT01),  # Phiếu kiểm soát quá trình giải quyết hồ sơ
    ("tracking-book", "06", TT01),  # Sổ theo dõi hồ sơ
]


@pytest.mark.parametrize("name, number, citation", TT01_2018_NUMBERS)
def test_thong_tu_01_2018_numbers_each_form_as_the_law_does(name, number, citation):
    ref = forms.form_ref(name, date(2020, 6, 1))
    assert (ref.basis, ref.number) == ("Thông tư 01/2018/TT-VPCP", number), citation


def test_thong_tu_01_2018_has_no_stop_notice_and_03_2025_adds_it_unnumbered():
    tt01 = forms.instrument_by_id("tt01-2018")
    assert set(tt01.numbers) == {name for name, _, _ in TT01_2018_NUMBERS}
    assert forms.form_ref("stop-notice", date(2020, 6, 1)) == forms.FormRef("stop-notice")
    tt03 = forms.instrument_by_id("tt03-2025")
    assert tt03.title == "Thông tư 03/2025/TT-VPCP"
    assert set(tt03.numbers) == set(forms.FORM_NAMES)  # the names, stop notice included
    assert set(tt03.numbers.values()) == {None}  # numbering not confirmed
    assert forms.TITLES["stop-notice"] == "Thông báo dừng giải quyết hồ sơ"


@pytest.mark.parametrize(
    "day, instrument",
    [
        (date(2018, 12, 31), None),  # before Thông tư 01/2018 was in force
        (date(2019, 1, 8), "Thông tư 01/2018/TT-VPCP"),
        (date(2025, 6, 30), "Thông tư 01/2018/TT-VPCP"),
        (date(2025, 7, 1), "Thông tư 03/2025/TT-VPCP"),  # in force since 1 July 2025
        (date(2026, 12, 6), "Thông tư 03/2025/TT-VPCP"),
    ],
)
def test_the_instrument_in_force_is_chosen_by_the_form_date(day, instrument):
    assert forms.form_ref("apology", day).basis == (instrument or "")


def apologise(province, received_at, apologised_at):
    o = province.officer
    dossier = receive(province, received_at)
    dossier = services.act(dossier, A.FORWARD, o("justice", R.DESK_OFFICER), at=received_at)
    return services.act(
        dossier,
        A.APOLOGISE,
        o("justice", R.LEADER),
        at=apologised_at,
        new_due_at=apologised_at + timedelta(days=14),
        comment="Phải xác minh thông tin tại cơ quan công an.",
    )


def test_an_apology_prints_the_number_and_basis_of_its_date(client, province, rendered):
    old = apologise(province, at(2020, 3, 2, 9), at(2020, 3, 6, 9))
    new = apologise(province, at(2026, 3, 2, 9), at(2026, 3, 6, 9))
    client.force_login(province.officer("justice", R.LEADER))
    assert client.get(f"/office/dossiers/{old.code}/forms/apology/").status_code == 200
    text, _, _ = laid_out(*rendered[-1])
    assert "Mẫu số 04 – Thông tư 01/2018/TT-VPCP" in text
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert client.get(f"/office/dossiers/{new.code}/forms/apology/").status_code == 200
    text, _, _ = laid_out(*rendered[-1])
    assert "Mẫu theo Thông tư 03/2025/TT-VPCP" in text
    assert "Mẫu số" not in text and "01/2018" not in text


def test_a_number_given_by_the_data_is_printed(client, province, rendered, monkeypatch):
    dossier = apologise(province, at(2026, 3, 2, 9), at(2026, 3, 6, 9))
    tt01, tt03 = forms.INSTRUMENTS
    confirmed = dataclasses.replace(tt03, numbers={**tt03.numbers, "apology": "07"})
    monkeypatch.setattr(forms, "INSTRUMENTS", (tt01, confirmed))
    client.force_login(province.officer("justice", R.LEADER))
    assert client.get(f"/office/dossiers/{dossier.code}/forms/apology/").status_code == 200
    text, _, _ = laid_out(*rendered[-1])
    assert "Mẫu số 07 – Thông tư 03/2025/TT-VPCP" in text


def test_a_setting_chooses_the_instrument_whatever_the_date(client, province, rendered, settings):
    dossier = apologise(province, at(2026, 3, 2, 9), at(2026, 3, 6, 9))
    settings.MOTCUA = {**settings.MOTCUA, "FORMS_INSTRUMENT": "tt01-2018"}
    client.force_login(province.officer("justice", R.LEADER))
    assert client.get(f"/office/dossiers/{dossier.code}/forms/apology/").status_code == 200
    text, _, _ = laid_out(*rendered[-1])
    assert "Mẫu số 04 – Thông tư 01/2018/TT-VPCP" in text
    settings.MOTCUA = {**settings.MOTCUA, "FORMS_INSTRUMENT": "tt99-2030"}
    with pytest.raises(ImproperlyConfigured, match="tt99-2030"):
        printing.form_ref("apology", date(2026, 3, 6))


def test_forms_are_a5_and_the_tracking_book_a4_landscape(province):
    dossier = receive(province)
    context = printing.receipt_context(dossier, list(dossier.events.all()), "http://x/")
    _, pages, (width, height) = laid_out(printing.TEMPLATES["receipt"], context)
    assert pages == 1
    assert (round(width * 25.4 / 96), round(height * 25.4 / 96)) == (148, 210)  # A5, mm


# --- Stop notice -------------------------------------------------------------------------------


def test_the_stop_notice_documents_the_withdrawal(client, province, rendered):
    o = province.officer
    dossier = receive(province)
    url = f"/office/dossiers/{dossier.code}/forms/stop-notice/"
    client.force_login(o("justice", R.DESK_OFFICER))
    assert client.get(url).status_code == 404  # not withdrawn
    services.act(
        dossier,
        A.WITHDRAW,
        o("justice", R.DESK_OFFICER),
        at=at(2025, 8, 4, 10, 15),
        comment="Người yêu cầu đề nghị rút hồ sơ để bổ sung giấy tờ khác",
    )
    response = client.get(url)
    data = assert_vietnamese_pdf(response, f"{dossier.code}-stop-notice.pdf")
    assert data.startswith(b"%PDF")
    [(template, context)] = rendered
    html = printing.render_html(template, context)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in html
    assert "Người yêu cầu đề nghị rút hồ sơ để bổ sung giấy tờ khác" in html
    assert dossier.code in html
    text, pages, (width, height) = laid_out(template, context)
    assert pages == 1 and (round(width * 25.4 / 96), round(height * 25.4 / 96)) == (148, 210)
    for expected in [
        "Mẫu theo Thông tư 03/2025/TT-VPCP",  # dated August 2025
        "SỞ TƯ PHÁP",
        "Hà Nam, ngày 04 tháng 8 năm 2025",
        "Kính gửi: Nguyễn Văn An",
        "Ngày 03/03/2025, Quầy Sở Tư pháp tiếp nhận hồ sơ của Ông/Bà Nguyễn Văn An",
        "đề nghị giải quyết thủ tục: Cấp Phiếu lý lịch tư pháp",
        f"Mã hồ sơ: {dossier.code}",
        "Lý do: Người yêu cầu đề nghị rút hồ sơ để bổ sung giấy tờ khác.",
        "kể từ 10 giờ 15 phút, ngày 04/08/2025",
        str(o("justice", R.DESK_OFFICER)),
    ]:
        assert expected in text, expected
    # Who may not see the dossier may not print it.
    for user in (o("health", R.DESK_OFFICER), o("health", R.LEADER)):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_stop_notice_before_thong_tu_03_2025_prints_no_legal_basis(province):
    o = province.officer
    dossier = services.act(
        receive(province),
        A.WITHDRAW,
        o("justice", R.DESK_OFFICER),
        at=at(2025, 3, 4, 9),
        comment="Đơn đề nghị dừng giải quyết hồ sơ ngày 04/3/2025",
    )
    context = printing.stop_notice_context(dossier, dossier.events.get(action=A.WITHDRAW))
    assert context["form"] == forms.FormRef("stop-notice")
    html = printing.render_html(printing.TEMPLATES["stop-notice"], context)
    assert 'class="form-number"' not in html


# --- Extreme dates -----------------------------------------------------------------------------

END_OF_TIME = datetime(9999, 12, 31, 23, 0, tzinfo=ZoneInfo("UTC"))  # year 10000 in Hà Nội


def test_forms_render_with_dates_at_the_end_of_the_calendar(client, province, rendered):
    o = province.officer
    dossier = apologise(province, at(2025, 3, 3, 9), at(2025, 3, 7, 9))
    Dossier.objects.filter(pk=dossier.pk).update(due_at=END_OF_TIME)
    # Events are append-only: the bad data comes as a later event, as an old import might.
    apology = dossier.events.get(action=A.APOLOGISE)
    DossierEvent.objects.create(
        dossier=dossier,
        at=apology.at,
        actor=apology.actor,
        action=A.APOLOGISE,
        from_status=apology.from_status,
        to_status=apology.to_status,
        agency=apology.agency,
        comment=apology.comment,
        data={"previous_due_at": "garbage", "new_due_at": END_OF_TIME.isoformat()},
    )
    client.force_login(o("justice", R.LEADER))
    base = f"/office/dossiers/{dossier.code}/forms/"
    for name in ("receipt", "control-slip", "apology"):
        assert client.get(f"{base}{name}/").content.startswith(b"%PDF"), name
    receipt, slip, apology_ = (c for _, c in rendered)
    assert receipt["due_at"] == "23 giờ 59 phút, ngày 31/12/9999"
    assert slip["due_at"] == "23 giờ 59 phút, ngày 31/12/9999"
    assert (apology_["previous_due_at"], apology_["new_due_at"]) == (
        "",
        "23 giờ 59 phút, ngày 31/12/9999",
    )
    desk = o("justice", R.DESK_OFFICER).posts.get().desk
    client.force_login(o("justice", R.DESK_OFFICER))
    response = client.get(
        f"/office/desks/{desk.pk}/forms/tracking-book/", {"from": "2025-03-01", "to": "2025-03-31"}
    )
    assert response.content.startswith(b"%PDF")
    [row] = rendered[-1][1]["rows"]
    assert row.due_at == "23:59 31/12/9999"
    assert row.remarks == [("apology", "21/03/2025"), ("apology", "31/12/9999")]
    # The stop notice of a withdrawal recorded at the very end of the calendar.
    DossierEvent.objects.create(
        dossier=dossier,
        at=END_OF_TIME,
        actor=o("justice", R.DESK_OFFICER),
        action=A.WITHDRAW,
        from_status=dossier.status,
        to_status="withdrawn",
        agency=dossier.current_agency,
        comment="Rút",
    )
    assert client.get(f"{base}stop-notice/").content.startswith(b"%PDF")
    assert rendered[-1][1]["letterhead"].day == date(9999, 12, 31)
    assert "31/12/9999" in printed_forms_html(Dossier.objects.get(pk=dossier.pk))


@pytest.mark.parametrize(
    "period",
    [
        {"from": "9999-12-01", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-31"},
        {"from": "2025-03-01", "to": "2025-03-01\x00"},
        {"from": "2025-03-01", "to": "9" * 10_000},
    ],
)
def test_the_tracking_book_refuses_periods_it_cannot_print(client, province, period):
    officer = province.officer("justice", R.DESK_OFFICER)
    client.force_login(officer)
    response = client.get(
        f"/office/desks/{officer.posts.get().desk_id}/forms/tracking-book/", period
    )
    assert response.status_code == 400
    assert not response.content.startswith(b"%PDF")
