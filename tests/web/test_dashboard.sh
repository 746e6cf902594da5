#!/usr/bin/env bash
# test_dashboard.sh BUILD_DIR SRC_DIR PGDIR: the dashboard in a real browser.
#
# Creates a fresh database in the test cluster (tests/db/pg_start.sh wrote
# its conninfo to PGDIR/conninfo), creates a write token, starts ridged on a
# free loopback port with --require-auth serving SRC_DIR/web, and drives the
# page with Debian's Chromium through playwright-core (run_dashboard.mjs).
# Screenshots land in SRC_DIR/tests/web/artifacts/.
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
pgdir=$3
script=${4:-run_dashboard.mjs} # the page walk to run (test_sweeps.sh: run_sweeps.mjs)
here=$src/tests/web
ridged=$build/ridged
[ -x "$ridged" ] || { echo "test_dashboard: $ridged not built"; exit 1; }
[ -x /usr/bin/chromium ] || { echo "test_dashboard: /usr/bin/chromium missing (scripts/deps.sh installs it)"; exit 1; }
conninfo=$(cat "$pgdir/conninfo")

if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "test_dashboard: installing playwright-core (npm ci)"
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi

db="ridge_web_$$"
psql "$conninfo" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db"
dbinfo="$conninfo dbname=$db"

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
log=$(mktemp /tmp/ridged-web.XXXXXX.log)
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  psql "$conninfo" -X -q -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT

# token create applies the migrations first
token=$("$ridged" token create --role write --name web-test --db "$dbinfo" | tail -n 1)
case "$token" in rg_*) ;; *) echo "test_dashboard: no token from 'ridged token create': $token"; exit 1 ;; esac

OMP_WAIT_POLICY=passive "$ridged" --listen "127.0.0.1:$port" --db "$dbinfo" --web "$src/web" --require-auth \
  --threads 2 --workers 1 --omp-threads 1 >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "test_dashboard: ridged exited"; cat "$log"; exit 1; }
  sleep 0.1
done

rc=0
node "$here/$script" "http://127.0.0.1:$port/" "$here/artifacts" "$token" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "--- ridged log (tail)"
  tail -n 40 "$log"
fi
exit "$rc"
