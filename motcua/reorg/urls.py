from django.urls import path

from motcua.reorg import views

app_name = "reorg"
urlpatterns = [path("office/organisation/", views.as_of, name="as_of")]
