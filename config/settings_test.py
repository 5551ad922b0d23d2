"""The small override the test suite runs with: the environment still chooses the database and
the broker (so CI runs on PostgreSQL and Redis), everything else is made fast and quiet."""

import os

os.environ.setdefault("DEBUG", "False")
os.environ.setdefault("SECRET_KEY", "test-only-key-" + "x" * 40)
os.environ.setdefault("EMAIL_URL", "memorymail://")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
# The live-server tests speak plain HTTP.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
# Parallel test processes share Redis in CI: each keeps its cache entries apart.
CACHES["default"]["KEY_PREFIX"] = "test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")  # noqa: F405
# Most tests sign in with force_login and are not about the second factor; the sign-in tests
# turn it on (tests/test_two_factor.py).
TWO_FACTOR_REQUIRED = False
# On SQLite the tests use a file, as the app does, not Django's shared in-memory database: its
# table locks refuse a write at once while another connection reads, where the app's file (WAL,
# IMMEDIATE transactions, a busy timeout) lets readers and one writer work together. The
# concurrency tests (two workers sending at once) test the app's database, not another one.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
