from django.urls import path

from motcua.eforms import views

app_name = "eforms"

urlpatterns = [
    path("procedures/<str:code>/apply/", views.apply, name="apply"),
    path("procedures/<str:code>/apply/row/", views.row, name="row"),
    path("procedures/<str:code>/apply/sent/<str:dossier>/", views.sent, name="sent"),
    path("office/eforms/", views.definitions, name="definitions"),
    path("office/eforms/<str:code>/", views.edit, name="edit"),
]
