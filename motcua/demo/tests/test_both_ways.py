"""The bulk writer writes what the services write: the same plan made through
`services.receive`/`submit`/`act` (with the permission checks) and by `writer.BulkWriter`
gives the same rows, field for field (dossier and parts, applicant, documents, events,
supplement requests, and what each adds to the statistics' fact table, with the table
itself), for every kind of dossier the planner makes."""

import pytest
from django.db import transaction
from django.forms.models import model_to_dict

from motcua.accounts.models import Account
from motcua.demo import life, through_services
from motcua.demo.org import Org
from motcua.demo.tests.conftest import make_plan
from motcua.demo.writer import BulkWriter
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.workflow import Action, Status
from motcua.eforms.models import FormRecord
from motcua.org.constants import Level
from motcua.stats.models import Fact

pytestmark = pytest.mark.django_db
A, S = Action, Status


def snapshot(dossier) -> list[dict]:
    """Every stored field of a dossier, its parts, applicant, documents, events and
    supplement requests, except primary keys and the random lookup password."""
    rows = []
    for d in [dossier, *dossier.parts.order_by("chain_position")]:
        row = model_to_dict(d, exclude=["id", "secret", "applicant", "parent"])
        row["created_at"], row["updated_at"] = d.created_at, d.updated_at
        row["last_entered_at"] = d.last_entered_at  # the stale block's (not editable)
        row["facts"] = d.facts  # what it adds to the statistics' fact table
        row["parent"] = d.parent.code if d.parent_id else None
        row["applicant"] = model_to_dict(d.applicant, exclude=["id"])
        # What the portal adds to an online dossier (through_portal).
        row["eform"] = FormRecord.objects.filter(dossier=d).exists()
        row["verified_account"] = Account.objects.filter(
            user_id=d.applicant.user_id, identity_verified=True
        ).exists()
        row["documents"] = [
            {**model_to_dict(doc, exclude=["id", "dossier", "file"]), "at": doc.uploaded_at}
            for doc in d.documents.order_by("id")
        ]
        row["events"] = [
            {**model_to_dict(e, exclude=["id", "dossier"]), "at": e.at}
            for e in d.events.order_by("at", "id")
        ]
        row["requests"] = [
            model_to_dict(r, exclude=["id", "dossier"])
            for r in d.supplement_requests.order_by("requested_at", "id")
        ]
        rows.append(row)
    return rows


def both_ways(plan):
    """The plan made through the services, then in bulk, each rolled back."""
    made = []
    for way in ("services", "bulk"):
        with transaction.atomic():
            if way == "services":
                dossier = Dossier.objects.get(pk=through_services.run(plan)[0].pk)
            else:
                writer = BulkWriter(Org())
                code = writer.write(plan).code
                writer.flush()
                dossier = Dossier.objects.get(code=code)
            made.append(snapshot(dossier))
            made[-1][0]["fact_table"] = sorted(
                Fact.objects.exclude(count=0, seconds=0).values_list(
                    "grain",
                    "day",
                    "agency_id",
                    "procedure_id",
                    "channel",
                    "kind",
                    "count",
                    "seconds",
                )
            )
            assert made[-1][0]["fact_table"] or dossier.received_at is None
            transaction.set_rollback(True)
    return made


def differences(a: list[dict], b: list[dict]) -> list:
    """(dossier index, field, services' value, bulk value) of every field that differs."""
    found = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        for key in sorted(set(x) | set(y)):
            if key in ("events", "documents", "requests"):
                assert len(x[key]) == len(y[key]), (i, key, x[key], y[key])
                for j, (e, f) in enumerate(zip(x[key], y[key], strict=True)):
                    found += [(i, key, j, k, e[k], f.get(k)) for k in e if e[k] != f.get(k)]
            elif x.get(key) != y.get(key):
                found.append((i, key, x.get(key), y.get(key)))
    return found


def through_portal(by_services: list[dict], in_bulk: list[dict]) -> None:
    """An online plan comes through the portal's service (demo/online.py): what the portal
    adds by design is checked here, then left out of the comparison. The applicant is the
    citizen's account (VNeID-verified) and submitted it; every paper is attached as a PDF,
    so the dossier counts as digitised; the form token is its idempotency key; the result
    is collected at the desk; the fee is due from the procedure's lines until paid."""
    made, bulk = by_services[0], in_bulk[0]
    user = made["applicant"].pop("user")
    assert user is not None and bulk["applicant"].pop("user") is None
    assert (made.pop("verified_account"), bulk.pop("verified_account")) == (True, False)
    assert (made.pop("eform"), bulk.pop("eform")) == (True, False)
    assert made["events"][0]["actor"] == user and made["events"][0]["action"] == "submit"
    bulk["events"][0]["actor"] = user
    assert made["documents"]
    assert all(d["content_type"] == "application/pdf" for d in made["documents"])
    for doc in [*made["documents"], *bulk["documents"]]:
        for key in ("originals", "copies", "content_type", "size"):
            doc.pop(key)
    assert made["idempotency_key"].startswith(f"eform:{user}:")
    assert made["result_delivery"] == "desk"
    for key in ("idempotency_key", "idempotency_fingerprint", "result_delivery", "fee_amount"):
        made.pop(key), bulk.pop(key)
    # The fact table differs only by the digitised flag (index 4 of each fact).
    assert all(f[4] for f in made["facts"]) and not any(f[4] for f in bulk["facts"])
    assert [f[:4] + f[5:] for f in made.pop("facts")] == [f[:4] + f[5:] for f in bulk.pop("facts")]
    made.pop("fact_table"), bulk.pop("fact_table")


def through_post(by_services: list[dict], in_bulk: list[dict]) -> None:
    """A postal plan comes through the postal services (demo/postal.py): its dossier is
    submitted when the pickup order is delivered, under the order's idempotency key, with
    where the applicant asked the result to go; the rest is the bulk writer's."""
    made, bulk = by_services[0], in_bulk[0]
    assert made["idempotency_key"].startswith("postal:BC")
    assert made["result_delivery"] in ("desk", "post")
    for key in ("idempotency_key", "idempotency_fingerprint", "result_delivery", "result_address"):
        made.pop(key), bulk.pop(key)
    for event in made["events"]:  # the return names the delivery order it made
        if event["action"] == "return_result" and made_by_post(event):
            event["data"].pop("postal_order")


def made_by_post(event) -> bool:
    return str(event["data"].get("postal_order", "")).startswith("BC")


KINDS = [
    # tier, channel, kind, the shares of life.py forced to 1 (variants)
    (Level.PROVINCE, Channel.COUNTER, "normal", ()),
    (Level.PROVINCE, Channel.COUNTER, "late", ()),
    (Level.DISTRICT, Channel.COUNTER, "late", ("LATE_APOLOGY_SHARE",)),
    (Level.DISTRICT, Channel.COUNTER, "supplemented", ()),  # the office, back through the desk
    (Level.PROVINCE, Channel.COUNTER, "supplemented", ("LATE_REQUEST_SHARE",)),
    (Level.PROVINCE, Channel.COUNTER, "supplemented", ("SECOND_REQUEST_SHARE",)),
    (Level.DISTRICT, Channel.COUNTER, "supplement_withdrawn", ()),
    (Level.PROVINCE, Channel.COUNTER, "closed", ()),
    (Level.PROVINCE, Channel.COUNTER, "refused", ()),
    (Level.COMMUNE, Channel.COUNTER, "withdrawn", ()),
    (Level.DISTRICT, Channel.ONLINE, "incomplete", ()),
    (Level.PROVINCE, Channel.POST, "refused_at_check", ()),
    (Level.PROVINCE, Channel.POST, "normal", ()),  # result by post: a delivery order
    (Level.COMMUNE, Channel.ONLINE, "withdrawn_at_check", ()),
    (Level.PROVINCE, Channel.ONLINE, "normal", ("LATE_COLLECTION_SHARE",)),
    (Level.COMMUNE, Channel.COUNTER, "chain", ()),
]


@pytest.mark.parametrize(("level", "channel", "kind", "forced"), KINDS)
def test_a_bulk_made_dossier_equals_one_made_by_the_services(
    province, monkeypatch, level, channel, kind, forced
):
    for name in forced:
        monkeypatch.setattr(life, name, 1.0)
    plan = make_plan(level, channel, kind, longest="LATE_REQUEST_SHARE" in forced)
    by_services, in_bulk = both_ways(plan)
    assert len(by_services) == (4 if kind == "chain" else 1)
    if channel == Channel.ONLINE:
        through_portal(by_services, in_bulk)
    if channel == Channel.POST:
        through_post(by_services, in_bulk)
    assert differences(by_services, in_bulk) == []
    first = by_services[0]
    if kind in ("supplemented", "closed", "supplement_withdrawn", "incomplete"):
        assert first["requests"], kind
    if "SECOND_REQUEST_SHARE" in forced:
        assert first["supplement_count"] == 2 and first["requests"][1]["reason"]
        assert first["events"][-5]["data"]["repeated"] is True
    if "LATE_REQUEST_SHARE" in forced:
        assert first["requests"][0]["reason"] and first["events"][2]["data"]["late"] is True
    if "LATE_APOLOGY_SHARE" in forced:
        apology = next(e for e in first["events"] if e["action"] == A.APOLOGISE)
        assert apology["data"]["late"] is True and apology["data"]["reason"]
    statuses = {
        "closed": S.CLOSED,
        "withdrawn": S.WITHDRAWN,
        "refused": S.REFUSED,
        "supplement_withdrawn": S.WITHDRAWN,
        "refused_at_check": S.REFUSED,
        "withdrawn_at_check": S.WITHDRAWN,
    }
    assert first["status"] == statuses.get(kind, S.RETURNED)
    if kind == "late":
        assert first["timeliness"] == "late" and first["apologised_at"]


def test_the_comparison_sees_a_difference(province):
    """The equality above is not vacuous: a plan changed by one minute differs."""
    plan = make_plan(Level.PROVINCE, Channel.COUNTER, "normal", seed=1)
    by_services, _bulk = both_ways(plan)
    plan.steps[1].at = plan.steps[1].at.replace(minute=(plan.steps[1].at.minute + 1) % 60)
    _services, in_bulk = both_ways(plan)
    assert differences(by_services, in_bulk) != []
