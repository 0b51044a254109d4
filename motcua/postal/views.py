"""The postal pages: the citizen's "send the dossier by post" (`/procedures/<code>/post/`)
with the fee shown before they confirm, their cancel; the operators' callback address; the
desk's list of postal orders (`/office/postal/`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from motcua.accounts.decorators import citizen_required
from motcua.catalog.models import Procedure
from motcua.core import audit
from motcua.dossiers import permissions
from motcua.dossiers.models import ResultDelivery
from motcua.eforms import services as eforms
from motcua.postal import rules, services
from motcua.postal.models import Area, PostalOrder, Status
from motcua.postal.operators import registry

FIELDS = ("sender_name", "sender_address", "sender_phone", "area", "weight")
WEIGHTS = (500, 1000, 2000)


def _choices(post) -> dict:
    return {
        **{name: post.get(name, "")[:600] for name in FIELDS},
        "result_delivery": post.get("result_delivery", "")[:12],
        "result_address": post.get("result_address", "")[:600],
        "agency": post.get("agency", "")[:12],
    }


@citizen_required
@require_http_methods(["GET", "POST"])
def send_by_post(request, code):
    """Step 1 the form; step 2 (POST "quote") the fee shown; step 3 (POST "confirm") the
    order. Nothing is written before the applicant confirms the fee they saw."""
    procedure = get_object_or_404(Procedure.objects.select_related("agency"), code=str(code)[:40])
    if rules.DOSSIER not in services.directions_for(procedure):
        return render(request, "postal/not_by_post.html", {"procedure": procedure}, status=404)
    account = request.account
    context = {
        "procedure": procedure,
        "account": account,
        "agencies": eforms.agency_choices(procedure),
        "areas": Area.choices,
        "weights": WEIGHTS,
        "result_choices": [
            (ResultDelivery.DESK, ResultDelivery.DESK.label),
            (ResultDelivery.POST, ResultDelivery.POST.label),
        ],
        "errors": {},
        "quote": None,
    }
    if request.method == "GET":
        context["choices"] = {
            "sender_name": account.full_name,
            "sender_address": account.address,
            "sender_phone": account.phone,
            "area": Area.LOCAL,
            "weight": "500",
            "result_delivery": ResultDelivery.DESK,
            "result_address": account.address,
        }
        return render(request, "postal/send.html", context)
    choices = context["choices"] = _choices(request.POST)
    where = eforms.route(procedure, choices["agency"])
    fields = {
        "sender_name": choices["sender_name"],
        "sender_address": choices["sender_address"],
        "sender_phone": choices["sender_phone"],
        "area": choices["area"],
        "weight": choices["weight"],
        "result_delivery": choices["result_delivery"],
        "result_address": choices["result_address"],
    }
    try:
        if "confirm" in request.POST:
            order = services.request_pickup(
                procedure=procedure,
                agency=where.agency,
                desk=where.desk,
                return_desk=where.return_desk,
                user=request.user,
                quoted_fee=request.POST.get("fee", "")[:20],
                actor=request.user,
                **fields,
            )
            messages.success(
                request,
                _("Your pickup order %(reference)s has been sent to the postal service.")
                % {"reference": order.reference},
            )
            return redirect("postal:order", order.reference)
        context["quote"] = services.check_pickup(procedure=procedure, agency=where.agency, **fields)
    except services.PostalError as error:
        context["errors"] = error.messages
        return render(request, "postal/send.html", context, status=400)
    return render(request, "postal/send.html", context)


def _own_order(request, reference: str) -> PostalOrder:
    order = (
        PostalOrder.objects.select_related("procedure", "dossier", "agency")
        .filter(reference=str(reference)[:32])
        .first()
    )
    if order is None or order.user_id != request.user.pk:
        if order is not None:
            audit.refused(request.user, "postal.view", order)
        raise Http404
    return order


@citizen_required
def order_page(request, reference):
    order = _own_order(request, reference)
    return render(request, "postal/order.html", {"order": order, "events": order.events.all()})


@citizen_required
@require_POST
def cancel(request, reference):
    order = _own_order(request, reference)
    try:
        services.cancel(order, request.user)
        messages.success(request, _("The pickup has been cancelled."))
    except services.PostalError as error:
        messages.error(request, str(error))
    return redirect("postal:order", order.reference)


@csrf_exempt
@require_POST
def callback(request, key):
    """An operator's status event (server to server, signed; answers JSON)."""
    key = str(key)[:32]
    outcome = services.apply_event(key, request.POST)
    try:
        body = registry.get(key).answer(outcome)
    except KeyError:
        body = {"RspCode": outcome.value, "Message": "Unknown operator"}
    return JsonResponse(body)


def visible_orders(user):
    """Orders of the agencies the officer works at (their desks or dossiers); everything
    for those who see every dossier."""
    orders = PostalOrder.objects.all()
    if permissions.sees_all(user):
        return orders
    agencies = {agency for agency, _role, _kind in permissions.posts(user)}
    if not agencies:
        return orders.none()
    return orders.filter(
        Q(agency_id__in=agencies)
        | Q(desk__agency_id__in=agencies)
        | Q(dossier__current_agency_id__in=agencies)
    )


@login_required
def office_list(request):
    if not (permissions.sees_all(request.user) or permissions.posts(request.user)):
        audit.refused(request.user, "postal.list")
        raise PermissionDenied
    status = request.GET.get("status", "")[:12]
    orders = visible_orders(request.user).select_related("dossier", "procedure", "agency")
    if status in Status.values:
        orders = orders.filter(status=status)
    page = Paginator(orders.order_by("-created_at", "-id"), 50).get_page(
        request.GET.get("page", "1")[:6]
    )
    return render(
        request,
        "postal/office_list.html",
        {"page": page, "status": status, "statuses": Status.choices},
    )
