#!/usr/bin/env bash
# verify --read-data throughput against `zstd -d` of the same bytes.
#
# usage: benchmarks/verify-throughput/run.sh STORE [COFFER]
#   STORE   a coffer store (e.g. the Enron store of tools/demo: demo/archive)
#   COFFER  the coffer binary (default: a release build in .build-ret or .build)
# Each measurement is run 5 times with warm page cache; the median wall time is reported, as MB/s of
# raw (decompressed) message bytes. See README.md for what each line measures.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
store=$1
coffer=${2:-}
if [ -z "$coffer" ]; then
  for c in "$here/../../.build-ret/release/coffer" "$here/../../.build/release/coffer"; do [ -x "$c" ] && coffer=$c && break; done
fi
[ -x "$coffer" ] || { echo "no release coffer binary; build with: swift build -c release --product coffer" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
info=$(python3 "$here/extract_frames.py" "$store" "$tmp/frames.zst")
raw=$(echo "$info" | awk '{print $6}')
echo "store: $store ($info; $(nproc) cores; $(zstd --version | head -1))"

median() {  # median wall seconds of 5 runs of "$@"
  for _ in 1 2 3 4 5; do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | sort -n | sed -n 3p
}
report() {  # label seconds
  printf '%-46s %7.3f s  %7.1f MB/s\n' "$1" "$2" "$(echo "$raw / $2 / 1000000" | bc -l)"
}

report "zstd -d (1 thread, to /dev/null)" "$(median sh -c "zstd -q -d -c '$tmp/frames.zst' > /dev/null")"
report "zstd -d | sha256sum (2 processes)" "$(median sh -c "zstd -q -d -c '$tmp/frames.zst' | sha256sum")"
report "coffer verify --read-data --threads 1" "$(median "$coffer" verify --store "$store" --read-data --threads 1)"
report "coffer verify --read-data (--threads 2)" "$(median "$coffer" verify --store "$store" --read-data --threads 2)"
report "coffer verify (structure only)" "$(median "$coffer" verify --store "$store")"
