"""The development identity provider under /dev/idp/ (mounted when MOTCUA_DEV_IDP is on).

Its own pages are in the namespace `devidp`; the OpenID Connect endpoints under /dev/idp/o/
keep django-oauth-toolkit's namespace `oauth2_provider`, which the toolkit reverses itself.
Only the endpoints a relying party uses are published: no client registration pages.
"""

from django.urls import include, path, re_path

from motcua.devidp import views

pages = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("signed-in/", views.signed_in, name="signed_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
]

oidc = [
    path("authorize/", views.AuthorizeView.as_view(), name="authorize"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("userinfo/", views.UserInfoView.as_view(), name="user-info"),
    path(".well-known/jwks.json", views.JwksView.as_view(), name="jwks-info"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        views.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
]

urlpatterns = [
    path("", include((pages, "devidp"))),
    path("o/", include((oidc, "oauth2_provider"))),
]
