from django.urls import include, path

from devtools.oidc_provider import views

urlpatterns = [
    path("", views.index, name="index"),
    path("login/", views.login_view, name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
