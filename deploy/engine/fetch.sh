#!/usr/bin/env bash
# Fetches the embedded ClickHouse engine (chDB as a shared library) into a cache
# directory outside the repository, so fresh clones and CI runs reuse one copy.
# Usage: deploy/engine/fetch.sh   (env: AURIGRAPH_CACHE, XDG_CACHE_HOME)
set -euo pipefail

readonly pkg="@chdb/lib-linux-x64-gnu"
readonly version="26.7.3-stable.1"
readonly tgz_name="chdb-lib-linux-x64-gnu-${version}.tgz"

cache_root="${AURIGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aurigraph}"
dest_dir="${cache_root}/chdb/${version}"
dest="${dest_dir}/libchdb.so"

if [[ -s "${dest}" ]]; then
	echo "libchdb.so already present: ${dest}"
	exit 0
fi

case "$(uname -s)-$(uname -m)" in
Linux-x86_64) ;;
*)
	echo "fetch.sh: ${pkg} only exists for Linux x86_64, this host is $(uname -s)-$(uname -m)" >&2
	exit 1
	;;
esac

mkdir -p "${dest_dir}"
work="$(mktemp -d "${dest_dir}/.fetch.XXXXXX")"
trap 'rm -rf "${work}"' EXIT

# A tarball left in the cache root by an earlier `npm pack` saves a 178 MB download.
tgz="${cache_root}/${tgz_name}"
if [[ ! -s "${tgz}" ]]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "fetch.sh: npm is required to download ${pkg}@${version}; install Node.js/npm and retry" >&2
		exit 1
	fi
	echo "downloading ${pkg}@${version} (about 178 MB) ..."
	# npm pack checks the tarball against the registry's integrity hash and
	# prints the file name it wrote.
	packed="$(cd "${work}" && npm pack --silent "${pkg}@${version}" | tail -n 1)"
	tgz="${work}/${packed:-${tgz_name}}"
	if [[ ! -s "${tgz}" ]]; then
		echo "fetch.sh: npm pack did not produce a tarball for ${pkg}@${version}" >&2
		exit 1
	fi
fi

tar -xzf "${tgz}" -C "${work}" package/libchdb.so
if [[ ! -s "${work}/package/libchdb.so" ]]; then
	echo "fetch.sh: ${tgz} has no package/libchdb.so" >&2
	exit 1
fi
mv -f "${work}/package/libchdb.so" "${dest}"
rm -f "${tgz}"

echo "libchdb.so installed: ${dest}"
