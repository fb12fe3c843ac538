#!/usr/bin/env bash
# Restore of a backup made by scripts/backup.sh into an EMPTY database and an EMPTY storage,
# then the check of every frozen document against its SHA-256 (manage.py verify_documents).
#
#   createdb -h … siko            # an empty database
#   DATABASE_URL=postgres://…/siko scripts/restore.sh /srv/sicherung/siko-2026-12-01
#
# Exit code 0: database and documents restored and every document matches; 1: a document
# differs (the lines name it); 2: the restore itself failed.
set -euo pipefail

source_dir="${1:?Bitte das Sicherungsverzeichnis angeben: scripts/restore.sh VERZEICHNIS}"
python="${PYTHON:-python}"
cd "$(dirname "$0")/.."

case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  *) echo "DATABASE_URL muss auf PostgreSQL zeigen (postgres://…)." >&2; exit 2 ;;
esac
if [ ! -f "$source_dir/siko.dump" ]; then
  echo "In $source_dir liegt keine Sicherung (siko.dump fehlt)." >&2
  exit 2
fi
tables=$(psql "$DATABASE_URL" -XAtc "select count(*) from pg_tables where schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "Die Zieldatenbank ist nicht leer ($tables Tabellen); bitte eine leere Datenbank anlegen." >&2
  exit 2
fi

(cd "$source_dir" && { [ ! -s documents.sha256 ] || sha256sum --check --quiet documents.sha256; }) || {
  echo "Die Sicherung selbst ist beschädigt (documents.sha256 stimmt nicht)." >&2
  exit 2
}
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$source_dir/siko.dump" || exit 2
# A backup of an older version: bring the schema up to this one.
"$python" manage.py migrate --noinput || exit 2
"$python" manage.py restore_documents --from "$source_dir/documents" || exit 2
"$python" manage.py verify_documents
