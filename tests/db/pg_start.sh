#!/usr/bin/env bash
# pg_start.sh PGDIR: start a throwaway PostgreSQL cluster for the database
# and HTTP tests: unix socket only (short socket directory), a free port,
# trust authentication, fsync off (RIDGE_PG_DURABLE=1: PostgreSQL's durable
# defaults, fsync, synchronous_commit and full_page_writes on, for
# benchmarks of a real deployment). Writes the libpq conninfo to
# PGDIR/conninfo; tests create their own databases in it. As root the
# server runs as the postgres account (initdb refuses root).
set -euo pipefail
PGDIR=${1:?usage: pg_start.sh PGDIR}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$BIN/initdb" ] || { echo "pg_start: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
"$(dirname "$0")/pg_stop.sh" "$PGDIR" >/dev/null 2>&1 || true
rm -rf "$PGDIR"
mkdir -p "$PGDIR"
SOCK=$(mktemp -d /tmp/rgpg.XXXXXX)   # short path: sockets are limited to ~107 bytes
RUN=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$PGDIR" "$SOCK"
  RUN=(runuser -u postgres --)
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${RUN[@]}" "$BIN/initdb" -D "$PGDIR/data" --auth=trust -U postgres -E UTF8 --no-sync >"$PGDIR/initdb.log" 2>&1 ||
  { cat "$PGDIR/initdb.log" >&2; exit 1; }
DURABILITY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${RIDGE_PG_DURABLE:-0}" = 1 ] && DURABILITY="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
"${RUN[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 30 \
  -o "-c listen_addresses='' -c unix_socket_directories=$SOCK -p $PORT $DURABILITY -c max_connections=200" \
  start >/dev/null || { cat "$PGDIR/server.log" >&2; exit 1; }
echo "host=$SOCK port=$PORT user=postgres" >"$PGDIR/conninfo"
echo "$SOCK" >"$PGDIR/sockdir"
echo "pg_start: $(cat "$PGDIR/conninfo")"
