"""The QĐ 766 index's two payment indicators, from records whose counts are worked out by
hand below (docs/index766.md; rules file, "QĐ 766/QĐ-TTg index": online payment ≥ 80%)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from motcua.catalog.tests.factories import make_procedure
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Channel
from motcua.dossiers.workflow import Action
from motcua.index766 import indicators
from motcua.org.constants import Role
from motcua.payments import services, signing
from motcua.payments.tests.factories import dossier_for, make_citizen

pytestmark = pytest.mark.django_db


def receive_other(province, procedure, applicant):
    desk = province.officer("justice", Role.DESK_OFFICER)
    return dossier_services.receive(
        procedure=procedure,
        applicant=applicant,
        channel=Channel.COUNTER,
        actor=desk,
        desk=desk.posts.get().desk,
        check_complete=False,
    )


def pay_online(dossier, citizen):
    payment, _ = services.start_gateway_payment(dossier, "dev", citizen, "http://t/r", "http://t/n")
    from django.conf import settings

    message = signing.signed(
        {
            "version": "1",
            "merchant": "MOTCUA",
            "reference": payment.reference,
            "amount": payment.amount,
            "currency": "VND",
            "transaction_no": f"T{payment.pk}",
            "response_code": "00",
            "transaction_status": "00",
        },
        settings.PAYMENTS["GATEWAYS"]["dev"]["SECRET"],
    )
    assert services.apply_callback("dev", message).accepted
    payment.refresh_from_db()
    return payment


def row(report, key):
    return next(r for g in report["groups"] for r in g["indicators"] if r["key"] == key)


def test_dossiers_paid_online_and_procedures_with_online_payment(province):
    citizen = make_citizen()
    desk = province.officer("justice", Role.DESK_OFFICER)
    free = make_procedure(agency=province.justice.code, fees=[])
    varying = make_procedure(
        agency=province.justice.code, fees=[{"name": "Phí thẩm định", "amount": None, "note": ""}]
    )
    make_procedure(agency=province.justice.code, fees=[{"name": "Miễn", "amount": 0, "note": ""}])

    # The Phiếu lý lịch tư pháp procedure (8 000 đ):
    d1 = dossier_for(province, citizen)  # paid through the gateway      → owes, paid online
    d2 = dossier_for(province, citizen)  # cash at the desk              → owes
    d3 = dossier_for(province, citizen)  # VietQR transfer confirmed     → owes, paid online
    dossier_for(province, citizen)  # d4, not paid yet                   → owes
    d5 = dossier_for(province, citizen)  # stopped unpaid                → owes nothing now
    d6 = dossier_for(province, citizen)  # cash, then a late online one  → owes (cash)
    pay_online(d1, citizen)
    services.record_cash(d2, desk)
    services.claim_transfer(d3, citizen)
    services.confirm_transfer(d3, "FT0003", desk)
    dossier_services.act(d5, Action.WITHDRAW, desk, comment="Người nộp xin rút")
    late, _ = services.start_gateway_payment(d6, "dev", citizen, "http://t/r", "http://t/n")
    services.record_cash(d6, desk)
    # Other procedures: a free one (owes nothing), one whose fee varies, unpaid (owes).
    receive_other(province, free, d1.applicant)
    receive_other(province, varying, d1.applicant)

    # Owing: d1 d2 d3 d4 d6 and the varying one = 6; paid online: d1 and d3 = 2.
    # 2/6 = 33,33 %; 33,33… × 4.4 / 100 = 1.4666… → 1.47 points.
    today = timezone.localdate()
    period = indicators.Period(today, today)
    counts = indicators.counts(None, period)
    assert (counts["paid_online"].numerator, counts["paid_online"].denominator) == (2, 6)
    # Fee-bearing procedures in force: the 8 000 đ one and the varying one (the free and the
    # zero-fee ones are not) = 2; with an online payment today: the first = 1.
    # 1/2 = 50 %, below the 80 % threshold: 50 × 4.4 / 80 = 2.75 points.
    procedures = counts["online_payment_procedures"]
    assert (procedures.numerator, procedures.denominator) == (1, 2)
    report = indicators.build(None, period)
    assert row(report, "paid_online")["points"] == Decimal("1.47")
    assert row(report, "paid_online")["status"] == "ok"
    assert row(report, "online_payment_procedures")["points"] == Decimal("2.75")
    # The drill-down lists the same dossiers.
    counted = indicators.drilldown("paid_online", period, None, "counted")
    assert set(counted.values_list("code", flat=True)) == {d1.code, d3.code}
    assert indicators.drilldown("paid_online", period, None, "all").count() == 6
    assert late.pk  # (the late online payment of d6 was started, and never counted)
