"""Postal dossiers of the demo traffic come through the postal services (demo/postal.py):
each has the pickup order the post delivered it by, with the operator's events, and a
result sent by post has its delivery order; nothing went to an operator (no outbox call)."""

import pytest

from motcua.dossiers.models import Channel, Dossier, ResultDelivery
from motcua.dossiers.workflow import Action
from motcua.outbox.models import Message
from motcua.postal.models import PostalOrder

pytestmark = pytest.mark.django_db


def test_every_postal_dossier_arrived_by_a_delivered_pickup(province):
    postal = Dossier.objects.filter(channel=Channel.POST)
    assert postal.exists()
    for dossier in postal:
        pickup = dossier.postal_orders.get(direction="dossier")
        statuses = list(pickup.events.values_list("status", flat=True))
        assert statuses == ["accepted", "picked_up", "in_transit", "delivered"]
        assert pickup.events.get(status="delivered").at == dossier.submitted_at
        assert pickup.tracking_number and pickup.fee > 0
        assert dossier.events.order_by("at", "id").first().action == Action.SUBMIT
        assert dossier.idempotency_key == f"postal:{pickup.reference}"


def test_results_by_post_have_their_delivery_order(province):
    returned = Dossier.objects.filter(
        channel=Channel.POST, result_delivery=ResultDelivery.POST, returned_at__isnull=False
    )
    assert returned.exists()
    for dossier in returned:
        order = dossier.postal_orders.get(direction="result")
        event = dossier.events.get(action=Action.RETURN_RESULT)
        assert event.data["postal_order"] == order.reference
        assert order.recipient_address == dossier.result_address
        assert all(e.at >= dossier.returned_at for e in order.events.all())


def test_the_demo_sent_nothing_to_an_operator(province):
    assert PostalOrder.objects.exists()
    assert not Message.objects.filter(channel="call").exists()
