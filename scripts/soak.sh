#!/usr/bin/env bash
# soak.sh [BUILD_DIR] [SECONDS]: mixed reads and writes from two clients
# against one ridged for SECONDS (default 600), sampling the daemon's RSS and
# open descriptors every 10 s. Client A evaluates specs and queues small
# sweeps; client B lists sweeps, reads results, Pareto fronts and chunks and
# probes /health, and sends a few hostile requests (duplicate keys, bad
# UTF-8, aborted connections). Flat RSS and descriptors are the target.
# Starts its own throwaway PostgreSQL cluster (not durable) and ridged
# (scripts/bench_lib.sh); stops both at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SECS=${2:-600}
[ -x "$BUILD/ridged" ] || { echo "build first: cmake --build $BUILD" >&2; exit 1; }
source scripts/bench_lib.sh
BENCH_DURABLE=0 bench_start soak --omp-threads 1
python3 - "$PORT" "$SECS" "$RPID" <<'PY'
import http.client, json, os, socket, sys, threading, time
port, secs, pid = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
spec = {"model": "llama3-8b", "hardware": "h100-sxm", "system": "dgx-h100", "phase": "train",
        "batch": 256, "seq_len": 4096, "parallelism": {"dp": 8}}
end = time.time() + secs
counts = {"A": {}, "B": {}}
sweeps = []

def call(who, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request(method, path, body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        counts[who][r.status] = counts[who].get(r.status, 0) + 1
        return r.status, data
    except Exception:
        counts[who]["error"] = counts[who].get("error", 0) + 1
        return 0, b""
    finally:
        c.close()

def client_a():
    i = 0
    while time.time() < end:
        s = dict(spec, batch=8 * (1 + i % 64))  # a multiple of dp: every evaluate is valid
        call("A", "POST", "/api/v1/evaluate", json.dumps(s))
        if i % 20 == 0:
            st, d = call("A", "POST", "/api/v1/sweeps", json.dumps(
                {"name": f"soak{i}", "base": spec, "axes": [{"path": "batch", "values": [8, 16, 32, 64]},
                                                          {"path": "seq_len", "values": [1024, 2048]}]}))
            if st == 202:
                sweeps.append(json.loads(d)["id"])
        i += 1

def client_b():
    i = 0
    while time.time() < end:
        call("B", "GET", "/api/v1/health")
        call("B", "GET", "/api/v1/sweeps?limit=20")
        if sweeps:
            sid = sweeps[-1]
            call("B", "GET", f"/api/v1/sweeps/{sid}/results?limit=50")
            call("B", "GET", f"/api/v1/sweeps/{sid}/pareto")
            call("B", "GET", f"/api/v1/sweeps/{sid}/chunks")
        if i % 10 == 0:
            call("B", "POST", "/api/v1/evaluate", b'{"model":"llama3-8b","model":"x"}')
            call("B", "GET", "/api/v1/sweeps?tag=%FF")
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
            s.close()  # aborted mid-request
        i += 1

def sample():
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))

threads = [threading.Thread(target=client_a), threading.Thread(target=client_b)]
for t in threads:
    t.start()
rows = []
t0 = time.time()
while time.time() < end:
    rss, fds = sample()
    rows.append((round(time.time() - t0), rss, fds))
    print(f"t={rows[-1][0]:4d} s  rss={rss / 1024:7.1f} MiB  fds={fds}", flush=True)
    time.sleep(10)
for t in threads:
    t.join()
rss, fds = sample()
rows.append((round(time.time() - t0), rss, fds))
print(f"t={rows[-1][0]:4d} s  rss={rss / 1024:7.1f} MiB  fds={fds}")
warm = rows[len(rows) // 4] if len(rows) > 4 else rows[0]
print(f"requests: client A {counts['A']}, client B {counts['B']}; sweeps queued {len(sweeps)}")
print(f"RSS from the first quarter to the end: {warm[1] / 1024:.1f} -> {rows[-1][1] / 1024:.1f} MiB; "
      f"descriptors {warm[2]} -> {rows[-1][2]}")
PY
echo "sanitizer reports in the log: $(grep -cE "Sanitizer|runtime error" "$PGDIR/ridged.log" || true)"
