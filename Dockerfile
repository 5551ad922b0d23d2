# syntax=docker/dockerfile:1
# The production image: gunicorn serving the app, with the compiled front-end and collected
# static files baked in. The same image runs the Celery worker and beat (see docker-compose.yml).

# --- Front-end: GOV.UK Frontend styles and scripts into static/dist/ --------------------------
FROM node:20-slim AS assets
WORKDIR /app
COPY frontend/package.json frontend/package-lock.json frontend/
RUN npm ci --prefix frontend --no-audit --no-fund
COPY frontend/ frontend/
# The build script writes to static/dist/ beside frontend/.
RUN npm run build --prefix frontend

# --- The app ----------------------------------------------------------------------------------
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var
WORKDIR /app

# WeasyPrint (the briefing pack's PDF) lays text out with Pango; the fonts are what the PDF is
# set in (the print styles ask for sans-serif), since rendering fetches no font from anywhere.
# libmagic: python-magic reads what kind of file a meeting paper is from its bytes (papers app).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation libmagic1 \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, from pyproject.toml alone, so that a code change reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
COPY --from=assets /app/static/dist static/dist

# Editable, so that the code runs from /app, where templates/ and static/ are found beside it.
# collectstatic only needs settings to load: the key here exists for this step alone.
RUN pip install --no-deps -e . \
    && DEBUG=False SECRET_KEY=build-time-only-collectstatic-key-not-used-at-run-time \
        python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p var/celery/queue var/celery/processed var/mail var/media/papers \
    && chown -R app:app var

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
