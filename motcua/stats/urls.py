from django.urls import path

from motcua.stats import dashboard, monthly_views, public, reconciliation_views, views

app_name = "stats"
urlpatterns = [
    path("reports/dossiers/", views.dossier_report, name="dossiers"),
    path("reports/dossiers/list/", views.dossier_list, name="list"),
    path("reports/procedures/", views.procedure_report, name="procedures"),
    path("reports/dashboard/", dashboard.dashboard, name="dashboard"),
    path("reports/monthly/", monthly_views.monthly_list, name="monthly"),
    path("reports/monthly/<int:pk>/", monthly_views.monthly_detail, name="monthly_detail"),
    path("reports/monthly/<int:pk>/xlsx/", monthly_views.monthly_xlsx, name="monthly_xlsx"),
    path("thong-ke/", public.statistics, name="public"),
    path(
        "reports/reconciliation/", reconciliation_views.reconciliation_report, name="reconciliation"
    ),
]
