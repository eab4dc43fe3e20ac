#!/usr/bin/env bash
# Installs the pinned requirements and runs smoke_test.py against the server
# at AURIGRAPH_GRPC (host:port).
set -euo pipefail
cd "$(dirname "$0")"

if [[ -z "${AURIGRAPH_GRPC:-}" ]]; then
  echo "smoke.sh: set AURIGRAPH_GRPC to the host:port of the gRPC API, e.g. AURIGRAPH_GRPC=127.0.0.1:9004 $0" >&2
  exit 2
fi

# Debian-style system Pythons refuse a plain install (PEP 668); elsewhere the
# flag is unknown or unneeded, so it is only the fallback.
python3 -m pip install --quiet --disable-pip-version-check -r requirements.txt 2>/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r requirements.txt

# -p no:cacheprovider: leave no .pytest_cache behind in the source tree.
exec python3 -m pytest -p no:cacheprovider -q smoke_test.py "$@"
