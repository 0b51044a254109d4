from django.urls import path

from motcua.store import views

app_name = "store"

urlpatterns = [
    path("my/store/", views.my_store, name="my_store"),
    path("my/store/<int:pk>/download/", views.download, name="download"),
    path("my/store/<int:pk>/delete/", views.delete, name="delete"),
    path("my/data/", views.my_data, name="my_data"),
    path("my/data/export/", views.export, name="export"),
    path("office/data-requests/", views.office_requests, name="office_requests"),
    path("office/data-requests/<int:pk>/", views.office_answer, name="office_answer"),
]
