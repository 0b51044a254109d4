from django.urls import path

from motcua.dossiers import print_views, views

app_name = "dossiers"

urlpatterns = [
    path("office/", views.queue, name="queue"),
    path("office/receive/", views.receive, name="receive"),
    path("office/dossiers/<str:code>/", views.detail, name="detail"),
    path("office/dossiers/<str:code>/act/", views.act, name="act"),
    path("office/dossiers/<str:code>/documents/<int:pk>/", views.document, name="document"),
    path("lookup/<str:code>/", views.lookup, name="lookup"),
    path("office/delegations/", views.delegations, name="delegations"),
    path("office/delegations/<int:pk>/end/", views.end_delegation, name="end_delegation"),
    # The printed forms of Thông tư 01/2018/TT-VPCP (docs/printing.md).
    path("office/dossiers/<str:code>/forms/01.pdf", print_views.receipt, name="form_receipt"),
    path(
        "office/dossiers/<str:code>/forms/02.pdf",
        print_views.supplement_request,
        name="form_supplement",
    ),
    path("office/dossiers/<str:code>/forms/03.pdf", print_views.refusal, name="form_refusal"),
    path("office/dossiers/<str:code>/forms/04.pdf", print_views.control_slip, name="form_control"),
    path("office/dossiers/<str:code>/forms/05.pdf", print_views.apology, name="form_apology"),
    path("office/desks/<int:desk_id>/forms/06.pdf", print_views.book, name="form_book"),
]
