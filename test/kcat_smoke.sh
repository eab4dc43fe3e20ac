#!/usr/bin/env bash
# Black-box acceptance run of the built binary with Debian's kcat as the
# producer: N JSON transactions and a few undecodable records go in through
# the topic, everything must come out in the chain, in ClickHouse and in the
# dead-letter topic; then SIGTERM, restart on the same data, N more.
#
#   N=20000 test/kcat_smoke.sh            (needs bin/aurigraph, kcat, curl)
set -euo pipefail

N=${N:-20000}
BIN=${BIN:-./bin/aurigraph}
BASE_PORT=${BASE_PORT:-18000}
HTTP=127.0.0.1:$((BASE_PORT + 80))
KAFKA=127.0.0.1:$((BASE_PORT + 92))
CH=127.0.0.1:$((BASE_PORT + 23))
GRPC=127.0.0.1:$((BASE_PORT + 4))
DATA=$(mktemp -d)
LOG=$DATA/dev.log
PID=

die() { echo "FAIL: $*" >&2; [ -f "$LOG" ] && tail -n 40 "$LOG" >&2; exit 1; }
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT

for tool in kcat curl python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
[ -x "$BIN" ] || die "$BIN not built (make build)"

start() {
  "$BIN" dev --data "$DATA/data" --http "$HTTP" --kafka "$KAFKA" --clickhouse-http "$CH" \
    --grpc "$GRPC" --raft-port $((BASE_PORT + 100)) >>"$LOG" 2>&1 &
  PID=$!
  for _ in $(seq 1 300); do
    curl -sf "http://$HTTP/q/health" >/dev/null 2>&1 && return 0
    kill -0 "$PID" 2>/dev/null || die "aurigraph dev exited"
    sleep 0.2
  done
  die "aurigraph dev not healthy after 60s"
}

stop() {
  kill -TERM "$PID"
  wait "$PID" || die "aurigraph dev exited non-zero after SIGTERM"
  PID=
}

json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
stat() { curl -sf "http://$HTTP/api/v12/chain/stats" | json "[\"$1\"]"; }
now_ms() { date +%s%3N; }

# produce FIRST COUNT: JSON mints keyed by account, nonces increasing per account.
produce() {
  python3 - "$1" "$2" <<'PY' | kcat -P -b "$KAFKA" -t aurigraph.tx.v1 -K '|'
import sys
first, count = int(sys.argv[1]), int(sys.argv[2])
out = []
for i in range(first, first + count):
    a = f"acct-{i % 97:03d}"
    out.append(f'{a}|{{"type":"mint","from":"{a}","to":"{a}","amount":{1 + i % 1000},"nonce":{i // 97 + 1}}}')
print("\n".join(out))
PY
}

wait_count() {
  local want=$1 t0=$2
  for _ in $(seq 1 1200); do
    [ "$(stat tx_count)" = "$want" ] && { echo "committed $want in $(( $(now_ms) - t0 )) ms"; return 0; }
    sleep 0.1
  done
  die "tx_count stuck at $(stat tx_count), want $want"
}

check_sinks() {
  local want=$1
  local verify; verify=$(curl -sf "http://$HTTP/api/v12/chain/verify")
  [ "$(echo "$verify" | json '["ok"]')" = "True" ] || die "chain/verify: $verify"
  [ "$(echo "$verify" | json '["duplicates"]')" = "0" ] || die "chain/verify: $verify"
  [ "$(echo "$verify" | json '["tx_count"]')" = "$want" ] || die "chain/verify: $verify"
  local row=
  for _ in $(seq 1 600); do
    row=$(curl -sf "http://$CH/?query=SELECT+count(),uniqExact(id)+FROM+aurigraph.transactions" || true)
    [ "$row" = "$(printf '%s\t%s' "$want" "$want")" ] && break
    sleep 0.1
  done
  [ "$row" = "$(printf '%s\t%s' "$want" "$want")" ] || die "ClickHouse count,uniqExact = '$row', want $want"
  echo "chain/verify ok, ClickHouse count=uniqExact=$want"
}

start
t0=$(now_ms)
produce 0 "$N"
printf 'bad|{"type":"mint", oops\nbad|not json at all\nbad|{"type":"teleport","from":"a","to":"b","amount":1,"nonce":1}\n' |
  kcat -P -b "$KAFKA" -t aurigraph.tx.v1 -K '|'
wait_count "$N" "$t0"
check_sinks "$N"

dlq=$(kcat -C -b "$KAFKA" -t aurigraph.tx.dlq.v1 -e -q -f '%h\n' | grep -c 'reason=' || true)
[ "$dlq" -ge 3 ] || die "dead-letter topic has $dlq records with a reason, want 3"
echo "dead letters with a reason: $dlq"

h1=$(stat height)
stop
start
[ "$(stat height)" = "$h1" ] || die "height after restart $(stat height), want $h1"
t0=$(now_ms)
produce "$N" "$N"
wait_count $((2 * N)) "$t0"
check_sinks $((2 * N))
h2=$(stat height)
[ "$h2" -gt "$h1" ] || die "height did not grow after restart ($h1 -> $h2)"
echo "heights continued across SIGTERM restart: $h1 -> $h2"
curl -sf "http://$HTTP/api/v12/performance"; echo
stop
echo "kcat smoke: ok"
