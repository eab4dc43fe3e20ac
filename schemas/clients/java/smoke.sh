#!/usr/bin/env bash
# Runs the Java client's smoke test against a running server:
#   AURIGRAPH_GRPC=127.0.0.1:9004 ./smoke.sh
set -euo pipefail
cd "$(dirname "$0")"
if [[ -z ${AURIGRAPH_GRPC:-} ]]; then
  echo "smoke.sh: set AURIGRAPH_GRPC to the server's gRPC address (host:port)" >&2
  exit 2
fi
export AURIGRAPH_GRPC
exec mvn -B -q -Dstyle.color=never "$@" test
