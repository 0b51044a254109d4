from django.urls import path

from motcua.accounts import oidc, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/start/", oidc.StartView.as_view(), name="start"),
    path("sign-in/callback/", oidc.CallbackView.as_view(), name="callback"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("my/dossiers/", views.my_dossiers, name="my_dossiers"),
    path("my/notifications/", views.notification_settings, name="notifications"),
    path("my/dossiers/<str:code>/", views.my_dossier, name="my_dossier"),
    path("my/dossiers/<str:code>/supplement/", views.supplement, name="supplement"),
    path("my/dossiers/<str:code>/stop/", views.request_stop, name="request_stop"),
    path(
        "my/dossiers/<str:code>/documents/<int:pk>/",
        views.my_document,
        name="my_document",
    ),
]
