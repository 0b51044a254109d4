from django.urls import path

from motcua.postal import views

app_name = "postal"

urlpatterns = [
    path("procedures/<str:code>/post/", views.send_by_post, name="send"),
    path("postal/orders/<str:reference>/", views.order_page, name="order"),
    path("postal/orders/<str:reference>/cancel/", views.cancel, name="cancel"),
    path("postal/operators/<str:key>/events/", views.callback, name="callback"),
    path("office/postal/", views.office_list, name="office_list"),
]
