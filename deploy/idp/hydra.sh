#!/usr/bin/env bash
# Builds Ory Hydra, the OpenID provider the access tests run, into a cache
# directory outside the repository, so fresh clones and CI runs reuse one
# binary. Hydra's go.mod has replace directives, which `go install` refuses,
# so it is built from a small module of its own that repeats them.
# Usage: deploy/idp/hydra.sh   (env: AURIGRAPH_CACHE, XDG_CACHE_HOME)
set -euo pipefail

readonly version="v2.3.0"
cache_root="${AURIGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aurigraph}"
dest="${cache_root}/idp/hydra-${version}"

if [[ -x "${dest}" ]]; then
	echo "hydra already present: ${dest}"
	exit 0
fi

build="${cache_root}/idp/hydra-build-${version}"
mkdir -p "${build}"
cd "${build}"
cat > go.mod <<MOD
module aurigraph.local/hydra

go 1.26

replace github.com/gobuffalo/pop/v6 => github.com/ory/pop/v6 v6.2.1-0.20241121111754-e5dfc0f3344b
MOD
GOFLAGS=-mod=mod go get -tool "github.com/ory/hydra/v2@${version}"
# DSN=memory is SQLite in memory, which needs the sqlite tag (and cgo).
CGO_ENABLED=1 go build -tags sqlite,sqlite_omit_load_extension -o "${dest}.tmp" github.com/ory/hydra/v2
mv "${dest}.tmp" "${dest}"
echo "built ${dest}"
