#!/usr/bin/env bash
# verify --read-data throughput against `zstd -d` of the same bytes.
#
# usage: benchmarks/verify-throughput/run.sh STORE [COFFER]
#   STORE   a coffer store (e.g. the Enron store of tools/demo: demo/archive)
#   COFFER  the coffer binary (default: a release build in .build-ret or .build)
# Each measurement is run 9 times with warm page cache; the median and the fastest wall time are
# reported, as MB/s of raw (decompressed) message bytes. See README.md for what each line measures.
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

times() {  # "median fastest" wall seconds of 9 runs of "$@"
  for _ in 1 2 3 4 5 6 7 8 9; do
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
    echo "$e - $s" | bc -l
  done | sort -n | sed -n '5p;1p' | tac | tr '\n' ' '
}
report() {  # label "median fastest"
  set -- "$1" $2
  printf '%-42s median %6.3f s %6.1f MB/s   fastest %6.3f s %6.1f MB/s\n' "$1" "$2" "$(echo "$raw / $2 / 1000000" | bc -l)" \
    "$3" "$(echo "$raw / $3 / 1000000" | bc -l)"
}

printf 'load average before: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
report "zstd -d (1 thread, to /dev/null)" "$(times sh -c "zstd -q -d -c '$tmp/frames.zst' > /dev/null")"
report "zstd -d | sha256sum (2 processes)" "$(times sh -c "zstd -q -d -c '$tmp/frames.zst' | sha256sum")"
report "coffer verify --read-data --threads 1" "$(times "$coffer" verify --store "$store" --read-data --threads 1)"
report "coffer verify --read-data (--threads 2)" "$(times "$coffer" verify --store "$store" --read-data --threads 2)"
report "coffer verify (structure only)" "$(times "$coffer" verify --store "$store")"
printf 'load average after: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
