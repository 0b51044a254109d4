"""The demo traffic's fees are paid through the payments services (demo/payments.py): online
applicants through the gateway or a VietQR transfer the desk confirms, counter applicants in
cash, each payment with its receipt; the QĐ 766 "paid online" indicator then has numbers,
and the fact table agrees with a direct count of the dossiers."""

from datetime import date

import pytest

from motcua.demo.traffic import YEAR
from motcua.dossiers.models import Channel, Dossier
from motcua.index766 import indicators
from motcua.payments.fees import amount_due
from motcua.payments.models import Channel as PaymentChannel
from motcua.payments.models import Payment
from motcua.payments.models import Status as PaymentStatus

pytestmark = pytest.mark.django_db
THE_YEAR = indicators.Period(date(YEAR, 1, 1), date(YEAR, 12, 31))


def test_online_fees_are_paid_through_the_gateway_and_by_transfer(province):
    paid = Payment.objects.filter(status=PaymentStatus.PAID).select_related("dossier")
    channels = {p.channel for p in paid if p.dossier.channel == Channel.ONLINE}
    assert {PaymentChannel.GATEWAY, PaymentChannel.BANK_TRANSFER} <= channels
    assert {p.channel for p in paid if p.dossier.channel == Channel.COUNTER} == {
        PaymentChannel.COUNTER
    }
    for payment in paid:
        dossier = payment.dossier
        assert dossier.fee_paid and payment.receipt_number is not None
        assert payment.amount == dossier.fee_amount == amount_due(dossier) > 0
        if payment.channel != PaymentChannel.COUNTER:  # the applicant paid from the account
            assert payment.created_by_id == dossier.applicant.user_id is not None
        assert payment.paid_at >= (dossier.submitted_at or dossier.received_at)


def test_the_paid_online_indicator_has_numbers_and_the_facts_agree(province):
    counts = indicators.counts(None, THE_YEAR)["paid_online"]
    denominator, numerator = indicators.dossier_sets("paid_online", THE_YEAR)
    province = indicators.scoped_dossiers(None)  # the parts of chains count once, as the parent
    direct_total = province.filter(denominator).count()
    direct_paid = province.filter(denominator & numerator).count()
    assert 0 < direct_paid < direct_total
    assert (counts.numerator, counts.denominator) == (direct_paid, direct_total)


def test_no_dossier_that_ended_without_a_result_was_paid(province):
    ended = Dossier.objects.filter(status__in=("refused", "withdrawn", "closed"))
    assert not Payment.objects.filter(dossier__in=ended, status=PaymentStatus.PAID).exists()
