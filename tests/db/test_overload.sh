#!/usr/bin/env bash
# test_overload.sh: ridged under overload and persistent faults, with real
# clients on loopback:
# - slow clients (slowloris: connections that send a partial request and
#   then trickle or stay silent) from one address are capped by the
#   per-address limit and dropped by the read timeout, while a client from
#   another loopback address is still served at once;
# - fairness: a sweep queued after a large one finishes first (chunks are
#   claimed round-robin across sweeps, not in sweep order);
# - limits: points per sweep and per author answer 429 naming axes;
# - a claim that keeps failing (as on a full disk) fails its sweep with the
#   database's message after --max-attempts, and /health says degraded.
source "$(dirname "$0")/lib.sh"
DB=$(new_db overload)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"

# ---- slow clients
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --per-ip-limit 16 --conn-timeout 2 --workers 1 --omp-threads 1
cat >"$TMP/slow.py" <<'PY'
import socket, sys, time, subprocess
port, n, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
socks, refused = [], 0
for i in range(n):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))          # the attacker's address; the victim uses 127.0.0.1
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")   # never finished
        socks.append(s)
    except OSError:
        refused += 1
time.sleep(0.3)
open_now = 0
for s in socks:                        # the server closes those past the per-address limit
    s.setblocking(False)
    try:
        open_now += s.recv(1) != b""
    except BlockingIOError:
        open_now += 1
    except OSError:
        pass
t0 = time.time()
out = subprocess.run(["curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                      f"http://127.0.0.1:{port}/api/v1/health"], capture_output=True, text=True).stdout
victim = time.time() - t0
time.sleep(hold)                       # idle past --conn-timeout: the server drops them
still = 0
for s in socks:
    try:
        s.setblocking(False)
        still += s.recv(1) != b""
    except BlockingIOError:
        still += 1
    except OSError:
        pass
print(open_now, out, round(victim, 3), still)
PY
read -r OPEN VCODE VTIME STILL < <(python3 "$TMP/slow.py" "$PORT" 200 3.5)
[ "$OPEN" -le 16 ] && ok "200 slow connections from one address: $OPEN held (per-address limit 16)" || fail "$OPEN slow connections held"
[ "$VCODE" = 200 ] && python3 -c "import sys; sys.exit(0 if $VTIME < 1.0 else 1)" &&
  ok "another client is served meanwhile ($VCODE in $VTIME s)" || fail "victim: $VCODE in $VTIME s"
[ "$STILL" = 0 ] && ok "silent connections dropped after the read timeout" || fail "$STILL slow connections still open after the timeout"

# ---- fairness: a sweep queued after a large one is not starved by it
# both POSTs from one curl process (--next), so the small sweep is queued
# within milliseconds of the large one even when the test client is slow
BIGSPEC="{\"name\":\"big\",\"chunk_size\":200,\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":2000,\"steps\":2000}},{\"path\":\"seq_len\",\"values\":[512,1024,2048,4096,8192,16384,32768,65536,131072,262144]}]}"
SMALLSPEC="{\"name\":\"small\",\"chunk_size\":500,\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8,16]}]}"
CODES=$(curl -sS -H 'Content-Type: application/json' -o "$TMP/big.json" -w '%{http_code} ' -X POST "$U/api/v1/sweeps" -d "$BIGSPEC" \
  --next -H 'Content-Type: application/json' -o "$TMP/small.json" -w '%{http_code}' -X POST "$U/api/v1/sweeps" -d "$SMALLSPEC")
CODE=${CODES%% *} BODY=$(cat "$TMP/big.json")
expect 202 "a large sweep (20000 points, 100 chunks)"
CODE=${CODES##* } BODY=$(cat "$TMP/small.json")
expect 202 "a small sweep queued after it"
BIG=$(python3 -c "import json; print(json.load(open('$TMP/big.json'))['id'])")
SMALL=$(python3 -c "import json; print(json.load(open('$TMP/small.json'))['id'])")
[ "$(wait_sweep "$U" "$SMALL" 120)" = succeeded ] && ok "the small sweep finished" || fail "small sweep did not finish"
wait_sweep "$U" "$BIG" 180 >/dev/null
# its 100 chunks come in pages
req GET "$U/api/v1/sweeps/$BIG/chunks?limit=30"
[ "$(jget 'len(d["chunks"])')" = 30 ] && [ "$(jget 'd["next_page_token"]')" = 30 ] && ok "chunks: a page of 30 and a token" ||
  fail "chunks page: ${BODY:0:200}"
SEEN=0 TOK=""
for _ in 1 2 3 4 5; do
  req GET "$U/api/v1/sweeps/$BIG/chunks?limit=30${TOK:+&page_token=$TOK}"
  SEEN=$((SEEN + $(jget 'len(d["chunks"])')))
  TOK=$(jget 'd["next_page_token"] or ""')
  [ -z "$TOK" ] && break
done
[ "$SEEN" = 100 ] && ok "every chunk once across the pages" || fail "pages held $SEEN chunks"
req GET "$U/api/v1/sweeps/$BIG/chunks?limit=20000"
expect 400 "chunks limit past 10000"
# when the small sweep finished, how many of the large one's chunks were done
BIGDONE=$(sql "SELECT count(*) FILTER (WHERE k.done_at <= s.finished_at) || '/' || count(*) FROM sweep_chunks k, sweeps s WHERE k.sweep_id = $BIG AND s.id = $SMALL")
[ "${BIGDONE%/*}" -lt "${BIGDONE#*/}" ] && ok "it finished before the large one ($BIGDONE of that one's chunks done by then)" ||
  fail "the small sweep waited for the large one ($BIGDONE)"
stop_ridged

# ---- limits per sweep and per author (no workers: what is queued stays queued)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --workers 0 --max-sweep-points 1000 --max-author-points 1500
req POST "$U/api/v1/sweeps" -d "{\"name\":\"q\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":2000,\"steps\":2000}}]}"
[ "$CODE" = 429 ] && [ "$(jget 'd["field"]')" = axes ] && [ "$(jget 'd["code"]')" = RG_EQUOTA ] &&
  ok "a sweep past --max-sweep-points: 429 naming axes" || fail "sweep limit: $CODE ${BODY:0:300}"
req POST "$U/api/v1/sweeps" -d "{\"name\":\"q1\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":1000,\"steps\":1000}}]}"
expect 202 "1000 points within the author's limit"; [ "$CODE" = 202 ] || cat "$RLOG" >&2
Q1=$(jget 'd["id"]')
req POST "$U/api/v1/sweeps" -d "{\"name\":\"q2\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":1000,\"steps\":1000}}]}"
[ "$CODE" = 429 ] && [ "$(jget 'd["field"]')" = axes ] && ok "1000 more past --max-author-points: 429" ||
  fail "author limit: $CODE ${BODY:0:300}"
req POST "$U/api/v1/sweeps/$Q1/cancel"
expect 200 "cancel the first"
req POST "$U/api/v1/sweeps" -d "{\"name\":\"q3\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"range\":{\"start\":1,\"stop\":1000,\"steps\":1000}}]}"
expect 202 "accepted again once the first is cancelled"
[ "$(sql "SELECT count(*) FROM sweeps WHERE name IN ('q', 'q2')")" = 0 ] && ok "refused sweeps were not stored" || fail "a refused sweep was stored"
req GET "$U/problems/quota-exceeded"
expect 200 "the quota problem is documented"
stop_ridged

# ---- a claim that always fails (the disk full): the sweep fails, health degrades
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
sql "CREATE FUNCTION rg_test_full() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'could not extend file \"base/1/2\": No space left on device'; END \$\$"
sql "CREATE TRIGGER rg_test_full BEFORE UPDATE ON sweep_chunks FOR EACH ROW EXECUTE FUNCTION rg_test_full()"
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --workers 1 --max-attempts 5
req POST "$U/api/v1/sweeps" -d "{\"name\":\"full\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8,16]}]}"
expect 202 "a sweep on a full disk"
FULL=$(jget 'd["id"]')
DEGRADED=no
for _ in $(seq 1 40); do
  CODE=$(curl -s -o "$TMP/health" -w '%{http_code}' "$U/api/v1/health")
  if [ "$CODE" = 503 ] && grep -q 'No space left' "$TMP/health"; then DEGRADED=yes; break; fi
  sleep 0.25
done
[ "$DEGRADED" = yes ] && ok "health degraded with the database's message" || fail "health while claims fail: $(cat "$TMP/health")"
[ "$(wait_sweep "$U" "$FULL" 30)" = failed ] && ok "the sweep failed after the attempts" || fail "the sweep did not fail"
req GET "$U/api/v1/sweeps/$FULL"
ERR=$(jget 'd["error"]')
[[ "$ERR" == *"No space left on device"* ]] && ok "its error is the database's message" || fail "error: $ERR"
sql "DROP TRIGGER rg_test_full ON sweep_chunks"
for _ in $(seq 1 40); do
  CODE=$(curl -s -o "$TMP/health" -w '%{http_code}' "$U/api/v1/health")
  [ "$CODE" = 200 ] && break
  sleep 0.25
done
[ "$CODE" = 200 ] && ok "health ok once claims succeed again" || fail "health after the fault: $CODE $(cat "$TMP/health")"
req POST "$U/api/v1/sweeps" -d "{\"name\":\"after\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}"
AFTER=$(jget 'd["id"]')
[ "$(wait_sweep "$U" "$AFTER" 60)" = succeeded ] && ok "sweeps run again" || fail "sweep after the fault"
stop_ridged
finish
