#!/usr/bin/env bash
# Runs the whole app on this machine for development: the web app, a Celery worker and Celery
# beat, on SQLite and the filesystem broker under var/ unless DATABASE_URL / REDIS_URL say
# otherwise. `make run` calls this after building the venv and the front-end; Ctrl-C stops all.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

if [[ ! -x "$ROOT/.venv/bin/python" ]]; then
    echo "No .venv/ yet: run 'make run' (or 'make venv' first)." >&2
    exit 1
fi
export PATH="$ROOT/.venv/bin:$PATH"

export DEBUG=True
export PORT="${PORT:-8000}"
export VAR_DIR="${VAR_DIR:-$ROOT/var}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"

# kombu's filesystem transport and the file email backend need their folders to exist.
mkdir -p "$VAR_DIR/celery/queue" "$VAR_DIR/celery/processed" "$VAR_DIR/mail"

# One key per checkout, kept across restarts so that sessions survive them.
secret_file="$VAR_DIR/secret_key"
if [[ -z "${SECRET_KEY:-}" ]]; then
    if [[ ! -s "$secret_file" ]]; then
        (umask 077 && python -c 'import secrets; print(secrets.token_urlsafe(50))' >"$secret_file")
    fi
    chmod 600 "$secret_file"
    SECRET_KEY="$(<"$secret_file")"
fi
export SECRET_KEY

python manage.py migrate --noinput
python manage.py load_reference_data
# ONS's published figures for the deals' areas, every combined authority and metropolitan
# district, and the areas the Statement's gap measures rank, the first time only (each file's
# slice all or nothing). To load every area:
# python manage.py import_observations data/ons-explore-local-statistics
# Each file's report is in var/ons-import.log.
ons_log="$VAR_DIR/ons-import.log"
if ! python manage.py import_observations data/ons-explore-local-statistics --areas-of-deals \
    --if-empty >"$ons_log" 2>&1; then
    cat "$ons_log" >&2
    exit 1
fi
tail -n 1 "$ons_log"
python manage.py load_demo_data --if-empty

url="http://127.0.0.1:$PORT/"
echo
echo "=== Deal tracker: $url ==="
if [[ -s "$VAR_DIR/demo-logins.txt" ]]; then
    echo "Demo logins (also in $VAR_DIR/demo-logins.txt):"
    cat "$VAR_DIR/demo-logins.txt"
else
    echo "No demo logins were written to $VAR_DIR/demo-logins.txt."
fi
echo "Email is written to $VAR_DIR/mail/ unless EMAIL_URL says otherwise. Ctrl-C stops everything."
echo

# `-e /dev/null`: honcho would otherwise read .env, which belongs to docker compose (DEBUG=False,
# its own SECRET_KEY) and would override the development settings above.
exec honcho -e /dev/null -f Procfile.dev start
