#!/usr/bin/env bash
# replicas.sh: several ridged replicas on one machine sharing one database,
# without containers (after scripts/run.sh has created .run/pg):
#   deploy/replicas.sh start 3     replicas on 127.0.0.1:8091..8093
#   deploy/replicas.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=.run
CONN="host=$PWD/$RUN/sock port=${RIDGE_PG_PORT:-5433} user=postgres dbname=ridge"
case "${1:-}" in
start)
  n=${2:-3}
  for i in $(seq 1 "$n"); do
    port=$((8090 + i))
    OMP_WAIT_POLICY=passive setsid nohup build/ridged --listen "127.0.0.1:$port" --db "$CONN" \
      --replica "replica-$i" --web web >>"$RUN/replica-$i.log" 2>&1 </dev/null &
    echo $! >"$RUN/replica-$i.pid"
    echo "replica-$i: http://127.0.0.1:$port/ (pid $!)"
  done ;;
stop)
  for f in "$RUN"/replica-*.pid; do
    [ -f "$f" ] || continue
    kill -TERM "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done ;;
*) echo "usage: deploy/replicas.sh start [N] | stop" >&2; exit 2 ;;
esac
