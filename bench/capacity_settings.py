"""Production settings (config.settings, read from the environment as always) with the bare
view of bench/capacity_urls.py added: what bench/capacity.py runs gunicorn with."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "capacity_urls"
