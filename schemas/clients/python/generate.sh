#!/usr/bin/env bash
# Regenerates the committed Python code from ../../aurigraph/v1/*.proto with the
# protoc that grpcio-tools (requirements.txt) bundles. Output paths mirror the
# proto package, so the modules import as aurigraph.v1.<name>_pb2.
set -euo pipefail
cd "$(dirname "$0")"

out=aurigraph/v1
# Start from nothing so a deleted or renamed .proto leaves no stale module.
rm -f "$out"/*_pb2.py "$out"/*_pb2.pyi "$out"/*_pb2_grpc.py
mkdir -p "$out"

# raft.proto is the validators' peer transport, not served to clients.
protos=$(LC_ALL=C ls ../../aurigraph/v1/*.proto | grep -v '/raft\.proto$')
# shellcheck disable=SC2086 # $protos is a list of paths without spaces
python3 -m grpc_tools.protoc -I ../../ \
  --python_out=. --pyi_out=. --grpc_python_out=. \
  $protos

# Regular packages rather than namespace ones, so a same-named directory
# elsewhere on sys.path cannot shadow or merge with these.
: > aurigraph/__init__.py
: > "$out"/__init__.py
