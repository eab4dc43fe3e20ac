#!/usr/bin/env bash
# Installs the locked dependencies, type-checks, and runs smoke.test.js against
# the server at AURIGRAPH_GRPC (host:port).
set -euo pipefail
cd "$(dirname "$0")"

if [[ -z "${AURIGRAPH_GRPC:-}" ]]; then
  echo "smoke.sh: set AURIGRAPH_GRPC to the host:port of the gRPC API, e.g. AURIGRAPH_GRPC=127.0.0.1:9004 $0" >&2
  exit 2
fi

npm ci --no-audit --no-fund
# Seconds, and it catches generated types that drifted from the code using them.
npx --no-install tsc -p .
exec node --test --test-reporter=spec smoke.test.js
