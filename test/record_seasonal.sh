#!/usr/bin/env bash
# Records the throughput of a real run under a seasonal load, for the
# forecast's evaluation on a recorded series: `aurigraph dev`, transactions
# posted over REST at 2500 + 4·t + 1500·sin(2πt/60) tx/s for DURATION
# seconds, then the committed tx/s series in 1 s buckets written to OUT.
#
#   test/record_seasonal.sh            (needs bin/aurigraph, curl, python3)
set -euo pipefail

BIN=${BIN:-./bin/aurigraph}
DURATION=${DURATION:-360}
OUT=${OUT:-analytics/forecast/testdata/recorded_tps.json}
BASE_PORT=${BASE_PORT:-29000}
HTTP=127.0.0.1:$((BASE_PORT + 80))
DATA=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT

"$BIN" dev --data "$DATA/data" --http "$HTTP" --kafka 127.0.0.1:$((BASE_PORT + 92)) \
  --clickhouse-http 127.0.0.1:$((BASE_PORT + 23)) --grpc 127.0.0.1:$((BASE_PORT + 4)) \
  --raft-port $((BASE_PORT + 100)) >"$DATA/dev.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do curl -sf "http://$HTTP/q/health" >/dev/null 2>&1 && break; sleep 0.2; done

python3 - "$HTTP" "$DURATION" "$OUT" <<'PY'
import json, math, sys, time, urllib.request
http, duration, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def post(txs):
    req = urllib.request.Request(f"http://{http}/api/v12/transactions", data=json.dumps(txs).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(req, timeout=30).read()
start = time.time()
# Align the run to 5 s buckets so every bucket is whole.
start = math.ceil(start / 5) * 5
time.sleep(start - time.time())
n = 0
for sec in range(duration):
    rate = int(2500 + 4 * sec + 1500 * math.sin(2 * math.pi * sec / 60))
    for chunk in range(0, rate, 500):
        txs = [{"type": "mint", "to": f"acct-{(n + i) % 1000}", "amount": 1, "nonce": n + i + 1,
                "from": f"src-{(n + i) % 1000}"} for i in range(min(500, rate - chunk))]
        post(txs)
        n += len(txs)
    time.sleep(max(0, start + sec + 1 - time.time()))
time.sleep(5)
end = start + duration
with urllib.request.urlopen(f"http://{http}/api/v12/analytics/series?metric=tps&step=1s&from={int(start*1000)}&to={int(end*1000)}") as r:
    series = json.load(r)
series["recorded"] = {"load": "2500 + 4*t + 1500*sin(2*pi*t/60) tx/s over REST", "duration_s": duration, "posted": n}
with open(out, "w") as f:
    json.dump(series, f, indent=1)
print(f"posted {n} transactions; {len(series['points'])} points written to {out}")
PY
