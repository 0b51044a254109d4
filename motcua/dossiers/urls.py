from django.urls import path

from motcua.dossiers import lookup, print_views, views

app_name = "dossiers"

urlpatterns = [
    path("office/", views.queue, name="queue"),
    path("office/receive/", views.receive, name="receive"),
    path("office/dossiers/<str:code>/", views.detail, name="detail"),
    path("office/dossiers/<str:code>/act/", views.act, name="act"),
    path("office/dossiers/<str:code>/documents/<int:pk>/", views.document, name="document"),
    path("lookup/", lookup.lookup, name="lookup_form"),
    path("lookup/<str:code>/", lookup.lookup, name="lookup"),
    path("office/delegations/", views.delegations, name="delegations"),
    path("office/delegations/<int:pk>/end/", views.end_delegation, name="end_delegation"),
    # The printed forms, by name (docs/printing.md); their numbers are data (forms_data.py).
    path("office/dossiers/<str:code>/forms/receipt/", print_views.receipt, name="form_receipt"),
    path(
        "office/dossiers/<str:code>/forms/supplement-request/",
        print_views.supplement_request,
        name="form_supplement_request",
    ),
    path("office/dossiers/<str:code>/forms/refusal/", print_views.refusal, name="form_refusal"),
    path("office/dossiers/<str:code>/forms/apology/", print_views.apology, name="form_apology"),
    path(
        "office/dossiers/<str:code>/forms/control-slip/",
        print_views.control_slip,
        name="form_control_slip",
    ),
    path(
        "office/dossiers/<str:code>/forms/stop-notice/",
        print_views.stop_notice,
        name="form_stop_notice",
    ),
    path(
        "office/desks/<int:desk_id>/forms/tracking-book/",
        print_views.book,
        name="form_tracking_book",
    ),
    # Old URL names, for templates not yet moved to the names above (same paths).
    path(
        "office/dossiers/<str:code>/forms/supplement-request/",
        print_views.supplement_request,
        name="form_supplement",
    ),
    path(
        "office/dossiers/<str:code>/forms/control-slip/",
        print_views.control_slip,
        name="form_control",
    ),
    path("office/desks/<int:desk_id>/forms/tracking-book/", print_views.book, name="form_book"),
]
