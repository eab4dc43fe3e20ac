#!/usr/bin/env bash
# The embedded broker against Apache Kafka, as the Java clients see them:
# starts a fresh `aurigraph broker` and a fresh Apache Kafka node (KRaft,
# plain text, from deploy/kafka), then test/kafkacompat runs one scenario
# (AdminClient, idempotent and transactional producers, consumer groups of
# both protocols) against each and compares the normalised answers.
#
#   test/kafka_conformance.sh      (needs go, java 17, mvn; BIN=path skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_PORT=${BASE_PORT:-19500}
KAFKA=127.0.0.1:$((BASE_PORT + 92))
CONTROLLER=127.0.0.1:$((BASE_PORT + 93))
EMBEDDED=127.0.0.1:$((BASE_PORT + 94))
DATA=$(mktemp -d)
PID=

die() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  bash deploy/kafka/kraft.sh stop "$DATA/kafka" || true
  rm -rf "$DATA"
}
trap cleanup EXIT

if [ -z "${BIN:-}" ]; then
  BIN=$DATA/aurigraph
  go build -o "$BIN" ./cmd/aurigraph
fi

KAFKA_HOME=$(bash deploy/kafka/fetch.sh)
export KAFKA_HOME
cat >"$DATA/kafka.properties" <<EOF
listeners=PLAINTEXT://$KAFKA,CONTROLLER://$CONTROLLER
advertised.listeners=PLAINTEXT://$KAFKA
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
EOF
bash deploy/kafka/kraft.sh start "$DATA/kafka" "$DATA/kafka.properties"

"$BIN" broker --data "$DATA/embedded" --kafka "$EMBEDDED" >"$DATA/broker.log" 2>&1 &
PID=$!
for _ in $(seq 1 150); do
  (exec 3<>"/dev/tcp/${EMBEDDED%:*}/${EMBEDDED#*:}") 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$DATA/broker.log" >&2; die "aurigraph broker exited"; }
  sleep 0.2
done

KAFKA_COMPAT_KAFKA=$KAFKA KAFKA_COMPAT_EMBEDDED=$EMBEDDED \
  mvn -B -ntp -Dstyle.color=never -f test/kafkacompat/pom.xml test ||
  { tail -n 20 "$DATA/broker.log" >&2; die "the embedded broker answers otherwise than Apache Kafka (reports in test/kafkacompat/target/conformance-*.txt)"; }
echo "kafka conformance: the embedded broker answers as Apache Kafka $(basename "$KAFKA_HOME")"
