#!/usr/bin/env bash
# Regenerates the committed TypeScript definitions in generated/ from the same
# .proto files index.js loads at run time, with the same loader options
# (LOADER_OPTIONS in index.js): keep the two in step.
set -euo pipefail
cd "$(dirname "$0")"

[[ -d node_modules ]] || npm ci --no-audit --no-fund

# Relative include paths: they end up in the generated comments, so absolute
# ones would make the output depend on where the repository is checked out.
# raft.proto is the validators' peer transport, not served to clients.
protos=$(cd ../.. && LC_ALL=C ls aurigraph/v1/*.proto | grep -v '/raft\.proto$')

rm -rf generated
# shellcheck disable=SC2086 # $protos is a list of paths without spaces
npx --no-install proto-loader-gen-types \
  --keepCase --longs String --enums String --defaults --oneofs \
  --includeComments --grpcLib @grpc/grpc-js \
  -I ../.. -I node_modules/grpc-health-check/proto -I node_modules/google-proto-files \
  -O generated \
  $protos health/v1/health.proto google/rpc/status.proto google/rpc/error_details.proto
