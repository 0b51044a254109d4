"""Citizens with accounts (made through the one write path, from claims) and their dossiers."""

from motcua.accounts import services
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel
from motcua.dossiers.tests.factories import receive_at_counter
from motcua.dossiers.workflow import Action
from motcua.org.constants import Role

ISSUER = "https://id.example.gov.vn/o"


def claims(sub="sub-an", **extra) -> dict:
    return {
        "sub": sub,
        "kind": "person",
        "name": "Nguyễn Văn An",
        "id_number": "035085001234",
        "birthdate": "1985-03-12",
        "phone_number": "0912345678",
        "email": "nguyenvanan@example.vn",
        "address": {"formatted": "Số 12 Lê Hồng Phong, Phủ Lý, Hà Nam"},
        "identity_level": 2,
        **extra,
    }


def make_citizen(sub="sub-an", **extra):
    """A citizen who signed in once: their account (and its user)."""
    return services.sign_in_from_claims(ISSUER, claims(sub, **extra))


def second_citizen():
    return make_citizen(
        "sub-ngoc",
        name="Trần Thị Bích Ngọc",
        id_number="035192004567",
        birthdate="1992-07-25",
        phone_number="0987654321",
        email="ngoc@example.vn",
    )


def dossier_of(province, account):
    """A dossier received at the Sở Tư pháp desk for the account's applicant."""
    return receive_at_counter(province, applicant=services.applicant_for(account.user))


def awaiting_supplement(province, account, items="Bổ sung bản sao Căn cước công dân"):
    """A dossier of the account's applicant that the specialist sent back for a supplement."""
    dossier = dossier_of(province, account)
    desk = province.officer("justice", Role.DESK_OFFICER)
    specialist = province.officer("justice", Role.SPECIALIST)
    dossier = dossier_services.act(dossier, Action.FORWARD, desk, to_user=specialist)
    return dossier_services.act(dossier, Action.REQUEST_SUPPLEMENT, specialist, comment=items)


def incomplete_online(province, account, items="Thiếu tờ khai có chữ ký"):
    """An online dossier the desk found incomplete before receipt (guided to complete it)."""
    desk_officer = province.officer("justice", Role.DESK_OFFICER)
    province.procedure.channel_online = True
    province.procedure.save(update_fields=["channel_online"])
    dossier = dossier_services.receive(
        procedure=province.procedure,
        applicant=services.applicant_for(account.user),
        channel=Channel.ONLINE,
        desk=desk_officer.posts.get().desk,
        documents=province.documents(),
        submit_only=True,
    )
    return dossier_services.act(dossier, Action.REQUEST_SUPPLEMENT, desk_officer, comment=items)
