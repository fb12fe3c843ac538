#!/usr/bin/env bash
# `make test` on a fresh clone on a fresh Debian 12 machine, as root, without chromium (issue 13).
#
#   sudo bash scripts/fresh-chroot-test.sh [sqlite|postgres|both]   (default: both)
#
# Builds (once) a minimal bookworm with debootstrap – minbase plus what a user needs to clone and
# run: ca-certificates, git, make, python3, python3-venv – and keeps it as a pristine tarball
# ($SIKO_CHROOT.base.tar). Every run unpacks it afresh into $SIKO_CHROOT (default
# /var/tmp/siko-bookworm), mounts /proc, /sys, /dev/pts and /dev/shm, clones the committed HEAD
# of this checkout to /root/siko and runs `make test` there as root: first with the embedded
# settings (SQLite), then with PostgreSQL and Redis on the host's 127.0.0.1 as .ci/run uses them
# (DATABASE_URL=…/siko_chroot, REDIS_URL=…/9). Everything else – chromium, Pango, Dovecot, the
# venv – `make test` has to install itself. Logs: $SIKO_CHROOT.<mode>.log. TEST_WORKERS (default 2)
# and PYTEST_ARGS (default -rs: the skip reasons) are passed on.
set -euo pipefail
ROOT=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
CHROOT=${SIKO_CHROOT:-/var/tmp/siko-bookworm}
BASE=$CHROOT.base.tar
MODE=${1:-both}
WORKERS=${TEST_WORKERS:-2}
PG=postgres://postgres@127.0.0.1:5432/siko_chroot
REDIS=redis://127.0.0.1:6379/9

fail() { echo "FEHLER: $*" >&2; exit 1; }
log() { printf '\n== %s\n' "$*"; }
case $MODE in sqlite | postgres | both) ;; *) fail "Aufruf: $0 [sqlite|postgres|both]" ;; esac
[ "$(id -u)" -eq 0 ] || fail "debootstrap und chroot brauchen Root-Rechte."

mounts=(proc sys dev/pts dev/shm mnt/siko-src)
cleanup() {
  # Processes the tests left inside the chroot (only those whose root is the chroot), then the mounts.
  for proc in /proc/[0-9]*; do
    [ "$(readlink "$proc/root" 2>/dev/null)" = "$CHROOT" ] && kill -9 "${proc#/proc/}" 2>/dev/null || true
  done
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    mountpoint -q "$CHROOT/${mounts[i]}" && { umount -l "$CHROOT/${mounts[i]}" || true; }
  done
  return 0
}
trap cleanup EXIT

if [ ! -s "$BASE" ]; then
  log "debootstrap bookworm (einmalig, danach $BASE)"
  command -v debootstrap >/dev/null \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
    || fail "debootstrap lässt sich nicht installieren: apt-get install -y debootstrap"
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
  rm -rf "$CHROOT.base" && mkdir -p "$CHROOT.base"
  debootstrap --variant=minbase --include=ca-certificates,git,make,python3,python3-venv \
    bookworm "$CHROOT.base" "$mirror" >"$CHROOT.debootstrap.log" 2>&1 \
    || fail "debootstrap ist gescheitert (Protokoll: $CHROOT.debootstrap.log)."
  tar -C "$CHROOT.base" -cf "$BASE.part" . && mv "$BASE.part" "$BASE" && rm -rf "$CHROOT.base"
fi

log "Frisches Wurzelverzeichnis $CHROOT"
cleanup
rm -rf "$CHROOT" && mkdir -p "$CHROOT" && tar -C "$CHROOT" -xf "$BASE"
mkdir -p "$CHROOT/dev/pts" "$CHROOT/dev/shm" "$CHROOT/mnt/siko-src"
mount -t proc proc "$CHROOT/proc"
mount -t sysfs sysfs "$CHROOT/sys"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$CHROOT/dev/pts"
mount -t tmpfs -o mode=1777 shm "$CHROOT/dev/shm"
mount --bind "$ROOT" "$CHROOT/mnt/siko-src" && mount -o remount,bind,ro "$CHROOT/mnt/siko-src"
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
# pip inside trusts what the host trusts (a company proxy's CA, for instance); not a package.
cp "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$CHROOT/etc/ssl/certs/host-ca.crt"

in_chroot() {
  chroot "$CHROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_CERT=/etc/ssl/certs/host-ca.crt SSL_CERT_FILE=/etc/ssl/certs/host-ca.crt \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca.crt PIP_DEFAULT_TIMEOUT=180 \
    PYTEST_ARGS="${PYTEST_ARGS:--rs}" "$@"
}

log "git clone $(git -C "$ROOT" rev-parse --short HEAD) → /root/siko"
in_chroot git clone --quiet /mnt/siko-src /root/siko
in_chroot /usr/bin/chromium --version 2>/dev/null && fail "Im frischen System ist schon chromium."

status=0
run_test() {  # run_test NAME ENV... : make test in the clone, log and duration
  local name=$1 start rc
  shift
  log "make test ($name), TEST_WORKERS=$WORKERS"
  start=$(date +%s)
  set +e
  in_chroot "$@" bash -c "cd /root/siko && make test TEST_WORKERS=$WORKERS" 2>&1 \
    | tee "$CHROOT.$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  echo "make test ($name): Exit $rc nach $(($(date +%s) - start)) s; Protokoll $CHROOT.$name.log"
  [ "$rc" -eq 0 ] || status=1
}

[ "$MODE" = postgres ] || run_test sqlite
if [ "$MODE" != sqlite ]; then
  command -v pg_isready >/dev/null && { pg_isready -h 127.0.0.1 -p 5432 -q \
    || fail "PostgreSQL antwortet nicht auf 127.0.0.1:5432."; }
  run_test postgres DATABASE_URL=$PG REDIS_URL=$REDIS SIKO_REQUIRE_SERVICES=true
fi
exit $status
