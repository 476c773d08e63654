"""Settings of the development OpenID provider. Read only by its own process (see __main__.py)."""

import os
from pathlib import Path

import dj_database_url

if os.environ.get("DJANGO_DEBUG") != "1" and os.environ.get("MITTVACCIN_TESTING") != "1":
    from django.core.exceptions import ImproperlyConfigured

    # A provider that signs anyone in as any test identity must never run beside production.
    raise ImproperlyConfigured(
        "The development OpenID provider runs only with DJANGO_DEBUG=1 (or in the tests)."
    )

BASE_DIR = Path(__file__).resolve().parent
DEBUG = False
SECRET_KEY = os.environ.get("IDP_SECRET_KEY", "idp-development-only-" + "y" * 40)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "devtools.oidc_provider",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "devtools.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": dj_database_url.parse(os.environ["IDP_DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The application's session cookie lives on the same host (another port): a name of its own.
SESSION_COOKIE_NAME = "idp_sessionid"
CSRF_COOKIE_NAME = "idp_csrftoken"
LOGIN_URL = "/login/"
USE_TZ = True
TIME_ZONE = "Europe/Stockholm"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # test identities have no password

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": Path(os.environ["IDP_RSA_KEY_FILE"]).read_text(),
    "OAUTH2_VALIDATOR_CLASS": "devtools.oidc_provider.validator.TestIdentityValidator",
    "PKCE_REQUIRED": True,
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "SCOPES": {"openid": "OpenID Connect", "profile": "Namn", "hsa": "HSA-id", "pnr": "Personnummer"},
    "DEFAULT_SCOPES": ["openid"],
    # The application runs on an ephemeral port in the tests: loopback redirects match on any port.
    "ALLOW_LOCALHOST_LOOPBACK": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
}
# Tests only: sign ID tokens as if another issuer had made them (a mix-up / a wrong provider).
IDP_TOKEN_ISSUER = os.environ.get("IDP_TOKEN_ISSUER", "")
# The claim names the application reads (its MITTVACCIN_OIDC_*_CLAIM settings, same defaults).
IDP_HSA_CLAIM = os.environ.get("IDP_HSA_CLAIM", "hsa_id")
IDP_PERSONNUMMER_CLAIM = os.environ.get(
    "IDP_PERSONNUMMER_CLAIM", "https://id.oidc.se/claim/personalIdentityNumber"
)
