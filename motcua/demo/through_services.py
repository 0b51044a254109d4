"""Plans made through the services: `services.receive`/`submit`, then `services.act` for
each step, with the permission checks (each actor holds the step's role at its agency).

A few hundred dossiers of every seed, and the showcase, are made this way, so the service
path runs on every seed; tests/test_both_ways.py makes the same plans in bulk and compares.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from motcua.demo import online
from motcua.demo import postal as demo_postal
from motcua.demo.plans import Plan
from motcua.dossiers import services
from motcua.dossiers.models import Channel, Dossier, DossierDocument, DossierEvent


def run(plan: Plan) -> list[Dossier]:
    """Make the plan's dossier; returns it and its chain parts."""
    # Online plans come through the portal's service, as a citizen submits them.
    dossier = online.apply(plan) if plan.channel == Channel.ONLINE else None
    # Postal plans come through the postal services: pickup order, operator's events.
    dossier = demo_postal.submit(plan) if plan.channel == Channel.POST else dossier
    create = services.submit if plan.submit_only else services.receive
    kwargs = {"chain": plan.chain} if plan.chain is not None else {}
    dossier = dossier or create(
        procedure=plan.procedure,
        applicant=dict(plan.applicant),
        channel=plan.channel,
        actor=plan.creator,
        desk=plan.desk,
        documents=[dict(d) for d in plan.documents],
        received_at=plan.arrives_at,
        fee_amount=plan.fee,
        **kwargs,
    )
    for step in plan.steps:
        target = dossier if step.part is None else dossier.parts.get(chain_position=step.part)
        services.act(
            target,
            step.action,
            step.actor,
            at=step.at,
            comment=step.comment,
            reason=step.reason,
            to_user=step.to_user,
            new_due_at=step.new_due_at,
            result=step.result,
        )
    made = [dossier, *dossier.parts.order_by("pk")]
    set_back(made)
    return made


def set_back(dossiers) -> None:
    """created_at/updated_at (and the documents' uploaded_at) of the simulated history
    rather than of the seed's run: the first and the last event."""
    events = DossierEvent.objects.filter(dossier=OuterRef("pk"))
    ids = [d.pk for d in dossiers]
    Dossier.objects.filter(pk__in=ids).update(
        created_at=Subquery(events.order_by("at", "id").values("at")[:1]),
        updated_at=Subquery(events.order_by("-at", "-id").values("at")[:1]),
    )
    created = Dossier.objects.filter(pk=OuterRef("dossier_id")).values("created_at")[:1]
    DossierDocument.objects.filter(dossier_id__in=ids).update(uploaded_at=Subquery(created))
