"""Django settings for MittVaccin.

Every value that differs between machines comes from an environment variable; the README lists them
all and `tests/mittvaccin/test_deployment.py` checks that docker-compose.yml passes each one.
Without DATABASE_URL / REDIS_URL the embedded PostgreSQL and Redis of `.data/` are used.
"""

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
    "mittvaccin",
    "journal",
    "booking",
    "billing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mittvaccin.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mittvaccin.middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "mittvaccin.middleware.CurrentUnitMiddleware",
    "mittvaccin.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
def _embedded_database_url() -> str:
    from mittvaccin import embedded

    url, _started = embedded.ensure_postgres("pg", "mittvaccin")
    return url


def _embedded_redis_url() -> str:
    from mittvaccin import embedded

    url, _started = embedded.ensure_redis("redis")
    return url


DATABASE_URL = os.environ.get("DATABASE_URL") or _embedded_database_url()
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DATABASES["default"].setdefault("OPTIONS", {})
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


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("MITTVACCIN_CACHE_PREFIX", "mv"),
    }
}

CELERY_BROKER_URL = celery_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Stockholm"
# Apps add their periodic jobs to this dict in their own `schedules.py` (see mittvaccin/celery.py).
CELERY_BEAT_SCHEDULE: dict = {}

# --- Auth and sessions ---------------------------------------------------------------------------
AUTH_USER_MODEL = "mittvaccin.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
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
    },
}

# --- Journal settings (add below) ----------------------------------------------------------------
# Next-dose reminders go to the patient this many days before the dose falls due.
JOURNAL_NEXT_DOSE_REMINDER_DAYS = env_int("MITTVACCIN_NEXT_DOSE_REMINDER_DAYS", 14)
# Where patients' protected-identity status and names come from. Production plugs in the national
# register (Navet) client here; development and tests use the local stand-in.
POPULATION_REGISTER = os.environ.get(
    "MITTVACCIN_POPULATION_REGISTER", "journal.population_register.LocalPopulationRegister"
)


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
# Bookings the jobs handle per transaction: a crash loses at most one chunk, which the next run redoes.
BILLING_JOB_CHUNK = 500
# Where invoice PDFs are written, below MEDIA_ROOT (never served publicly; the app streams them).
BILLING_PDF_DIR = "invoices"
