"""gunicorn's settings in production (gunicorn reads this file from the directory it starts in:
the image's and docker-compose's web service). Each may be overridden by the environment.

Measured with bench/capacity.py on 2 cores at scale 10 (bench/README.md, "Capacity"): one more
worker than cores, each with two threads, served the cached overview a third faster than three
sync workers and the API lists as fast; four threads a worker halved the API lists (their time
is Python serializing, and a process's threads share one interpreter lock), and more workers
than one over the cores gained nothing. gunicorn's own default is a single sync worker.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
