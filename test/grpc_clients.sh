#!/usr/bin/env bash
# The gRPC API from outside: grpcurl (pinned in go.mod) lists the services
# through reflection and finds every one SERVING, then the Go, Python,
# JavaScript and Java client smoke tests run against the same aurigraph dev.
#
#   test/grpc_clients.sh            (needs bin/aurigraph, curl, python3, node, mvn)
#   CLIENTS="python js" test/grpc_clients.sh
set -euo pipefail

BIN=${BIN:-./bin/aurigraph}
BASE_PORT=${BASE_PORT:-19000}
HTTP=127.0.0.1:$((BASE_PORT + 80))
KAFKA=127.0.0.1:$((BASE_PORT + 92))
CH=127.0.0.1:$((BASE_PORT + 23))
GRPC=127.0.0.1:$((BASE_PORT + 4))
CLIENTS=${CLIENTS:-go python js java}
DATA=$(mktemp -d)
LOG=$DATA/dev.log
PID=

die() { echo "FAIL: $*" >&2; [ -f "$LOG" ] && tail -n 40 "$LOG" >&2; exit 1; }
cleanup() { [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$DATA"; }
trap cleanup EXIT

[ -x "$BIN" ] || die "$BIN not built (make build)"
go build -o "$DATA/grpcurl" github.com/fullstorydev/grpcurl/cmd/grpcurl

"$BIN" dev --data "$DATA/data" --http "$HTTP" --kafka "$KAFKA" --clickhouse-http "$CH" \
  --grpc "$GRPC" --raft-port $((BASE_PORT + 100)) >>"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 300); do
  curl -sf "http://$HTTP/q/health" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || die "aurigraph dev exited"
  sleep 0.2
done
curl -sf "http://$HTTP/q/health" >/dev/null || die "aurigraph dev not healthy after 60s"

services=$("$DATA/grpcurl" -plaintext "$GRPC" list)
echo "$services"
for svc in aurigraph.v1.TransactionService aurigraph.v1.BlockService aurigraph.v1.ValidatorService \
  aurigraph.v1.PerformanceService aurigraph.v1.StreamService grpc.health.v1.Health; do
  grep -qx "$svc" <<<"$services" || die "reflection does not list $svc"
done
# The chain services report SERVING once the gRPC server's leader watch has
# seen the leader the HTTP health check already waited for; it looks every
# 250 ms.
for svc in "" aurigraph.v1.TransactionService aurigraph.v1.BlockService aurigraph.v1.ValidatorService \
  aurigraph.v1.PerformanceService aurigraph.v1.StreamService; do
  for _ in $(seq 1 150); do
    st=$("$DATA/grpcurl" -plaintext -d "{\"service\":\"$svc\"}" "$GRPC" grpc.health.v1.Health/Check) || true
    grep -q '"SERVING"' <<<"$st" && break
    sleep 0.2
  done
  grep -q '"SERVING"' <<<"$st" || die "health of '${svc:-server}' after 30 s: $st"
done
echo "grpcurl: every service listed and SERVING"

for c in $CLIENTS; do
  echo "== $c client smoke test"
  t0=$(date +%s)
  case $c in
    go) AURIGRAPH_GRPC=$GRPC go run ./test/grpcsmoke ;;
    *) AURIGRAPH_GRPC=$GRPC "schemas/clients/$c/smoke.sh" ;;
  esac || die "$c client smoke test failed"
  echo "== $c client smoke test passed in $(($(date +%s) - t0)) s"
done
