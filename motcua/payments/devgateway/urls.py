from django.urls import path

from motcua.payments.devgateway import views

app_name = "devgateway"

urlpatterns = [
    path("", views.index, name="index"),
    path("pay/", views.pay, name="pay"),
    path("pay/<str:number>/", views.choose, name="choose"),
    path("query/", views.query, name="query"),
    path("transactions/<str:number>/notify/", views.resend, name="resend"),
    path("transactions/<str:number>/late-success/", views.late_success, name="late_success"),
]
