"""An applicant who chose the result electronically (Dossier.result_delivery electronic) and
has a portal account gets it in the account when it is signed: the dossier is returned then,
by the system, through dossiers.services (NĐ 45/2020/NĐ-CP as amended: an electronic result
has the legal value of the paper one [check]). Every other choice waits for the desk."""

import pytest

from motcua.accounts.tests.factories import make_citizen
from motcua.dossiers.models import ResultDelivery
from motcua.dossiers.workflow import Action, Status
from motcua.results.models import ResultDocument
from motcua.results.models import Status as ResultStatus
from motcua.results.tests.conftest import at_leader, complete

pytestmark = pytest.mark.django_db

# (result delivery chosen, applicant has an account, returned when signed) — rule: only an
# electronic result the applicant can download from their account is delivered by signing.
TABLE = [
    (ResultDelivery.ELECTRONIC, True, True),
    (ResultDelivery.ELECTRONIC, False, False),  # no account: nowhere to deliver it
    (ResultDelivery.DESK, True, False),
    (ResultDelivery.POST, True, False),  # the postal service delivers it
    ("", True, False),  # counter dossiers before the choice was recorded
]


def signed_with(province, certs, capture, delivery, with_account):
    dossier = at_leader(province)
    if with_account:
        dossier.applicant.user = make_citizen().user
        dossier.applicant.save()
    dossier.result_delivery = delivery
    dossier.save(update_fields=["result_delivery"])
    with capture(execute=True):
        complete(province, dossier)
    dossier.refresh_from_db()
    assert ResultDocument.objects.get(dossier=dossier).status == ResultStatus.SIGNED
    return dossier


@pytest.mark.parametrize(("delivery", "with_account", "returned"), TABLE)
def test_signing_returns_only_an_electronic_result_given_to_an_account(
    province, certs, django_capture_on_commit_callbacks, delivery, with_account, returned
):
    dossier = signed_with(
        province, certs, django_capture_on_commit_callbacks, delivery, with_account
    )
    if not returned:
        assert dossier.status == Status.RESULT_READY and dossier.returned_at is None
        assert not dossier.events.filter(action=Action.RETURN_RESULT).exists()
        return
    assert dossier.status == Status.RETURNED
    event = dossier.events.get(action=Action.RETURN_RESULT)
    result = ResultDocument.objects.get(dossier=dossier)
    assert event.actor_id is None and event.comment  # by the system, saying how
    assert dossier.returned_at == event.at >= result.signed_at >= dossier.finished_at
    assert dossier.facts  # the fact table follows the return


def test_signing_again_does_not_return_twice(province, certs, django_capture_on_commit_callbacks):
    from motcua.results import services

    dossier = signed_with(
        province, certs, django_capture_on_commit_callbacks, ResultDelivery.ELECTRONIC, True
    )
    result = ResultDocument.objects.get(dossier=dossier)
    assert services.sign(result.pk, force=True) == ResultStatus.SIGNED
    assert dossier.events.filter(action=Action.RETURN_RESULT).count() == 1
