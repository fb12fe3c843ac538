#!/usr/bin/env bash
# Import-and-check on every Python SiKo supports (called by .ci/run):
#   3.11 – Debian 12 (bookworm), the host's python3.11;
#   3.12 – in no Debian release; taken from pyenv (~/.pyenv/versions/3.12.*) or PATH;
#   3.13 – Debian 13 (trixie), in a minimal trixie chroot made with debootstrap.
# Each gets a fresh venv with the pinned dependencies (constraints.txt), imports every module of
# SiKo's own apps and runs `manage.py check`. An interpreter that cannot be found or set up fails
# the run with a German sentence saying why; nothing is skipped.
#
# The chroot is kept in SIKO_TRIXIE_ROOT (default /var/tmp/siko-python/trixie) and reused; it needs
# root (debootstrap, chroot) and the Debian mirror the host's apt uses.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TRIXIE_ROOT=${SIKO_TRIXIE_ROOT:-/var/tmp/siko-python/trixie}

fail() { echo "FEHLER: $*" >&2; exit 1; }
log() { printf '\n== %s\n' "$*"; }

# What each interpreter runs from the project folder: settings load, every module imports, the
# system checks pass.
CHECK='
import importlib, pkgutil, sys, django
django.setup()
modules = 0
from django.conf import settings
own = [app for app in settings.INSTALLED_APPS if "." not in app and __import__("os").path.isdir(app)]
for app in own:
    package = importlib.import_module(app)
    for info in pkgutil.walk_packages(package.__path__, app + "."):
        importlib.import_module(info.name)
        modules += 1
print(f"Python {sys.version.split()[0]}: {modules} Module aus {len(own)} Apps importiert")
'

copy_project() {  # copy_project DIR: the work tree without ignored files (venvs, local state)
  rm -rf "$1" && mkdir -p "$1"
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | tar -C "$ROOT" --null -T - -cf - | tar -C "$1" -xf -
}

check_in() {  # check_in PYTHON WORKDIR, from a copy of the project: venv, install, import, check
  local python=$1 workdir=$2
  "$python" -m venv "$workdir/venv" || fail "$python kann keine venv anlegen (Paket python3-venv?)."
  "$workdir/venv/bin/pip" install --quiet --disable-pip-version-check -c constraints.txt . \
    || fail "Die Abhängigkeiten lassen sich mit $python nicht installieren."
  export DJANGO_SETTINGS_MODULE=siko.settings DEBUG=true SECRET_KEY=python-version-check \
    DATABASE_URL="sqlite:///$workdir/check.sqlite3"
  "$workdir/venv/bin/python" -c "$CHECK" || fail "Ein Modul lässt sich mit $python nicht importieren."
  "$workdir/venv/bin/python" manage.py check || fail "manage.py check scheitert mit $python."
}

log "Python 3.11 (bookworm)"
command -v python3.11 >/dev/null || fail "python3.11 fehlt: sudo apt-get install -y python3.11-venv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy_project "$work/siko"
(cd "$work/siko" && check_in "$(command -v python3.11)" "$work")

log "Python 3.12"
python312=""
for candidate in "$(command -v python3.12 || true)" "$HOME"/.pyenv/versions/3.12.*/bin/python3.12; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import ssl, sqlite3, venv' 2>/dev/null; then
    python312=$candidate
    break
  fi
done
[ -n "$python312" ] || fail "Python 3.12 fehlt (Debian liefert es nicht): pyenv install 3.12 oder python3.12 in den PATH legen."
copy_project "$work/siko312"
(cd "$work/siko312" && check_in "$python312" "$work/py312")

log "Python 3.13 (trixie chroot in $TRIXIE_ROOT)"
[ "$(id -u)" -eq 0 ] || fail "Die Prüfung mit Python 3.13 (debootstrap, chroot) braucht Root-Rechte."
if [ ! -x "$TRIXIE_ROOT/usr/bin/python3.13" ]; then
  command -v debootstrap >/dev/null \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap \
    || fail "debootstrap lässt sich nicht installieren: apt-get install -y debootstrap"
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] \
    || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || fail "Kein Debian-Spiegel in den apt-Quellen des Rechners gefunden."
  rm -rf "$TRIXIE_ROOT" && mkdir -p "$TRIXIE_ROOT"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    trixie "$TRIXIE_ROOT" "$mirror" >"$TRIXIE_ROOT.log" 2>&1 \
    || fail "debootstrap trixie ist gescheitert (Protokoll: $TRIXIE_ROOT.log)."
fi
cp /etc/resolv.conf "$TRIXIE_ROOT/etc/resolv.conf"
# pip inside trusts what the host trusts (a company proxy's CA, for instance).
mkdir -p "$TRIXIE_ROOT/etc/ssl/certs"
cp "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$TRIXIE_ROOT/etc/ssl/certs/host-ca.crt"
copy_project "$TRIXIE_ROOT/srv/siko"
declare -f fail check_in >"$TRIXIE_ROOT/srv/check.sh"
printf 'CHECK=%q\ncd /srv/siko && check_in /usr/bin/python3.13 /srv\n' "$CHECK" \
  >>"$TRIXIE_ROOT/srv/check.sh"
rm -rf "$TRIXIE_ROOT/srv/venv"
chroot "$TRIXIE_ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
  PIP_CERT=/etc/ssl/certs/host-ca.crt SSL_CERT_FILE=/etc/ssl/certs/host-ca.crt \
  PIP_DEFAULT_TIMEOUT=180 bash -e /srv/check.sh

log "Python 3.11, 3.12 und 3.13: Import und manage.py check bestanden"
