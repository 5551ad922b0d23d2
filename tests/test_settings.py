"""Production settings refuse to start unsafely and pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_development_key() -> None:
    result = manage("check", SECRET_KEY="django-insecure-abc")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deployment_checks() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-real-secret-" + "k" * 50,
        ALLOWED_HOSTS="tracker.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_gunicorn_runs_one_more_worker_than_cores_with_two_threads_unless_told() -> None:
    """The production server's settings (gunicorn.conf.py), as bench/capacity.py chose them;
    the environment overrides both numbers."""
    import runpy

    conf = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
    found = runpy.run_path(str(conf))
    assert (found["worker_class"], found["threads"]) == ("gthread", 2)
    assert found["workers"] == (os.cpu_count() or 1) + 1
    told = {**os.environ, "WEB_CONCURRENCY": "5", "GUNICORN_THREADS": "3"}
    script = f"import runpy; c = runpy.run_path({str(conf)!r}); print(c['workers'], c['threads'])"
    shown = subprocess.run(  # noqa: S603 - our own interpreter with a fixed script
        [sys.executable, "-c", script], env=told, capture_output=True, text=True, check=True
    )
    assert shown.stdout.split() == ["5", "3"]
    # gunicorn itself accepts the file.
    checked = subprocess.run(  # noqa: S603 - our own gunicorn with fixed arguments
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--check-config",
            "-c",
            str(conf),
            "config.wsgi",
        ],
        cwd=conf.parent,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
