from django.urls import path

from motcua.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("procedures/", views.procedure_list, name="list"),
    path("procedures/<str:code>/", views.procedure_detail, name="procedure"),
    path("reports/catalogue/", views.catalogue_report, name="report"),
]
