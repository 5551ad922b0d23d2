"""Settings for the devolution deal tracker, all read from the environment.

One module for every environment (development, test, production). Every value has an embedded
default that runs the app on one machine with nothing else installed: SQLite under ``var/``,
Celery on kombu's filesystem transport under ``var/``, email written to files under ``var/mail/``.
Set ``DATABASE_URL``, ``REDIS_URL`` and ``EMAIL_URL`` to run on real services. Production is
``DEBUG=False`` (the default) and refuses to start without a real ``SECRET_KEY``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG: bool = env.bool("DEBUG", default=False)

# A key that is missing, or one of Django's generated insecure keys, is only acceptable in
# development: production must be given a real one.
SECRET_KEY: str = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("django-insecure"):
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a long random value when DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL: str = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "core",
    "accounts",
    "tracker",
    "missions",
    "papers",
    "delivery",
    "briefings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Before anything reads the body (CSRF's check reads a form's).
    "config.middleware.RefuseLargeBodyMiddleware",
    "config.middleware.LoginRequiredMiddleware",
    "config.middleware.RefuseNulMiddleware",
    # After OTPMiddleware: a role that sees OFFICIAL-SENSITIVE material goes no further until
    # its second factor is verified, on any page or (with session auth) the API.
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the page that says so.
    "axes.middleware.AxesMiddleware",
]

# Request bodies. The files of one request may be 5 MB altogether (the figures import's
# limit): they are held in memory, never written to a temporary file, and what passes the limit
# is read and dropped (config/uploads.py). A body with files may be twice that, so that a file
# a little too large is refused in words on its form; any other body (the API's JSON, form
# fields) 5 MB. Larger bodies are answered 413 before they are read (config/middleware.py); the
# proxy in front should refuse bodies over MAX_REQUEST_BYTES too.
MAX_UPLOAD_BYTES = 5 * 2**20
MAX_REQUEST_BYTES = 2 * MAX_UPLOAD_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
# Meeting papers and proposal documents (the papers app) may be larger: a paper's pages, and
# only they (their paths start with PAPER_UPLOAD_PATH), take files up to PAPER_MAX_BYTES, in a
# body of up to PAPER_MAX_BYTES + MAX_UPLOAD_BYTES (config/uploads.py), held in memory as well.
PAPER_MAX_BYTES: int = env.int("PAPER_MAX_BYTES", default=20 * 2**20)
if PAPER_MAX_BYTES <= 0:
    raise ImproperlyConfigured("PAPER_MAX_BYTES must be a positive number of bytes.")
PAPER_UPLOAD_PATH = "/papers/"
FILE_UPLOAD_MAX_MEMORY_SIZE = max(  # so the memory handler takes every file
    MAX_REQUEST_BYTES, PAPER_MAX_BYTES + MAX_UPLOAD_BYTES
)
FILE_UPLOAD_HANDLERS = [
    "config.uploads.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.context_processors.workstream_roles",
                "config.context_processors.service",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web app, the Celery worker and beat share one SQLite file without
    # "database is locked" errors on every concurrent write.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Broker and cache: Redis when REDIS_URL is set, embedded otherwise -----------------------
REDIS_URL: str = env.str("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CELERY_BROKER_URL = "filesystem://localhost/"  # no host is used; naming one keeps kombu quiet
    # kombu's filesystem transport needs its folders before the first message.
    for folder in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        # Where it keeps which queues an exchange routes to (else ./control/).
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "Europe/London"
# A digest the mail server could not take is retried after a random wait of up to
# base * 2**attempt seconds (at most the maximum): seconds in tests, minutes in production.
BRIEFINGS_RETRY_BACKOFF: float = env.float("BRIEFINGS_RETRY_BACKOFF", default=30.0)
BRIEFINGS_RETRY_BACKOFF_MAX: float = env.float("BRIEFINGS_RETRY_BACKOFF_MAX", default=600.0)
# A partner subscribed by address (no account) follows signed links from their digest to
# partner-safe pages of the workstreams and proposals it names; each link works for this many
# days after the digest was sent. A request for a briefing session may be made at most
# BRIEFING_REQUEST_RATE times per subscription ("3/d": that many a second, minute, hour or day).
PARTNER_LINK_MAX_AGE_DAYS: int = env.int("PARTNER_LINK_MAX_AGE_DAYS", default=30)
if PARTNER_LINK_MAX_AGE_DAYS < 1:
    raise ImproperlyConfigured("PARTNER_LINK_MAX_AGE_DAYS must be 1 or more.")
BRIEFING_REQUEST_RATE: str = env.str("BRIEFING_REQUEST_RATE", default="3/d")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", BRIEFING_REQUEST_RATE):
    raise ImproperlyConfigured(
        f"BRIEFING_REQUEST_RATE is {BRIEFING_REQUEST_RATE!r}: give a number of requests and a "
        "period, such as 3/d (s, m, h or d)."
    )

# --- Email ------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default=f"filemail://{VAR_DIR / 'mail'}"))
if not env.str("EMAIL_URL", default=""):
    # django-environ drops the leading slash of "filemail:///abs/path", which would put the
    # default mail folder under the working directory instead of VAR_DIR.
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="Deal tracker <tracker@localhost>")
# Where people write to the team that runs the service (accessibility problems, their personal
# data); the sender address when empty.
CONTACT_EMAIL: str = env.str("CONTACT_EMAIL", default="")
# The organisation that runs this installation, named in every page's header and footer and in
# the accessibility statement. Left empty, pages name no organisation and the statement names
# the combined authorities of the deals held here.
SERVICE_OWNER: str = env.str("SERVICE_OWNER", default="")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that does not answer is given up on (and the send retried later) after this
# many seconds, rather than holding a worker for ever.
EMAIL_TIMEOUT: int = env.int("EMAIL_TIMEOUT", default=20)

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses a sign-in while its account or address is locked out; the next one checks the
    # password.
    "accounts.backends.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Sessions end after this many seconds without a request, and when the browser closes; signing
# in starts a new session key. The expiry moves on with use: accounts' SessionActivityMiddleware
# saves the session at most once a minute, rather than on every request as
# SESSION_SAVE_EVERY_REQUEST would.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Two-factor authentication (TOTP) for every role that may see OFFICIAL-SENSITIVE material.
# Off only where signing in is not what is being tested (the test settings).
TWO_FACTOR_REQUIRED: bool = env.bool("TWO_FACTOR_REQUIRED", default=True)
OTP_TOTP_ISSUER: str = env.str("OTP_TOTP_ISSUER", default="Deal tracker")
# Each wrong code doubles the wait before the next is tried (1 s, 2 s, 4 s ...).
OTP_TOTP_THROTTLE_FACTOR = 1

# Sign-in throttling (django-axes, with accounts.throttle's three rules): within the cool-off
# time, 5 failures at one account from one address, 10 at one account from anywhere, or 30 from
# one address at any accounts lock signing in there for the cool-off time; a failure while
# locked starts the time again. The address limit is gentler because an office shares one.
AXES_ENABLED: bool = env.bool("AXES_ENABLED", default=True)
AXES_HANDLER = "accounts.throttle.SignInThrottleHandler"
AXES_FAILURE_LIMIT: int = env.int("AXES_FAILURE_LIMIT", default=5)
SIGN_IN_ACCOUNT_FAILURE_LIMIT: int = env.int("SIGN_IN_ACCOUNT_FAILURE_LIMIT", default=10)
SIGN_IN_ADDRESS_FAILURE_LIMIT: int = env.int("SIGN_IN_ADDRESS_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# What the attempts are stored and reset by; accounts.throttle does the counting.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
# The sign-in forms (ours and the admin's) post the email address as "username"; axes would
# otherwise look for the user model's field name ("email") and count no account at all.
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views_security.locked_out"
# The address of the person signing in, behind as many trusted reverse proxies as the
# deployment has (each appends to X-Forwarded-For); 0 trusts no header and uses the socket's.
AXES_IPWARE_PROXY_COUNT: int = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
# Attempts and lockouts are kept in the database (the admin lists them); logging each one too
# is for debugging.
AXES_VERBOSE: bool = env.bool("AXES_VERBOSE", default=False)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# Compiled GOV.UK Frontend styles and scripts (build output of `make assets`, not committed).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # Meeting papers and proposal documents: on disk under VAR_DIR/media by default, in an
    # S3-compatible bucket when PAPERS_S3_BUCKET names one. Never served from a URL of their
    # own: every download goes through the papers app's view, which asks core.policy each time.
    "papers": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media" / "papers"), "base_url": None},
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# The bucket, and where the S3 API answers (left empty: Amazon S3 itself). The credentials are
# read from the environment by boto3 alone (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a
# role's), never from a setting.
PAPERS_S3_BUCKET: str = env.str("PAPERS_S3_BUCKET", default="")
if PAPERS_S3_BUCKET:
    STORAGES["papers"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PAPERS_S3_BUCKET,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("PAPERS_S3_PREFIX", default="papers"),
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="") or None,
            # The bucket's own access rules hold (private); a name is never reused.
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a request without credentials gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "config.filters.StableOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api_support.ApiSchema",
    # DRF's own, refusing a body with a NUL character (config/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "config.parsers.FormParser",
        "config.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Devolution deal tracker API",
    "DESCRIPTION": "A devolution deal: its themes, workstreams and governance bodies, status "
    "updates, risks and engagement plans, and the Levelling Up missions, indicators and areas. "
    "Writes go through the same rules and permissions as the pages; objects carry an ETag and a "
    "write with a stale If-Match is refused with 412.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI served from our own static files: no third-party CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# --- The public progress page -----------------------------------------------------------------
# Anyone may read it without signing in (delivery/views/public.py). Each address may ask for at
# most PUBLIC_RATE_LIMIT of its pages and files ("120/m": that many a second, minute, hour or
# day), counted in the cache by Django REST Framework's throttle; past it, 429 with Retry-After.
# Its responses to visitors who are not signed in may be kept by browsers and shared caches in
# front for PUBLIC_CACHE_SECONDS.
PUBLIC_RATE_LIMIT: str = env.str("PUBLIC_RATE_LIMIT", default="120/m")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", PUBLIC_RATE_LIMIT):
    raise ImproperlyConfigured(
        f"PUBLIC_RATE_LIMIT is {PUBLIC_RATE_LIMIT!r}: give a number of requests and a period, "
        "such as 120/m (s, m, h or d)."
    )
PUBLIC_CACHE_SECONDS: int = env.int("PUBLIC_CACHE_SECONDS", default=300)
if PUBLIC_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("PUBLIC_CACHE_SECONDS must be 0 or more.")

# --- Production hardening ---------------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Off only where the app is served over plain HTTP on purpose (local compose, tests).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
# The Content Security Policy: config/csp.py.
from .csp import *  # noqa: E402,F403

# /health/ must answer plain HTTP from a load balancer or a local probe.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint (the briefing pack's PDF) warns of every CSS rule it does not support, a few
    # hundred in the GOV.UK Frontend styles on every PDF; core.pdf logs what matters (an
    # address it refused).
    "loggers": {"weasyprint": {"level": "ERROR"}},
}
