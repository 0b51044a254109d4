from django.urls import path

from motcua.postal.devpost import views

app_name = "devpost"

urlpatterns = [
    path("", views.console, name="console"),
    path("api/orders/", views.create, name="create"),
    path("api/orders/cancel/", views.cancel, name="cancel"),
    path("api/quote/", views.quote, name="quote"),
    path("orders/<str:number>/again/", views.resend, name="resend"),
    path("orders/<str:number>/<str:step>/", views.advance, name="advance"),
]
