"""Django settings for MittVaccin.

Every value that differs between machines comes from an environment variable; the README lists them
all and `tests/mittvaccin/test_deployment.py` checks that docker-compose.yml passes each one.
Without DATABASE_URL / REDIS_URL the embedded PostgreSQL and Redis of `.data/` are used.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Variables read by this file. The deployment test compares this list with docker-compose.yml.
ENVIRONMENT_VARIABLES = [
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_TRUST_X_FORWARDED_FOR",
    "DATABASE_URL",
    "DATABASE_OWNER_URL",
    "REDIS_URL",
    "MITTVACCIN_PUBLIC_URL",
    "MITTVACCIN_MEDIA_ROOT",
    "MITTVACCIN_STATIC_ROOT",
    "MITTVACCIN_EMAIL_BACKEND",
    "MITTVACCIN_EMAIL_HOST",
    "MITTVACCIN_EMAIL_PORT",
    "MITTVACCIN_EMAIL_HOST_USER",
    "MITTVACCIN_EMAIL_HOST_PASSWORD",
    "MITTVACCIN_EMAIL_USE_TLS",
    "MITTVACCIN_DEFAULT_FROM_EMAIL",
    "MITTVACCIN_SMS_BACKEND",
    "MITTVACCIN_SESSION_IDLE_MINUTES",
    "MITTVACCIN_SESSION_MAX_HOURS",
    "MITTVACCIN_POPULATION_REGISTER",
    "MITTVACCIN_NEXT_DOSE_REMINDER_DAYS",
    # Apps add the variables they read below.
]
# Given to the one-shot migrate service only: web, worker and beat never hold the owner's password.
MIGRATE_ONLY_VARIABLES = ["DATABASE_OWNER_URL"]

DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = os.environ.get("MITTVACCIN_TESTING") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("MITTVACCIN_ALLOW_DEV_SECRET") != "1":
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Development only: `make run` and `make test` set DJANGO_DEBUG or MITTVACCIN_ALLOW_DEV_SECRET.
    SECRET_KEY = "dev-only-not-secret-" + "x" * 40

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
PUBLIC_URL = os.environ.get("MITTVACCIN_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "pgtrigger",
    "axes",
    "oauth2_provider",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "mittvaccin",
    "journal",
    "booking",
    "residents",
    "billing",
    "reports",
    "nvr",
    "fhirapi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "mittvaccin.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a form field or query parameter: NUL and other control characters go.
    "mittvaccin.input.ControlCharactersMiddleware",
    # Outermost after the static files: no answer of the application is kept by a browser or a proxy.
    "mittvaccin.nostore.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mittvaccin.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mittvaccin.middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "mittvaccin.accounts.AccountGateMiddleware",
    "mittvaccin.middleware.CurrentUnitMiddleware",
    "mittvaccin.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "mittvaccin.degraded.ServiceUnavailableMiddleware",
    # Last, as django-axes asks: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mittvaccin.urls"
WSGI_APPLICATION = "mittvaccin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mittvaccin.context_processors.workplace",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]


# --- Database and Redis -------------------------------------------------------------------------
def _embedded_database_urls() -> tuple[str, str]:
    from mittvaccin import embedded

    database = embedded.ensure_postgres("pg", "mittvaccin")
    return database.url, database.owner_url


def _embedded_redis_url() -> str:
    from mittvaccin import embedded

    url, _started = embedded.ensure_redis("redis")
    return url


# Two roles (mittvaccin/dbroles.py): web, worker and beat connect as the application role of
# DATABASE_URL, which owns nothing, so the append-only triggers bind it; `manage.py migrate` connects as
# the owner role of DATABASE_OWNER_URL and then grants the application role what it needs. Only the
# one-shot migrate service gets DATABASE_OWNER_URL in production.
if os.environ.get("DATABASE_URL"):
    DATABASE_URL = os.environ["DATABASE_URL"]
    DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
else:
    DATABASE_URL, DATABASE_OWNER_URL = _embedded_database_urls()


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    config.setdefault("OPTIONS", {})
    # django-pgtrigger's triggers first ask CURRENT_SETTING('pgtrigger.ignore') inside an exception
    # block. Unset, that raises on every trigger call, and rolling back the block's subtransaction scans
    # all of the transaction's pending trigger events: a statement writing many rows becomes quadratic
    # (100,000 bookings in one COPY took many minutes instead of seconds). "No trigger ignored", set per
    # connection, answers without raising; the triggers themselves are unchanged (and only the owner
    # may ever use the switch, mittvaccin/dbroles.py).
    config["OPTIONS"]["options"] = " ".join(
        filter(None, [config["OPTIONS"].get("options"), "-c pgtrigger.ignore={}"])
    )
    return config


DATABASES = {"default": _database(DATABASE_URL)}
DATABASE_APP_ROLE = DATABASES["default"]["USER"]
DATABASE_OWNER = _database(DATABASE_OWNER_URL) if DATABASE_OWNER_URL else None
if TESTING and DATABASE_OWNER:
    # The suite creates, migrates and empties (TRUNCATE) its own databases, which is the owner's work;
    # tests/mittvaccin/test_database_roles.py connects as the application role and is refused.
    DATABASES = {"default": DATABASE_OWNER}
    DATABASE_OWNER = None
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("MITTVACCIN_TEST_DATABASE", "test_mittvaccin")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL") or _embedded_redis_url()
if TESTING and os.environ.get("PYTEST_XDIST_WORKER"):
    # Each pytest-xdist worker gets its own Redis database, so one worker's Celery worker never
    # takes another's tasks (they run against different test databases).
    _worker = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw") or 0)
    REDIS_URL = (
        REDIS_URL.split("?")[0] + f"?db={1 + _worker}"
        if REDIS_URL.startswith("unix://")
        else (REDIS_URL.rsplit("/", 1)[0] + f"/{1 + _worker}")
    )


def celery_url(url: str) -> str:
    # kombu spells a Unix-socket Redis URL differently from redis-py.
    if url.startswith("unix://"):
        path, _, query = url[len("unix://") :].partition("?")
        db = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("db", "0")
        return f"redis+socket://{path}?virtual_host={db}"
    return url


# A Redis outage degrades, it does not stop the clinic: nothing a page needs lives only in Redis
# (sessions are in the database; Redis holds copies of them), and the cache fails soft, answering
# "not cached" while Redis is away.
# Short timeouts, so a Redis that hangs costs a page a fraction of a second, not a worker.
_REDIS_OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5}
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("MITTVACCIN_CACHE_PREFIX", "mv"),
        "OPTIONS": {**_REDIS_OPTIONS, "IGNORE_EXCEPTIONS": True},
    },
    # Counters that protect something (the public booking's rate limits) must not fail soft: when they
    # cannot count, the caller refuses (mittvaccin.errors.ServiceUnavailable) instead of going unlimited.
    "counters": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("MITTVACCIN_CACHE_PREFIX", "mv"),
        "OPTIONS": _REDIS_OPTIONS,
    },
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "mittvaccin.cache"

CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker waits out a Redis outage of any length instead of giving up after its hundredth try.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing from a web request must not hang on a Redis that is away (mittvaccin/outbox.py keeps the work).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TIMEZONE = "Europe/Stockholm"
# Apps add their periodic jobs to this dict in their own `schedules.py` (see mittvaccin/celery.py).
CELERY_BEAT_SCHEDULE: dict = {}

# --- Auth and sessions ---------------------------------------------------------------------------
AUTH_USER_MODEL = "mittvaccin.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with the signed-in account read from the cache (mittvaccin.principal).
    "mittvaccin.auth.StaffBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing strength is not under test; a fast hasher keeps account-heavy tests quick.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A clinical session ends after 30 minutes without activity and 12 hours at the most.
SESSION_IDLE_SECONDS = env_int("MITTVACCIN_SESSION_IDLE_MINUTES", 30) * 60
SESSION_MAX_SECONDS = env_int("MITTVACCIN_SESSION_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# In the database, read through a short-lived cached copy (mittvaccin.sessions): a session must outlive
# a Redis outage (signing in and working go on), and a signed-in request should not pay a query for it.
SESSION_ENGINE = "mittvaccin.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "mittvaccin.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS is terminated by the reverse proxy, which also redirects plain HTTP (an in-app redirect would
# break the container health check on http://127.0.0.1). Browsers are told to insist on HTTPS.
SECURE_HSTS_SECONDS = 31_536_000 if SECURE_COOKIES and not DEBUG else 0
# Subdomains and the preload list are the region's decision for its whole domain, not this product's.
SILENCED_SYSTEM_CHECKS = ["security.W008", "security.W005", "security.W021"]
# Only behind our own reverse proxy is X-Forwarded-For the client's address (access log, rate limits);
# anywhere else a client could write any address into that header.
TRUST_X_FORWARDED_FOR = env_bool("DJANGO_TRUST_X_FORWARDED_FOR", False)

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "mittvaccin/locked_out.html"
AXES_VERBOSE = False
# The same client address as the access log and the rate limits (the proxy's X-Forwarded-For where it is
# trusted): behind the proxy, one bad actor locks out only their own address, not everyone's.
AXES_CLIENT_IP_CALLABLE = "mittvaccin.services.client_address"
AXES_USERNAME_CALLABLE = "mittvaccin.input.login_username"

# --- Sign-in with e-identification (OpenID Connect) ---------------------------------------------
# Staff: the installation's provider (SITHS through the region's IdP) and/or one per caregiver
# (a JSON list of {"organisation_number", "issuer", "client_id", "client_secret"}); the account is
# found by the HSA-id claim. Residents: one provider (BankID / Freja eID through a broker); the person
# by the personnummer claim. Unset issuer = that sign-in is not offered (password sign-in stays).
OIDC_STAFF_ISSUER = os.environ.get("MITTVACCIN_OIDC_STAFF_ISSUER", "").rstrip("/")
OIDC_STAFF_CLIENT_ID = os.environ.get("MITTVACCIN_OIDC_STAFF_CLIENT_ID", "")
OIDC_STAFF_CLIENT_SECRET = os.environ.get("MITTVACCIN_OIDC_STAFF_CLIENT_SECRET", "")
OIDC_STAFF_HSA_CLAIM = os.environ.get("MITTVACCIN_OIDC_STAFF_HSA_CLAIM", "hsa_id")
OIDC_STAFF_CAREGIVER_PROVIDERS = json.loads(
    os.environ.get("MITTVACCIN_OIDC_STAFF_CAREGIVER_PROVIDERS") or "[]"
)
OIDC_RESIDENT_ISSUER = os.environ.get("MITTVACCIN_OIDC_RESIDENT_ISSUER", "").rstrip("/")
OIDC_RESIDENT_CLIENT_ID = os.environ.get("MITTVACCIN_OIDC_RESIDENT_CLIENT_ID", "")
OIDC_RESIDENT_CLIENT_SECRET = os.environ.get("MITTVACCIN_OIDC_RESIDENT_CLIENT_SECRET", "")
# The Swedish OpenID Connect profile's claim for a personnummer.
OIDC_RESIDENT_PERSONNUMMER_CLAIM = os.environ.get(
    "MITTVACCIN_OIDC_RESIDENT_PERSONNUMMER_CLAIM", "https://id.oidc.se/claim/personalIdentityNumber"
)
# A sign-in started but not finished within this time must be started again (its state expires).
OIDC_STATE_SECONDS = env_int("MITTVACCIN_OIDC_STATE_SECONDS", 600)
# `make run`'s own provider of test identities: the sign-in buttons say so, and it is refused unless
# DJANGO_DEBUG is on (or the tests run).
OIDC_DEVELOPMENT = env_bool("MITTVACCIN_OIDC_DEVELOPMENT", False)
if OIDC_DEVELOPMENT and not (DEBUG or TESTING):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "MITTVACCIN_OIDC_DEVELOPMENT (test identities) is refused when DJANGO_DEBUG is off."
    )
ENVIRONMENT_VARIABLES += [
    "MITTVACCIN_OIDC_STAFF_ISSUER",
    "MITTVACCIN_OIDC_STAFF_CLIENT_ID",
    "MITTVACCIN_OIDC_STAFF_CLIENT_SECRET",
    "MITTVACCIN_OIDC_STAFF_HSA_CLAIM",
    "MITTVACCIN_OIDC_STAFF_CAREGIVER_PROVIDERS",
    "MITTVACCIN_OIDC_RESIDENT_ISSUER",
    "MITTVACCIN_OIDC_RESIDENT_CLIENT_ID",
    "MITTVACCIN_OIDC_RESIDENT_CLIENT_SECRET",
    "MITTVACCIN_OIDC_RESIDENT_PERSONNUMMER_CLAIM",
    "MITTVACCIN_OIDC_STATE_SECONDS",
    "MITTVACCIN_OIDC_DEVELOPMENT",
]
OTP_TOTP_ISSUER = "MittVaccin"

# --- Security headers ----------------------------------------------------------------------------
# No inline script or style anywhere: every behaviour is in static/js, every look in static/css.
# Forms may post only here, except the sign-out that continues at the identity provider.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": [
            "'self'",
            *sorted(
                {
                    "/".join(url.split("/")[:3])
                    for url in (
                        OIDC_STAFF_ISSUER,
                        OIDC_RESIDENT_ISSUER,
                        *(p.get("issuer", "") for p in OIDC_STAFF_CAREGIVER_PROVIDERS),
                    )
                    if url.startswith(("http://", "https://"))
                }
            ),
        ],
    }
}
# Features a journal never needs are switched off for every page (mittvaccin.security).
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "magnetometer=(), gyroscope=(), accelerometer=(), interest-cohort=()"
)

# --- Language, time, formats ---------------------------------------------------------------------
# Swedish is the source language of every string; English is the translation (locale/en).
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("Engelska"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Stockholm"
USE_TZ = True
FORMAT_MODULE_PATH = ["mittvaccin.formats"]

# --- Static and media ----------------------------------------------------------------------------
STATIC_URL = "static/"
# collectstatic writes here (the Docker image and the benchmark); development and tests serve from
# the source folders instead, so a stale collected copy can never shadow an edited file.
STATIC_ROOT = Path(os.environ.get("MITTVACCIN_STATIC_ROOT", BASE_DIR / ".data" / "staticfiles"))
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Generated documents (invoice PDFs, certificates) are stored here; never served publicly.
MEDIA_ROOT = Path(os.environ.get("MITTVACCIN_MEDIA_ROOT", BASE_DIR / ".data" / "media"))

# --- Outgoing messages ---------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("MITTVACCIN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("MITTVACCIN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("MITTVACCIN_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("MITTVACCIN_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MITTVACCIN_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MITTVACCIN_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get(
    "MITTVACCIN_DEFAULT_FROM_EMAIL", "MittVaccin <noreply@mittvaccin.invalid>"
)
SMS_BACKEND = os.environ.get("MITTVACCIN_SMS_BACKEND", "mittvaccin.messaging.ConsoleSmsBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "mittvaccin": {"level": "INFO"},
        "journal": {"level": "INFO"},
        "booking": {"level": "INFO"},
        "billing": {"level": "INFO"},
        "reports": {"level": "INFO"},
        "nvr": {"level": "INFO"},
        "fhirapi": {"level": "INFO"},
        # WeasyPrint logs seven steps of every PDF at INFO ("Step 1 - Fetching and parsing HTML"): a
        # worker started with `-l info` (make run) wrote 70,000 such lines for 10,000 invoices.
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# --- Journal settings (add below) ----------------------------------------------------------------
# Next-dose reminders go to the patient this many days before the dose falls due.
JOURNAL_NEXT_DOSE_REMINDER_DAYS = env_int("MITTVACCIN_NEXT_DOSE_REMINDER_DAYS", 14)
# Where patients' protected-identity status and names come from. Production must name the national
# register's client (Navet or the region's person service); the settings refuse to start without one.
# Development and tests (make run, make test, make bench) use the stand-in that answers from its own
# table, never from any caregiver's patients.
DEVELOPMENT_REGISTER = "journal.population_register.LocalPopulationRegister"
POPULATION_REGISTER = os.environ.get("MITTVACCIN_POPULATION_REGISTER", "").strip()
if not POPULATION_REGISTER or POPULATION_REGISTER == DEVELOPMENT_REGISTER:
    if not DEBUG and os.environ.get("MITTVACCIN_ALLOW_DEV_SECRET") != "1":
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "MITTVACCIN_POPULATION_REGISTER must name the population register client (a class with "
            "lookup(identity_number)) when DJANGO_DEBUG is off. The development stand-in "
            f"{DEVELOPMENT_REGISTER} answers from a demo table and cannot protect real people (R7)."
        )
    POPULATION_REGISTER = DEVELOPMENT_REGISTER


# --- Booking settings (add below) ----------------------------------------------------------------
# How far ahead the timebook opens its slots (days); a nightly job rolls the window forward.
BOOKING_HORIZON_DAYS = env_int("MITTVACCIN_BOOKING_HORIZON_DAYS", 56)
# Reminders go out this many hours before the visit; 48 leaves the resident a day to cancel free (R9).
BOOKING_REMINDER_HOURS = env_int("MITTVACCIN_BOOKING_REMINDER_HOURS", 48)
# Flood protection of the public booking forms: attempts per window, per client address and per
# personnummer. The benchmark raises the address limit for its own clients.
BOOKING_RATE_LIMIT_PER_ADDRESS = env_int("MITTVACCIN_BOOKING_RATE_LIMIT_PER_ADDRESS", 30)
BOOKING_RATE_LIMIT_PER_IDENTITY = env_int("MITTVACCIN_BOOKING_RATE_LIMIT_PER_IDENTITY", 5)
BOOKING_RATE_LIMIT_WINDOW_SECONDS = env_int("MITTVACCIN_BOOKING_RATE_LIMIT_WINDOW_SECONDS", 600)
ENVIRONMENT_VARIABLES += [
    "MITTVACCIN_BOOKING_HORIZON_DAYS",
    "MITTVACCIN_BOOKING_REMINDER_HOURS",
    "MITTVACCIN_BOOKING_RATE_LIMIT_PER_ADDRESS",
    "MITTVACCIN_BOOKING_RATE_LIMIT_PER_IDENTITY",
    "MITTVACCIN_BOOKING_RATE_LIMIT_WINDOW_SECONDS",
]


# --- Billing settings (add below) ----------------------------------------------------------------
# These are business rules, so each caregiver's administrator changes them on the billing settings
# page (payment terms, exceptions of the jobs); the values here are the defaults. They read no
# environment variable: docker-compose.yml and the README list every one the settings read.
# Days from invoice date to due date, unless a caregiver sets its own terms.
BILLING_PAYMENT_TERMS_DAYS = 30
# The largest amount (SEK) a price, campaign price or adjusted charge may have; larger is refused
# as a typing mistake. The database's own ceiling (billing.models.HARD_MAX_AMOUNT) is 100 000 kr.
BILLING_MAX_AMOUNT = 20000
# How far back the no-show and late-cancel jobs look for bookings not yet invoiced.
BILLING_JOB_LOOKBACK_DAYS = 90
# Bookings the jobs handle per transaction (one INSERT … SELECT each for visits and charges): a crash
# loses at most one chunk, which the next run redoes.
BILLING_JOB_CHUNK = 2000
# Chunks a run does at once, each on a database connection of its own (billing/services/jobs_lanes.py):
# most of a chunk's work is the database's, so a second connection puts a second core to work. One per
# core this process may use, at most four (each is one more connection while a run lasts).
BILLING_JOB_LANES = min(
    4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
)
# Where invoice PDFs are written, below MEDIA_ROOT (never served publicly; the app streams them).
BILLING_PDF_DIR = "invoices"


# --- National vaccination register (nvr) ---------------------------------------------------------
# How a finished report file reaches the register: a class with `deliver(report)` (see nvr/transport.py).
# The default drops the file into a folder that the region's SFTP transfer picks up.
NVR_TRANSPORT = os.environ.get("MITTVACCIN_NVR_TRANSPORT", "nvr.transport.DropFolderTransport")
NVR_DIR = Path(os.environ.get("MITTVACCIN_NVR_DIR", BASE_DIR / ".data" / "nvr"))
# The system name every row carries (the register's `systemName`).
NVR_SYSTEM_NAME = "MittVaccin"
ENVIRONMENT_VARIABLES += ["MITTVACCIN_NVR_TRANSPORT", "MITTVACCIN_NVR_DIR"]


# --- FHIR R4 API (fhirapi) -----------------------------------------------------------------------
# Receiving systems are OAuth2 clients (client credentials) owned by one caregiver, with one scope per
# resource type. django-oauth-toolkit issues and checks the tokens; its Application is our ApiClient.
OAUTH2_PROVIDER_APPLICATION_MODEL = "fhirapi.ApiClient"
FHIR_TOKEN_SECONDS = env_int("MITTVACCIN_FHIR_TOKEN_SECONDS", 600)
OAUTH2_PROVIDER = {
    "SCOPES": {
        "system/Patient.read": "Patient",
        "system/Immunization.read": "Immunization",
        "system/ImmunizationRecommendation.read": "ImmunizationRecommendation",
        "system/AllergyIntolerance.read": "AllergyIntolerance",
        "system/Flag.read": "Flag",
    },
    # Each client gets the scopes its administrator granted, never more (fhirapi.oauth.ClientScopes).
    "SCOPES_BACKEND_CLASS": "fhirapi.oauth.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": FHIR_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": FHIR_TOKEN_SECONDS,
    # The OAuth 2.0 Security BCP (RFC 9700) everywhere, not the toolkit's lenient defaults.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# Search results per page unless the client asks for fewer (`_count`), and the most it may ask for.
FHIR_PAGE_SIZE = 50
FHIR_MAX_PAGE_SIZE = 200
ENVIRONMENT_VARIABLES += ["MITTVACCIN_FHIR_TOKEN_SECONDS"]
