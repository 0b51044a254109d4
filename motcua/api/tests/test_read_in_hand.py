"""What the API reads with its token and its procedure, in one statement each, is what the
services and the permissions would read themselves (docs/performance.md, "Intake")."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from motcua.api import prepared, services
from motcua.api.dossiers import _procedure
from motcua.api.tests.factories import make_token
from motcua.catalog import services as catalog_services
from motcua.catalog.models import Procedure, ProcedureVersion, RequiredDocument
from motcua.dossiers import permissions
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel, Delegation, Process, ProcessStep
from motcua.dossiers.tests.factories import APPLICANT
from motcua.org import services as org_services
from motcua.org.constants import Role
from motcua.org.models import Officer, User

pytestmark = pytest.mark.django_db
R = Role


def _fresh(user):
    return User.objects.get(pk=user.pk)  # without posts kept on it


def test_the_token_brings_the_posts_permissions_would_read(province):
    now = timezone.now()
    deputy = province.officer("justice", R.SPECIALIST)
    org_services.appoint(deputy, province.health, R.SPECIALIST)
    Officer.objects.filter(user=deputy, agency=province.health).update(
        valid_to=timezone.localdate() - timedelta(days=1)  # ended: not in force
    )
    Delegation.objects.create(
        leader=province.officer("justice", R.LEADER),
        deputy=deputy,
        agency=province.justice,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    Delegation.objects.create(  # over: not in force
        leader=province.officer("health", R.LEADER),
        deputy=deputy,
        agency=province.health,
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=2),
    )
    token = services.find_token(make_token(deputy))

    expected = permissions.posts(_fresh(deputy))
    assert sorted(permissions.posts(token.user)) == sorted(expected)
    assert sorted(expected) == [
        (province.justice.pk, R.LEADER, province.justice.kind),
        (province.justice.pk, R.SPECIALIST, province.justice.kind),
    ]


def test_the_token_brings_its_agencies(province):
    user = province.officer("justice", R.DESK_OFFICER)
    narrowed = services.find_token(make_token(user, province.justice, province.health))
    whole = services.find_token(make_token(user, name="Cả tỉnh"))
    assert narrowed._agency_ids == {province.justice.pk, province.health.pk}
    assert whole._agency_ids == set()


def _amended(province, *, on):
    procedure = Procedure.objects.get(pk=province.procedure.pk)
    data = catalog_services.version_on(procedure, timezone.localdate()).data
    return catalog_services.amend_procedure(
        procedure, {**data, "name": "Cấp Phiếu lý lịch tư pháp (sửa đổi)"}, effective_on=on
    )


def test_the_procedure_brings_what_a_receipt_reads(province):
    today = timezone.localdate()
    _amended(province, on=today + timedelta(days=10))  # a later version, not yet in force
    general = Process.objects.create(procedure=province.procedure, name="Quy trình chung")
    ProcessStep.objects.create(
        process=general, position=1, name="Chung", role=R.DESK_OFFICER, allotted_hours=1
    )
    RequiredDocument.objects.create(procedure=province.procedure, position=0, name="Tờ khai")

    procedure = _procedure(province.procedure.code, None)

    stored = Procedure.objects.get(pk=procedure.pk)
    day, version = procedure.intake_version
    assert day == today and version == catalog_services.version_on(stored, today)
    assert version.number == 1 and stored.versions.count() == 2  # not the latest one
    agency_id, step = procedure.intake_first_step
    expected = dossier_services.first_step_for(stored, province.justice)
    assert agency_id == province.justice.pk and step == expected
    assert (step.name, step.allotted_hours, step.process_id) == (
        expected.name,
        Decimal("4.00"),
        expected.process_id,
    )
    assert list(procedure.documents.all()) == list(stored.documents.all())
    assert [d.mandatory for d in procedure.documents.all()] == [
        d.mandatory for d in stored.documents.all()
    ]


def test_the_general_process_when_the_agency_has_none(province):
    Process.objects.filter(procedure=province.procedure).update(is_active=False)
    general = Process.objects.create(procedure=province.procedure, name="Quy trình chung")
    first = ProcessStep.objects.create(
        process=general, position=1, name="Chung", role=R.DESK_OFFICER, allotted_hours=1
    )
    assert _procedure(province.procedure.code, None).intake_first_step == (
        province.justice.pk,
        first,
    )


def test_a_day_without_a_version_in_force(province):
    before = timezone.now() - timedelta(days=3650)  # before the procedure existed
    procedure = _procedure(province.procedure.code, before)
    assert procedure.intake_version == (timezone.localdate(before), None)


def test_the_services_read_themselves_for_another_day_or_agency(province):
    """What the caller read for another day of receipt or another performing agency is not
    used: a receipt read just before midnight and received after it."""
    procedure = _procedure(province.procedure.code, None)
    yesterday = timezone.localdate() - timedelta(days=1)
    procedure.intake_version = (yesterday, None)  # would refuse the receipt if used
    procedure.intake_first_step = (province.health.pk, None)  # would leave it without a step
    dossier = dossier_services.receive(
        procedure=procedure,
        applicant=APPLICANT,
        channel=Channel.COUNTER,
        actor=province.officer("justice", R.DESK_OFFICER),
        desk=province.officer("justice", R.DESK_OFFICER).posts.get().desk,
        documents=province.documents(),
    )
    assert dossier.procedure_version == catalog_services.version_on(procedure, timezone.localdate())
    assert dossier.current_step.position == 1


def test_a_query_whose_shape_depends_on_a_value_is_not_prepared(province):
    def shaped(day):  # the day before `day`: a value computed from the parameter
        return ProcedureVersion.objects.filter(valid_from__lte=day - timedelta(days=1))

    with pytest.raises(ValueError):
        prepared.Prepared(shaped, day="date").first(day=timezone.localdate())


def test_a_prepared_query_answers_as_first_does(province):
    query = prepared.Prepared(
        lambda code: Procedure.objects.select_related("agency").filter(code=code), code="str"
    )
    found = query.first(code=province.procedure.code)
    assert found == province.procedure and found.agency == province.justice
    assert query.first(code="không có") is None
    assert query.first(code="x'; DROP TABLE catalog_procedure; --") is None
