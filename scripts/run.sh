#!/usr/bin/env bash
# run.sh: set up and run Ridge on a fresh Debian 12 machine, in one command.
#
#   1. installs the packages (scripts/deps.sh) and builds (cmake, build/);
#   2. creates a private PostgreSQL cluster under .run/pg (once; as root the
#      server runs as the postgres account, which owns the directory),
#      starts it on a unix socket and creates the database "ridge";
#   3. (re)starts ridged in the background (log .run/ridged.log, pid
#      .run/ridged.pid), which applies pending migrations, waits for
#      /api/v1/health and prints the URL.
# Idempotent: a second run reuses the cluster and its data.
# Environment: RIDGE_LISTEN (127.0.0.1:8080), RIDGE_PG_PORT (5433), RIDGE_BUILD_DIR
# (build), and any
# ridged variable (RIDGE_REQUIRE_AUTH, RIDGE_WORKERS ...). Stop with
# scripts/run.sh stop.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUN="$ROOT/.run"
PGDATA="$RUN/pg"
PGPORT=${RIDGE_PG_PORT:-5433}
LISTEN=${RIDGE_LISTEN:-127.0.0.1:8080}
SOCK="$RUN/sock"
# unix socket paths are limited to ~107 bytes
if [ ${#SOCK} -gt 80 ]; then SOCK="/tmp/ridge-sock-$(id -u)"; fi

AS=()
if [ "$(id -u)" -eq 0 ]; then AS=(runuser -u postgres --); fi

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

stop_ridged() {
  if [ -f "$RUN/ridged.pid" ] && kill -0 "$(cat "$RUN/ridged.pid")" 2>/dev/null; then
    kill -TERM "$(cat "$RUN/ridged.pid")"
    for _ in $(seq 1 100); do kill -0 "$(cat "$RUN/ridged.pid")" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$RUN/ridged.pid"
}

if [ "${1:-}" = stop ]; then
  stop_ridged
  BIN=$(pg_bin)
  [ -d "$PGDATA" ] && "${AS[@]}" "$BIN/pg_ctl" -D "$PGDATA" -w stop >/dev/null 2>&1 || true
  echo "run: stopped ridged and PostgreSQL"
  exit 0
fi

# Packages for building and running; the test-only ones (browser, node) may
# fail to install without stopping the service from being set up.
scripts/deps.sh || echo "run: scripts/deps.sh failed; continuing with the packages installed" >&2
BUILD=${RIDGE_BUILD_DIR:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)"

BIN=$(pg_bin)
mkdir -p "$RUN" "$SOCK"
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  echo "run: creating a PostgreSQL cluster in $PGDATA"
  mkdir -p "$PGDATA"
  if [ ${#AS[@]} -gt 0 ]; then chown postgres:postgres "$PGDATA" "$SOCK"; chmod 700 "$PGDATA"; fi
  "${AS[@]}" "$BIN/initdb" -D "$PGDATA" --auth=trust -U postgres -E UTF8 >"$RUN/initdb.log" 2>&1 ||
    { cat "$RUN/initdb.log" >&2; exit 1; }
fi
[ ${#AS[@]} -gt 0 ] && chown postgres:postgres "$SOCK"
if ! "${AS[@]}" "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  "${AS[@]}" "$BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
    -o "-c listen_addresses='' -c unix_socket_directories=$SOCK -p $PGPORT -c max_connections=200" start >/dev/null ||
    { tail -20 "$PGDATA/server.log" >&2; exit 1; }
fi
CONN="host=$SOCK port=$PGPORT user=postgres"
if [ "$(psql "$CONN dbname=postgres" -qAt -c "SELECT 1 FROM pg_database WHERE datname = 'ridge'")" != 1 ]; then
  psql "$CONN dbname=postgres" -q -c "CREATE DATABASE ridge"
fi

stop_ridged
export OMP_WAIT_POLICY=passive
RIDGE_DB="$CONN dbname=ridge" RIDGE_LISTEN="$LISTEN" setsid nohup "$BUILD/ridged" --web "$ROOT/web" \
  >>"$RUN/ridged.log" 2>&1 </dev/null &
echo $! >"$RUN/ridged.pid"
HOST=${LISTEN%:*}
PORT=${LISTEN##*:}
[ "$HOST" = 0.0.0.0 ] && HOST=127.0.0.1
URL="http://$HOST:$PORT/"
for _ in $(seq 1 100); do
  if curl -fsS "${URL}api/v1/health" >/dev/null 2>&1; then
    echo "run: ridged is up (pid $(cat "$RUN/ridged.pid"), log $RUN/ridged.log, database: $CONN dbname=ridge)"
    echo "$URL"
    exit 0
  fi
  kill -0 "$(cat "$RUN/ridged.pid")" 2>/dev/null || break
  sleep 0.1
done
echo "run: ridged did not become healthy; last log lines:" >&2
tail -20 "$RUN/ridged.log" >&2
exit 1
