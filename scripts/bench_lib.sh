# bench_lib.sh: the start-up the benchmark scripts share (sourced, not run).
# bench_start NAME [RIDGED_OPTION...]: a throwaway PostgreSQL cluster with a
# database "bench" — durable (fsync, synchronous_commit and full_page_writes
# on) unless BENCH_DURABLE=0, unix sockets only — and ridged on a free
# loopback port against it, with the options given; both are stopped and
# removed at exit. Sets PGDIR, CONN, PORT, U and RPID. Run from the
# repository root with BUILD set to the build directory.
bench_start() {
  local name=$1
  shift
  PGDIR=$(mktemp -d "/tmp/ridge-$name.XXXXXX")
  chmod 755 "$PGDIR" # the postgres account must reach the cluster directory
  RPID=""
  trap bench_cleanup EXIT
  RIDGE_PG_DURABLE=${BENCH_DURABLE:-1} tests/db/pg_start.sh "$PGDIR/pg" >/dev/null
  CONN="$(cat "$PGDIR/pg/conninfo")"
  psql "$CONN dbname=postgres" -qAt -c "CREATE DATABASE bench" >/dev/null
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  U="http://127.0.0.1:$PORT"
  OMP_WAIT_POLICY=passive "$BUILD/ridged" --listen "127.0.0.1:$PORT" --db "$CONN dbname=bench" "$@" >"$PGDIR/ridged.log" 2>&1 &
  RPID=$!
  for _ in $(seq 1 100); do curl -fsS "$U/api/v1/health" >/dev/null 2>&1 && break; sleep 0.1; done
}
bench_cleanup() {
  [ -n "$RPID" ] && kill -TERM "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
  tests/db/pg_stop.sh "$PGDIR/pg" >/dev/null 2>&1
  rm -rf "$PGDIR"
}
