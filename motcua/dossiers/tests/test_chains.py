"""Inter-agency chains close the loop: the receiving desk returns the combined result, and
each agency sees only its own part."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from motcua.catalog.tests.factories import make_procedure
from motcua.dossiers import permissions, services
from motcua.dossiers.models import ChainLink, Channel, Dossier, InterAgencyChain, Timeliness
from motcua.dossiers.tests.factories import APPLICANT
from motcua.dossiers.workflow import Action, Status
from motcua.org import services as org_services
from motcua.org.constants import AgencyKind, Level, Role
from motcua.org.models import Agency, User

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
A, R = Action, Role


def at(*args):
    return datetime(*args, tzinfo=VN)


@pytest.fixture
def chain_setup():
    agencies, officers, procedures = {}, {}, {}
    names = {
        "commune": ("UBND phường Quang Trung", "Đăng ký khai tử", AgencyKind.COMMUNE_PC, "1"),
        "police": ("Công an thành phố Phủ Lý", "Xóa đăng ký thường trú", AgencyKind.OTHER, "2"),
        "labour": (
            "Phòng Lao động - Thương binh và Xã hội",
            "Hỗ trợ chi phí mai táng",
            AgencyKind.SPECIALIST_UNIT,
            "3",
        ),
    }
    for key, (name, procedure, kind, n) in names.items():
        agency = Agency.objects.create(
            code=f"000.0{n}.21.H40", name=name, kind=kind, level=Level.COMMUNE
        )
        agencies[key] = agency
        for role in (R.DESK_OFFICER, R.SPECIALIST, R.LEADER):
            user = User.objects.create_user(f"{key}.{role}", password="pw-not-used-123")
            org_services.appoint(user, agency, role)
            officers[(key, role)] = user
        procedures[key] = make_procedure(
            name=procedure,
            level="commune",
            local_duration="3",
            statutory_duration="5",
            documents=[],
        )
    desk = org_services.open_desk(agencies["commune"], "Bộ phận một cửa phường Quang Trung")
    officers[("commune", R.DESK_OFFICER)].posts.update(desk=desk)
    chain = InterAgencyChain.objects.create(name="Khai tử – xóa thường trú – mai táng phí")
    for position, key in enumerate(("commune", "police", "labour"), start=1):
        ChainLink.objects.create(
            chain=chain, position=position, procedure=procedures[key], agency=agencies[key]
        )
    return {
        "agencies": agencies,
        "officers": officers,
        "procedures": procedures,
        "desk": desk,
        "chain": chain,
    }


def finish_part(part, key, officers, when):
    o = lambda role: officers[(key, role)]  # noqa: E731
    part = services.act(part, A.FORWARD, o(R.SPECIALIST), at=when)
    return services.act(part, A.COMPLETE, o(R.LEADER), at=when.replace(hour=15))


def test_chain_runs_agency_after_agency_and_the_desk_returns_the_result(chain_setup):
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
    assert parent.status == Status.PROCESSING
    # Three positions of 3 working days each: due 9 working days later.
    assert parent.deadline_at == at(2025, 3, 14, 9, 0)
    first = parent.parts.get()
    assert first.performing_agency == s["agencies"]["commune"]
    # The police and labour office see nothing yet.
    assert not permissions.visible_dossiers(officers[("police", R.SPECIALIST)]).exists()
    with pytest.raises(services.DossierError):
        services.act(parent, A.COMPLETE, officers[("commune", R.LEADER)])

    finish_part(first, "commune", officers, at(2025, 3, 4, 9, 0))
    first.refresh_from_db()
    assert first.status == Status.RETURNED and first.timeliness == Timeliness.EARLY
    police_part = parent.parts.get(chain_position=2)
    police_sees = set(permissions.visible_dossiers(officers[("police", R.SPECIALIST)]))
    assert police_sees == {police_part}  # only its part, not the parent or other parts

    finish_part(police_part, "police", officers, at(2025, 3, 6, 9, 0))
    labour_part = parent.parts.get(chain_position=3)
    assert set(permissions.visible_dossiers(officers[("labour", R.LEADER)])) == {labour_part}
    finish_part(labour_part, "labour", officers, at(2025, 3, 10, 9, 0))

    parent.refresh_from_db()
    assert parent.parts.filter(status=Status.RETURNED).count() == 3
    assert parent.events.filter(action=A.HAND_BACK).exists()
    parent = services.act(
        parent,
        A.COMPLETE,
        officers[("commune", R.LEADER)],
        at=at(2025, 3, 10, 16, 0),
        result="Trích lục khai tử; xác nhận xóa thường trú; quyết định trợ cấp mai táng",
    )
    parent = services.act(
        parent, A.RETURN_RESULT, officers[("commune", R.DESK_OFFICER)], at=at(2025, 3, 11, 8, 0)
    )
    assert parent.status == Status.RETURNED and parent.timeliness == Timeliness.EARLY
    assert Dossier.objects.count() == 4


def test_a_part_signed_is_returned_to_the_receiving_desk_at_once(chain_setup):
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
    part = finish_part(parent.parts.get(), "commune", officers, at(2025, 3, 4, 9, 0))
    part.refresh_from_db()
    assert part.finished_at == part.returned_at == at(2025, 3, 4, 15, 0)
