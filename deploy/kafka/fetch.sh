#!/usr/bin/env bash
# Assembles Apache Kafka (a KRaft broker and its command-line tools) from
# Maven Central into a cache directory outside the repository, so fresh
# clones and CI runs reuse one copy. Prints the directory whose libs/ holds
# the jars; kraft.sh runs a node from it.
# Usage: deploy/kafka/fetch.sh   (env: AURIGRAPH_CACHE, XDG_CACHE_HOME)
set -euo pipefail
cd "$(dirname "$0")"

version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' pom.xml)"
cache_root="${AURIGRAPH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aurigraph}"
dest="${cache_root}/kafka/${version}"

if [[ -s "${dest}/libs/kafka_2.13-${version}.jar" ]]; then
	echo "${dest}"
	exit 0
fi
for tool in java mvn; do
	if ! command -v "${tool}" >/dev/null 2>&1; then
		echo "fetch.sh: ${tool} is required (Java 17 or later, and Maven) to assemble Apache Kafka ${version}" >&2
		exit 1
	fi
done

mkdir -p "${cache_root}/kafka"
work="$(mktemp -d "${cache_root}/kafka/.fetch.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
echo "resolving Apache Kafka ${version} from Maven Central (about 55 MB) ..." >&2
mvn -q -B -Dstyle.color=never -f pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="${work}/libs" >&2
cp log4j2.properties "${work}/log4j2.properties"
rm -rf "${dest}"
mv "${work}" "${dest}"
trap - EXIT
echo "${dest}"
