#!/usr/bin/env bash
# One million transactions through the real pipeline, then every analytics
# endpoint timed (first call and best of three) and checked against SQL.
#
#   test/analytics_1m.sh            (needs bin/aurigraph, kcat, curl, python3)
set -euo pipefail

BIN=${BIN:-./bin/aurigraph}
N=${N:-1000000}
BASE_PORT=${BASE_PORT:-28000}
HTTP=127.0.0.1:$((BASE_PORT + 80))
KAFKA=127.0.0.1:$((BASE_PORT + 92))
CH=127.0.0.1:$((BASE_PORT + 23))
DATA=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT

"$BIN" dev --data "$DATA/data" --http "$HTTP" --kafka "$KAFKA" --clickhouse-http "$CH" \
  --grpc 127.0.0.1:$((BASE_PORT + 4)) --raft-port $((BASE_PORT + 100)) >"$DATA/dev.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do curl -sf "http://$HTTP/q/health" >/dev/null 2>&1 && break; sleep 0.2; done

python3 - "$N" >"$DATA/txs" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    a, b = f"acct-{i % 997:03d}", f"acct-{(i * 7) % 997:03d}"
    print(f'{a}|{{"type":"mint","from":"{a}","to":"{b}","amount":{1 + i % 1000},"nonce":{i // 997 + 1}}}')
PY
t0=$(date +%s%3N)
kcat -P -b "$KAFKA" -t aurigraph.tx.v1 -K '|' -l "$DATA/txs"
n=0
for _ in $(seq 1 3000); do
  n=$(curl -sf "http://$CH/?query=SELECT+count()+FROM+aurigraph.transactions" || echo 0)
  [ "$n" = "$N" ] && break
  sleep 0.2
done
[ "$n" = "$N" ] || { echo "FAIL: $n of $N projected" >&2; exit 1; }
echo "$N committed and projected in $(( $(date +%s%3N) - t0 )) ms"

for p in "series?metric=tps&step=1m&from=-1h" "series?metric=latency_p99&step=10s&from=-1h" "latency?from=-1h" \
         "validators?from=-1h" "top/accounts?limit=10&from=-1h" "top/assets?from=-1h" "accounts/acct-001" \
         "compare?metric=tps&period=30m" "forecast?metric=tps&step=1s&history=10m&season=60&horizon=60" \
         "anomalies?metric=tps&step=1s&from=-10m&season=60"; do
  first= best=
  for _ in 1 2 3; do
    t=$(curl -s -o /dev/null -w '%{time_total}' "http://$HTTP/api/v12/analytics/$p")
    first=${first:-$t}
    best=$(python3 -c "print(min(${best:-$t}, $t))")
  done
  echo "$p: first ${first}s, best ${best}s"
done

sql() { "$BIN" sql --clickhouse "http://$CH" "$1" | tail -n 1; }
echo "SQL: transactions $(sql 'SELECT count() FROM aurigraph.transactions'), blocks and their txs $(sql 'SELECT count(), sum(tx_count) FROM aurigraph.blocks')"
curl -s "http://$HTTP/api/v12/analytics/validators?from=-1h" |
  python3 -c "import sys,json; v=json.load(sys.stdin)['validators']; print('API: validators blocks', sum(x['blocks'] for x in v), 'txs', sum(x['txs'] for x in v))"
curl -s "http://$HTTP/api/v12/analytics/series?metric=tps&step=1m&from=-1h" |
  python3 -c "import sys,json; s=json.load(sys.stdin); print('API: tps series x 60 s =', round(sum(p['v'] for p in s['points']) * 60))"
