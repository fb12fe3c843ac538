#!/usr/bin/env bash
# The Debian packages SiKo's tests need beside Python: Chromium for the browser tests (and libatomic
# for Playwright's node), Pango and HarfBuzz's subsetter for WeasyPrint, a font, Dovecot's IMAP
# server (the tests of the calendar replies start their own instance, tests/imap.py). Called by
# `make test` and by `.ci/run` (which adds the PostgreSQL and Redis client tools as arguments).
#
# Installs what is missing when it may (root, or sudo without a password); otherwise it stops before
# the tests with one German sentence naming the exact apt command. Nothing is skipped silently.
set -euo pipefail

missing=()
need_package() {
  dpkg -s "$1" >/dev/null 2>&1 || [[ " ${missing[*]} " == *" $1 "* ]] || missing+=("$1")
}

[ -x /usr/bin/chromium ] || missing+=(chromium)
need_package libpango-1.0-0
need_package libpangoft2-1.0-0
need_package libharfbuzz-subset0
need_package fonts-dejavu-core
# Playwright's bundled node (the browser tests' driver) links libatomic; a minimal Debian lacks it.
need_package libatomic1
need_package dovecot-imapd
# Against PostgreSQL (DATABASE_URL=postgres://…) the backup/restore and erasure tests run pg_dump,
# pg_restore and psql.
case ${DATABASE_URL:-} in postgres*) need_package postgresql-client ;; esac
for package in "$@"; do need_package "$package"; done

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "Für die Tests fehlen Systempakete. Bitte installieren Sie sie mit:" \
    "sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installiere Systempakete: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
