#!/usr/bin/env bash
# The same benchmark of a three-validator cluster (aurigraph node processes)
# on the embedded broker (aurigraph broker) and then on Apache Kafka (KRaft,
# one node, from deploy/kafka), one after the other on this machine; the
# second run prints each figure next to the first with the ratio. These are
# the figures README.md lists side by side.
#
#   test/kafka_bench.sh     (needs go, java 17, mvn; BIN=path skips the build;
#                            BENCH_ARGS, default "--profile quick"; reports in OUT, default ./kafka-bench;
#                            ONLY=embedded or ONLY=kafka runs one)
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_PORT=${BASE_PORT:-19800}
BENCH_ARGS=${BENCH_ARGS:---profile quick}
OUT=${OUT:-./kafka-bench}
KAFKA=127.0.0.1:$((BASE_PORT + 92))
CONTROLLER=127.0.0.1:$((BASE_PORT + 93))
DATA=$(mktemp -d)
PIDS=()
BROKER_PID=

die() { echo "FAIL: $*" >&2; exit 1; }
stop_nodes() {
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_nodes
  [ -n "$BROKER_PID" ] && kill -TERM "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null
  bash deploy/kafka/kraft.sh stop "$DATA/kafka" || true
  rm -rf "$DATA"
}
trap cleanup EXIT

if [ -z "${BIN:-}" ]; then
  BIN=$DATA/aurigraph
  go build -o "$BIN" ./cmd/aurigraph
fi
mkdir -p "$OUT"

# run KIND DATADIR: three validators on the broker at $KAFKA, then the bench.
run() {
  local kind=$1 dir=$2 peers="" nodes="" id
  for id in 1 2 3; do
    peers+="${peers:+,}$id=127.0.0.1:$((BASE_PORT + 10 + id))"
    nodes+="${nodes:+,}127.0.0.1:$((BASE_PORT + 20 + id))"
  done
  for id in 1 2 3; do
    "$BIN" node --id "$id" --peers "$peers" --kafka "$KAFKA" --data "$dir/node$id" \
      --http "127.0.0.1:$((BASE_PORT + 20 + id))" --grpc "127.0.0.1:$((BASE_PORT + 30 + id))" \
      >"$dir/node$id.log" 2>&1 &
    PIDS+=($!)
  done
  for id in 1 2 3; do
    for _ in $(seq 1 300); do
      curl -sf "http://127.0.0.1:$((BASE_PORT + 20 + id))/q/health" >/dev/null 2>&1 && break
      sleep 0.2
    done
  done
  local compare=()
  [ "$kind" = kafka ] && [ -z "${ONLY:-}" ] && compare=(--compare "$OUT/embedded.json")
  echo "== three aurigraph node processes on the $kind broker"
  # shellcheck disable=SC2086 # BENCH_ARGS holds several flags
  "$BIN" bench $BENCH_ARGS --nodes "$nodes" --kafka "$KAFKA" --json "$OUT/$kind.json" ${compare[@]+"${compare[@]}"} ||
    { tail -n 20 "$dir"/node*.log >&2; die "bench on the $kind broker failed"; }
  stop_nodes
}

if [ "${ONLY:-embedded}" = embedded ]; then
mkdir -p "$DATA/embedded"
"$BIN" broker --kafka "$KAFKA" --data "$DATA/embedded/broker" >"$DATA/embedded/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 150); do
  (exec 3<>"/dev/tcp/${KAFKA%:*}/${KAFKA#*:}") 2>/dev/null && break
  sleep 0.2
done
run embedded "$DATA/embedded"
kill -TERM "$BROKER_PID" && wait "$BROKER_PID" 2>/dev/null || true
BROKER_PID=
fi
[ "${ONLY:-kafka}" = kafka ] || exit 0

KAFKA_HOME=$(bash deploy/kafka/fetch.sh)
export KAFKA_HOME
cat >"$DATA/kafka.properties" <<EOF
listeners=PLAINTEXT://$KAFKA,CONTROLLER://$CONTROLLER
advertised.listeners=PLAINTEXT://$KAFKA
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
auto.create.topics.enable=false
EOF
bash deploy/kafka/kraft.sh start "$DATA/kafka" "$DATA/kafka.properties"
mkdir -p "$DATA/kafka-run"
run kafka "$DATA/kafka-run"
echo "reports: $OUT/embedded.json, $OUT/kafka.json"
