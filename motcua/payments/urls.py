from django.urls import path

from motcua.payments import office_views, views

app_name = "payments"

urlpatterns = [
    # The applicant (citizen sign-in).
    path("payments/receipts/<str:reference>/", views.receipt, name="receipt"),
    path("payments/gateways/<str:key>/return/", views.gateway_return, name="return"),
    path("payments/gateways/<str:key>/ipn/", views.gateway_ipn, name="ipn"),
    path("payments/<str:code>/", views.pay, name="pay"),
    path("payments/<str:code>/start/", views.start, name="start"),
    path("payments/<str:code>/transfer/", views.transfer, name="transfer"),
    path("payments/<str:code>/result/<str:reference>/", views.result, name="result"),
    # The desk (officers' sign-in; under /office/, closed to citizens' accounts).
    path("office/payments/receipts/<str:reference>/", office_views.receipt, name="office_receipt"),
    path("office/payments/<str:code>/assess/", office_views.assess, name="assess"),
    path("office/payments/<str:code>/cash/", office_views.cash, name="cash"),
    path("office/payments/<str:code>/transfer/", office_views.transfer, name="confirm_transfer"),
    path(
        "office/payments/<str:code>/<str:reference>/reject/",
        office_views.reject,
        name="reject_transfer",
    ),
    path("office/payments/<str:code>/<str:reference>/refund/", office_views.refund, name="refund"),
]
