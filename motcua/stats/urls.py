from django.urls import path

from motcua.stats import dashboard, public, views

app_name = "stats"
urlpatterns = [
    path("reports/dossiers/", views.dossier_report, name="dossiers"),
    path("reports/dossiers/list/", views.dossier_list, name="list"),
    path("reports/procedures/", views.procedure_report, name="procedures"),
    path("reports/dashboard/", dashboard.dashboard, name="dashboard"),
    path("thong-ke/", public.statistics, name="public"),
]
