#!/usr/bin/env bash
# Fetches Keycloak, the OpenID provider the original plans name, from Maven
# Central into a cache directory outside the repository and unpacks it; the
# slow access tests run it on Java 17 (bin/kc.sh start-dev).
# Usage: deploy/idp/keycloak.sh   (env: AURIGRAPH_CACHE, XDG_CACHE_HOME)
set -euo pipefail

readonly version="26.7.3"
cache_root="${AURIGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aurigraph}"
dest="${cache_root}/idp/keycloak-${version}"

if [[ -x "${dest}/bin/kc.sh" ]]; then
	echo "keycloak already present: ${dest}"
	exit 0
fi

mkdir -p "${cache_root}/idp"
work="$(mktemp -d "${cache_root}/idp/.keycloak.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
mvn -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:${version}:zip" -DoutputDirectory="${work}" \
	-Dmdep.useBaseVersion=true
unzip -q "${work}/keycloak-quarkus-dist-${version}.zip" -d "${work}/unpacked"
mv "${work}/unpacked/keycloak-${version}" "${dest}"
echo "unpacked ${dest}"
