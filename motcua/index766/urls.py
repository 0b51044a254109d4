from django.urls import path

from motcua.index766 import views

app_name = "index766"
urlpatterns = [
    path("reports/index766/", views.report, name="report"),
    path("reports/index766/dossiers/", views.dossiers, name="dossiers"),
]
