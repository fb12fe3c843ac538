#!/usr/bin/env bash
# Backup of SiKo: the PostgreSQL database (pg_dump, custom format) and every stored document
# (frozen minutes, annual reports; from MEDIA_ROOT or the S3 bucket, as SIKO_STORAGE says).
#
#   scripts/backup.sh /srv/sicherung/siko-$(date +%F)
#
# Reads the same environment as SiKo (DATABASE_URL, SIKO_STORAGE, MEDIA_ROOT or AWS_*); run it
# where manage.py runs (README "Sicherung und Wiederherstellung" shows the docker compose way).
# The target directory must not exist yet or be empty. Restore with scripts/restore.sh.
set -euo pipefail

target="${1:?Bitte das Zielverzeichnis angeben: scripts/backup.sh VERZEICHNIS}"
python="${PYTHON:-python}"
cd "$(dirname "$0")/.."

case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  *) echo "DATABASE_URL muss auf PostgreSQL zeigen (postgres://…)." >&2; exit 2 ;;
esac
if [ -e "$target" ] && [ -n "$(ls -A "$target")" ]; then
  echo "Das Zielverzeichnis $target ist nicht leer." >&2
  exit 2
fi
mkdir -p "$target/documents"

pg_dump --format=custom --no-owner --no-privileges --file="$target/siko.dump" "$DATABASE_URL"
"$python" manage.py backup_documents --to "$target/documents"
(cd "$target" && find documents -type f -print0 | sort -z | xargs -0 -r sha256sum > documents.sha256)
echo "Sicherung in $target abgeschlossen."
