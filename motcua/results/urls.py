from django.urls import path

from motcua.results import views

app_name = "results"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/<str:token>/", views.verify_link, name="verify_link"),
    path("results/<str:code>/download/", views.download, name="download"),
]
