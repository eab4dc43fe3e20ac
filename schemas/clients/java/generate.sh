#!/usr/bin/env bash
# Regenerates src/generated/java from schemas/aurigraph/v1/*.proto with protoc
# and the gRPC Java plugin, both fetched from Maven Central at the versions
# pinned in pom.xml. Same inputs, same output: a second run leaves no diff.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
protos=../../aurigraph/v1
out=src/generated/java
codegen=target/codegen

# raft.proto is the validators' peer transport, not served to clients.
skip=(raft.proto)

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) classifier=linux-x86_64 ;;
  Linux-aarch64 | Linux-arm64) classifier=linux-aarch_64 ;;
  Darwin-x86_64) classifier=osx-x86_64 ;;
  Darwin-arm64) classifier=osx-aarch_64 ;;
  *) echo "generate.sh: no protoc build for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

mvn -B -q -Dstyle.color=never -Pcodegen-tools -Dprotoc.classifier="$classifier" generate-sources
chmod +x "$codegen/bin/protoc" "$codegen/bin/protoc-gen-grpc-java"

# The shared protos carry only go_package. Java's defaults would put every
# type in package aurigraph.v1 and nest messages in outer classes named
# after the files, so the message Block (chain.proto) would sit next to a
# class Block holding block.proto's requests. Copies get Java options added,
# the way buf's managed mode does it; the copies keep their relative paths,
# so descriptors name the same files the server registers. A file that
# declares its own java_package is copied unchanged.
staged=$codegen/proto
rm -rf "$staged"
mkdir -p "$staged/aurigraph/v1"
files=()
for src in "$protos"/*.proto; do
  name=$(basename "$src")
  for s in "${skip[@]}"; do [[ $name == "$s" ]] && continue 2; done
  dst=$staged/aurigraph/v1/$name
  if grep -q '^option java_package' "$src"; then
    cp "$src" "$dst"
  else
    outer=$(awk -v n="${name%.proto}" 'BEGIN {
      k = split(n, w, "_")
      for (i = 1; i <= k; i++) s = s toupper(substr(w[i], 1, 1)) substr(w[i], 2)
      print s "Proto" }')
    awk -v outer="$outer" '
      { print }
      /^package aurigraph\.v1;/ && !done {
        print ""
        print "option java_package = \"io.aurigraph.v1\";"
        print "option java_multiple_files = true;"
        print "option java_outer_classname = \"" outer "\";"
        done = 1
      }
      END { if (!done) { print FILENAME ": no package line" > "/dev/stderr"; exit 1 } }
    ' "$src" >"$dst"
  fi
  files+=("aurigraph/v1/$name")
done

rm -rf "$out"
mkdir -p "$out"
(
  cd "$staged"
  "$here/$codegen/bin/protoc" \
    -I . -I "$here/$codegen/include" \
    --plugin=protoc-gen-grpc-java="$here/$codegen/bin/protoc-gen-grpc-java" \
    --java_out="$here/$out" \
    --grpc-java_out="$here/$out" \
    "${files[@]}"
)
echo "generated $(find "$out" -name '*.java' | wc -l) files in $out"
