"""My dossiers' dossier page shows what the applicant submitted online (the e-form's
answers) and the signed electronic result (number, signer, download, verification), and
nothing of either to another citizen."""

import pytest
from django.utils import timezone

from motcua.accounts.tests.factories import make_citizen, second_citizen
from motcua.eforms.models import FormRecord
from motcua.results.models import ResultDocument

pytestmark = pytest.mark.django_db
BACKEND = "motcua.accounts.oidc.CitizenBackend"
REQUEST = "Đề nghị cấp Phiếu lý lịch tư pháp số 2 <b>để</b> xin việc"


@pytest.fixture
def owner(signed):
    account = make_citizen()
    signed.applicant.user = account.user
    signed.applicant.save()
    return account


def page(client, account, dossier) -> str:
    client.force_login(account.user, backend=BACKEND)
    response = client.get(f"/my/dossiers/{dossier.code}/")
    assert response.status_code == 200
    return response.content.decode()


def answered(dossier, account, request=REQUEST):
    return FormRecord.objects.create(
        dossier=dossier,
        builtin="default-1",
        data={
            "applicant_name": account.full_name,
            "address": "Số 12 Lê Hồng Phong, Phủ Lý",
            "request": request,
            "declaration": True,
        },
        identity_verified=True,
        identity_provider="test",
        submitted_by=account.user,
        submitted_at=timezone.now(),
    )


def test_the_page_shows_the_signed_result_without_the_internals(client, signed, owner):
    html = page(client, owner, signed)
    result = ResultDocument.objects.get(dossier=signed)
    assert 'class="card result-document"' in html
    assert f"/results/{signed.code}/download/" in html and "/verify/" in html
    assert result.certificate_serial not in html  # the officers' detail only


def test_the_page_shows_the_answers_of_the_online_form_escaped(client, signed, owner):
    assert 'class="card portal-eform"' not in page(client, owner, signed)  # none submitted
    answered(signed, owner)
    html = page(client, owner, signed)
    assert 'class="card portal-eform"' in html
    assert "Đề nghị cấp Phiếu lý lịch tư pháp số 2 &lt;b&gt;để&lt;/b&gt; xin việc" in html
    assert "<b>để</b>" not in html


def test_another_citizen_sees_neither(client, signed, owner):
    answered(signed, owner)
    other = second_citizen()
    client.force_login(other.user, backend=BACKEND)
    response = client.get(f"/my/dossiers/{signed.code}/")
    assert response.status_code == 404
    assert "xin việc" not in response.content.decode()
