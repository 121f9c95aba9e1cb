#!/usr/bin/env bash
# Booking benchmark: builds in Release, starts a throwaway PostgreSQL with durability on
# (fsync and synchronous_commit left at their defaults, on), runs the benchmark on SQLite and on
# PostgreSQL, writes bench/results/booking.md, and stops the server again. Loopback only.
# Extra arguments go to the benchmark (e.g. --throughput-seconds 5 --concurrency 8), and win over
# those this script passes (e.g. --out /tmp/booking.md to leave the committed results alone).
# `bench/run.sh audit` measures audit verification of 1,000,000 entries instead;
# `bench/run.sh outbox` the outbox worker's send rate to a loopback SMTP server;
# `bench/run.sh retention` retention deleting 100,000 recordings against plain file deletion.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installing postgresql ..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

dotnet build bench/Chaperone.Bench/Chaperone.Bench.csproj -c Release --nologo -v quiet

# Both databases live on the same disk as the repository (not /tmp, which may be in memory).
WORK=$(mktemp -d "$PWD/bench/.work.XXXXXX")
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGDIR="$WORK/pg"
mkdir -p "$PGDIR"
PGPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$PGDIR"
  chmod o+x "$WORK"
  pg() { runuser -u postgres -- "$@"; }
else
  pg() { "$@"; }
fi
cleanup() {
  pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
  -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null

# `bench/run.sh audit` runs the audit verification benchmark (bench/results/audit.md) instead.
mode=()
out=bench/results/booking.md
if [ "${1:-}" = audit ]; then
  shift
  mode=(audit)
  out=bench/results/audit.md
elif [ "${1:-}" = outbox ]; then
  shift
  mode=(outbox)
  out=bench/results/outbox.md
elif [ "${1:-}" = retention ]; then
  shift
  mode=(retention)
  out=bench/results/retention.md
fi

dotnet bench/Chaperone.Bench/bin/Release/net10.0/Chaperone.Bench.dll "${mode[@]}" \
  --postgres "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres" \
  --work "$WORK" \
  --out "$out" \
  --commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src bench/Chaperone.Bench || echo ' (with uncommitted changes)')" \
  "$@"
