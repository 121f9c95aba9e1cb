#!/usr/bin/env bash
# Runs every Chaperone test. Installs what the tests need if it is missing (PostgreSQL server,
# Redis server, coturn, Debian's Chromium, Node.js; Azurite and axe-core from npm), starts a throwaway
# PostgreSQL, Redis, Azurite (Azure Blob Storage) and coturn (a TURN relay) on free loopback ports,
# runs the suite against SQLite and PostgreSQL with browser tests in Chromium, and stops the servers again.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v turnserver >/dev/null 2>&1 || missing+=(coturn)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGDIR=$(mktemp -d /tmp/chaperone-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$PGDIR"
  pg() { runuser -u postgres -- "$@"; }
else
  pg() { "$@"; }
fi
pg "$PGBIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
  -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200" start >/dev/null
stop_pg() { pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$PGDIR" || true; }

# Redis, for the staff hub's backplane across instances: in memory only, loopback only.
REDISDIR=$(mktemp -d /tmp/chaperone-redis.XXXXXX)
REDISPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
redis-server --port "$REDISPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$REDISDIR" \
  --daemonize yes --pidfile "$REDISDIR/redis.pid" --logfile "$REDISDIR/redis.log"
for _ in $(seq 1 50); do [ -s "$REDISDIR/redis.pid" ] && break; sleep 0.1; done
# Redis is daemonised (not a child to wait for): wait until it has gone, or it may still be writing
# into its folder as the folder is removed ("Directory not empty"), failing a run whose tests passed.
stop_redis() {
  local pid
  pid=$(cat "$REDISDIR/redis.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$REDISDIR" || true
}
trap 'stop_pg; stop_redis' EXIT

# The test tools that come from npm, each at the version its package-lock.json pins: Azurite
# (Microsoft's Azure Storage emulator) and axe-core (Deque's accessibility engine).
for tool in tests/azurite tests/axe; do
  if ! cmp -s "$tool/package-lock.json" "$tool/node_modules/.installed-lock"; then
    echo "Installing $tool from npm ..."
    (cd "$tool" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && cp package-lock.json node_modules/.installed-lock)
  fi
done

# Azurite, for the recordings' object storage: blobs in memory, loopback only.
AZURITE=tests/azurite
AZURITEDIR=$(mktemp -d /tmp/chaperone-azurite.XXXXXX)
AZURITEPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
AZURITEBIN="$PWD/$AZURITE/node_modules/.bin/azurite-blob"
(cd "$AZURITEDIR" && exec "$AZURITEBIN" --blobHost 127.0.0.1 --blobPort "$AZURITEPORT" --inMemoryPersistence \
  --skipApiVersionCheck --disableProductStyleUrl --silent >azurite.log 2>&1) &
AZURITEPID=$!
stop_azurite() { kill "$AZURITEPID" 2>/dev/null || true; wait "$AZURITEPID" 2>/dev/null || true; rm -rf "$AZURITEDIR" || true; }
trap 'stop_pg; stop_redis; stop_azurite' EXIT
for _ in $(seq 1 100); do grep -q "successfully listens" "$AZURITEDIR/azurite.log" && break; sleep 0.1; done
if ! grep -q "successfully listens" "$AZURITEDIR/azurite.log"; then
  echo "Azurite did not start:" >&2; cat "$AZURITEDIR/azurite.log" >&2; exit 1
fi

# coturn, the TURN relay for the call room's relay-only test: loopback only, checking each page's
# credentials against a secret shared with the app (use-auth-secret), as in production.
TURNDIR=$(mktemp -d /tmp/chaperone-turn.XXXXXX)
TURNPORT=$(python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
TURNSECRET=$(python3 -c 'import secrets;print(secrets.token_hex(24))')
turnserver -n --listening-ip=127.0.0.1 --relay-ip=127.0.0.1 --listening-port="$TURNPORT" \
  --use-auth-secret --static-auth-secret="$TURNSECRET" --realm=chaperone.test --fingerprint \
  --no-tls --no-dtls --no-cli --allow-loopback-peers --log-file="$TURNDIR/turn.log" --simple-log >/dev/null 2>&1 &
TURNPID=$!
stop_turn() { kill "$TURNPID" 2>/dev/null || true; wait "$TURNPID" 2>/dev/null || true; rm -rf "$TURNDIR" || true; }
trap 'stop_pg; stop_redis; stop_azurite; stop_turn' EXIT
for _ in $(seq 1 100); do python3 -c "import socket,sys;s=socket.socket();s.settimeout(0.2);sys.exit(s.connect_ex(('127.0.0.1',$TURNPORT)))" && break; sleep 0.1; done
if ! kill -0 "$TURNPID" 2>/dev/null; then
  echo "coturn did not start:" >&2; cat "$TURNDIR"/turn*.log >&2 || true; exit 1
fi

export CHAPERONE_TEST_POSTGRES="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=postgres"
export CHAPERONE_TEST_REDIS="127.0.0.1:$REDISPORT"
export CHAPERONE_TEST_CHROMIUM=/usr/bin/chromium
export CHAPERONE_TEST_TURN="turn:127.0.0.1:$TURNPORT"
export CHAPERONE_TEST_TURN_SECRET="$TURNSECRET"
export CHAPERONE_TEST_AXE="$PWD/tests/axe/node_modules/axe-core/axe.min.js"
# Azurite's documented development account (a published key, not a secret).
export CHAPERONE_TEST_AZURE_BLOB="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$AZURITEPORT/devstoreaccount1;"
RESULTS=data/test-results
rm -rf "$RESULTS"
status=0
dotnet test Chaperone.slnx -c Release --logger "console;verbosity=normal" \
  --logger "trx;LogFileName=chaperone.trx" --results-directory "$RESULTS" "$@" || status=$?

# The console log is long; repeat each failed test, its message and the top of its stack at the end.
if [ "$status" -ne 0 ]; then
  python3 - "$RESULTS" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", ns):
        info = result.find("t:Output/t:ErrorInfo", ns)
        message = info.findtext("t:Message", "", ns) if info is not None else ""
        stack = info.findtext("t:StackTrace", "", ns) if info is not None else ""
        print(f"\nFAILED {result.get('testName')} ({result.get('duration')})")
        print("  " + message.strip()[:2000].replace("\n", "\n  "))
        print("  " + "\n  ".join(stack.strip().splitlines()[:12]))
PY
fi
exit "$status"
