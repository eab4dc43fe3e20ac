#!/usr/bin/env bash
# Starts and stops one Apache Kafka node in KRaft combined mode (broker and
# controller in one JVM), from the jars fetch.sh assembled.
#
#   kraft.sh start DIR CONFIG [--scram 'SCRAM-SHA-512=[name=admin,password=...]'] ...
#   kraft.sh stop DIR
#
# CONFIG is a server.properties fragment holding what differs between runs:
# at least `listeners` with a listener named CONTROLLER (e.g.
# CONTROLLER://127.0.0.1:19093), `advertised.listeners` without it,
# `listener.security.protocol.map` and, for SASL or TLS, their settings.
# kraft.sh adds what a one-node cluster needs and CONFIG does not set (node
# id, roles, quorum, log directory under DIR, replication factors of 1),
# formats DIR on first start (each --scram adds a SCRAM credential, as
# kafka-storage format --add-scram does), starts the node in the background
# with -Xmx512m (KAFKA_HEAP_OPTS overrides it) and returns once it serves.
# DIR/kafka.log is its log, DIR/kafka.pid its process id; stop ends it.
# Env: KAFKA_HOME (default: what fetch.sh prints), KAFKA_START_TIMEOUT (120 s).
set -euo pipefail

usage() {
	sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

cmd="${1:-}"
dir="${2:-}"
[[ -n "${cmd}" && -n "${dir}" ]] || usage
mkdir -p "${dir}"
dir="$(cd "${dir}" && pwd)"
pidfile="${dir}/kafka.pid"

stop() {
	[[ -s "${pidfile}" ]] || return 0
	local pid
	pid="$(cat "${pidfile}")"
	if kill -0 "${pid}" 2>/dev/null; then
		kill "${pid}"
		for _ in $(seq 1 300); do
			kill -0 "${pid}" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "${pid}" 2>/dev/null; then
			echo "kraft.sh: node ${pid} still running 30 s after SIGTERM; killing it" >&2
			kill -9 "${pid}" 2>/dev/null || true
		fi
	fi
	rm -f "${pidfile}"
}

case "${cmd}" in
stop)
	stop
	exit 0
	;;
start) ;;
*) usage ;;
esac

config="${3:-}"
[[ -f "${config}" ]] || { echo "kraft.sh: start needs a CONFIG file (got '${config}')" >&2; usage; }
shift 3
scram=()
while (($#)); do
	case "$1" in
	--scram)
		scram+=(--add-scram "$2")
		shift 2
		;;
	*) usage ;;
	esac
done

if [[ -s "${pidfile}" ]] && kill -0 "$(cat "${pidfile}")" 2>/dev/null; then
	echo "kraft.sh: a node already runs from ${dir} (pid $(cat "${pidfile}")); stop it first" >&2
	exit 1
fi

home="${KAFKA_HOME:-$(bash "$(dirname "$0")/fetch.sh")}"
[[ -d "${home}/libs" ]] || { echo "kraft.sh: no jars under ${home}/libs; run deploy/kafka/fetch.sh" >&2; exit 1; }

has() { grep -Eq "^[[:space:]]*$1[[:space:]]*=" "${config}"; }
controller="$(sed -n 's/^[[:space:]]*listeners[[:space:]]*=.*CONTROLLER:\/\/\([^,[:space:]]*\).*/\1/p' "${config}")"
[[ -n "${controller}" ]] || { echo "kraft.sh: ${config} has no CONTROLLER://host:port in listeners" >&2; exit 1; }

props="${dir}/server.properties"
{
	echo "# written by kraft.sh from ${config}"
	cat "${config}"
	echo
	has process.roles || echo "process.roles=broker,controller"
	has node.id || echo "node.id=1"
	has controller.listener.names || echo "controller.listener.names=CONTROLLER"
	has controller.quorum.bootstrap.servers || echo "controller.quorum.bootstrap.servers=${controller}"
	has log.dirs || echo "log.dirs=${dir}/data"
	has offsets.topic.replication.factor || echo "offsets.topic.replication.factor=1"
	has transaction.state.log.replication.factor || echo "transaction.state.log.replication.factor=1"
	has transaction.state.log.min.isr || echo "transaction.state.log.min.isr=1"
	has share.coordinator.state.topic.replication.factor || echo "share.coordinator.state.topic.replication.factor=1"
	has share.coordinator.state.topic.min.isr || echo "share.coordinator.state.topic.min.isr=1"
	has group.initial.rebalance.delay.ms || echo "group.initial.rebalance.delay.ms=0"
} >"${props}"

java_cp=(java -cp "${home}/libs/*" "-Dlog4j2.configurationFile=${home}/log4j2.properties")
if [[ ! -s "${dir}/data/meta.properties" ]]; then
	# A base64url id may begin with '-', which kafka-storage takes for an
	# option (Kafka's own ids never do): draw again until it does not.
	cluster_id=-
	while [[ "${cluster_id}" == -* ]]; do
		cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
	done
	"${java_cp[@]}" kafka.tools.StorageTool format --cluster-id "${cluster_id}" --config "${props}" --standalone \
		${scram[@]+"${scram[@]}"} >"${dir}/format.log" 2>&1 ||
		{ cat "${dir}/format.log" >&2; echo "kraft.sh: formatting ${dir}/data failed" >&2; exit 1; }
elif ((${#scram[@]})); then
	echo "kraft.sh: ${dir}/data is formatted already; --scram applies only to a new node (use kafka-configs to add users)" >&2
fi

# shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several options
nohup "${java_cp[@]}" ${KAFKA_HEAP_OPTS:--Xmx512m -Xms512m} -XX:+UseG1GC kafka.Kafka "${props}" >"${dir}/kafka.log" 2>&1 &
echo $! >"${pidfile}"

deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120}))
until grep -q "Kafka Server started" "${dir}/kafka.log" 2>/dev/null; do
	if ! kill -0 "$(cat "${pidfile}")" 2>/dev/null; then
		tail -n 40 "${dir}/kafka.log" >&2
		rm -f "${pidfile}"
		echo "kraft.sh: the node exited while starting; its log is ${dir}/kafka.log" >&2
		exit 1
	fi
	if ((SECONDS > deadline)); then
		tail -n 40 "${dir}/kafka.log" >&2
		stop
		echo "kraft.sh: the node did not start within ${KAFKA_START_TIMEOUT:-120} s; its log is ${dir}/kafka.log" >&2
		exit 1
	fi
	sleep 0.2
done
echo "kafka node started from ${dir} (pid $(cat "${pidfile}"))"
