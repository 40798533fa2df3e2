# Shared by benchmarks/run and benchmarks/big-message (sourced, not run).
# Sets REPO, BENCH_DIR, TB (testbed dir), IMAPS port, WORK, COFFER_BIN; installs what is missing.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=$REPO/benchmarks
# A testbed instance of its own, so the tests' and the demo's servers are never touched.
export TESTBED_DIR=${TESTBED_DIR:-$REPO/.testbed-bench}
export TESTBED_IMAPS_PORT=${TESTBED_IMAPS_PORT:-12993}
export TESTBED_IMAP_PORT=${TESTBED_IMAP_PORT:-12143}
TB=$(realpath -m -- "$TESTBED_DIR")
WORK=${BENCH_WORK:-$TB/work}
RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results/$(date -u +%Y-%m-%d).json}
CHART=${BENCH_CHART:-$REPO/docs/benchmarks.png}

# Debian's Python (matplotlib comes from python3-matplotlib), not a pyenv shim that may be first on PATH.
PY=${BENCH_PYTHON:-/usr/bin/python3}

die() { echo "bench: $*" >&2; exit 1; }

ensure_tools() {
  local pkgs=()
  [ -x /usr/bin/time ] || pkgs+=(time)
  command -v mbsync >/dev/null || pkgs+=(isync)
  command -v zstd >/dev/null || pkgs+=(zstd)
  "$PY" -c 'import matplotlib' 2>/dev/null || pkgs+=(python3-matplotlib)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${pkgs[*]}: install them (apt-get install ${pkgs[*]})"
  echo "bench: installing ${pkgs[*]}" >&2
  mkdir -p "$TB"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" </dev/null >>"$TB/apt.log" 2>&1; then
    apt-get update >>"$TB/apt.log" 2>&1 || die "apt-get update failed (see $TB/apt.log)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" </dev/null >>"$TB/apt.log" 2>&1 \
      || die "apt-get install ${pkgs[*]} failed (see $TB/apt.log)"
  fi
}

# The release binary: $COFFER_BIN, or built with a scratch path of its own (never .build,
# which the debug builds use).
ensure_bin() {
  if [ -n "${COFFER_BIN:-}" ]; then
    [ -x "$COFFER_BIN" ] || die "COFFER_BIN=$COFFER_BIN is not an executable"
  elif [ -n "${COFFER_REV:-}" ]; then
    # A committed version, unaffected by uncommitted work in this checkout: `git archive` of it
    # below .build-bench/ (git-ignored), built with a scratch path of its own.
    local rev src
    rev=$(cd "$REPO" && git rev-parse --short "$COFFER_REV^{commit}") || die "COFFER_REV=$COFFER_REV: no such commit"
    src=$REPO/.build-bench/rev-src
    echo "bench: building $rev (git archive) with --scratch-path .build-bench/rev-build" >&2
    mkdir -p "$TB"; rm -rf "$src"; mkdir -p "$src"
    (cd "$REPO" && git archive "$rev" | tar -x -C "$src") || die "git archive $rev failed"
    [ -f "$src/Package.resolved" ] || [ ! -f "$REPO/Package.resolved" ] || cp "$REPO/Package.resolved" "$src/"
    (cd "$src" && swift build -c release --scratch-path "$REPO/.build-bench/rev-build" >"$TB/build.log" 2>&1) \
      || die "release build of $rev failed (see $TB/build.log)"
    COFFER_BIN=$REPO/.build-bench/rev-build/release/coffer COFFER_COMMIT=$rev
  else
    echo "bench: swift build -c release --scratch-path .build-bench" >&2
    mkdir -p "$TB"
    (cd "$REPO" && swift build -c release --scratch-path .build-bench >"$TB/build.log" 2>&1) \
      || die "release build failed (see $TB/build.log)"
    COFFER_BIN=$REPO/.build-bench/release/coffer built_here=1
  fi
  COFFER_BIN=$(realpath "$COFFER_BIN")
  export COFFER_BIN
  # What the results say was measured: COFFER_COMMIT when given (with COFFER_BIN), else this
  # checkout's HEAD, marked +dirty when Sources had uncommitted changes at build time.
  if [ -z "${COFFER_COMMIT:-}" ]; then
    if [ -n "${built_here:-}" ]; then
      COFFER_COMMIT=$(cd "$REPO" && git rev-parse --short HEAD)
      [ -n "$(cd "$REPO" && git status --porcelain -- Sources Package.swift)" ] && COFFER_COMMIT+="+dirty"
    else
      COFFER_COMMIT="unknown (COFFER_BIN given without COFFER_COMMIT)"
    fi
  fi
  export COFFER_COMMIT
}

STARTED_TESTBED=0
testbed_up() {
  if ! "$REPO/tools/testbed" status >/dev/null 2>&1 \
     && ss -Hltn "sport = :$TESTBED_IMAPS_PORT or sport = :$TESTBED_IMAP_PORT" 2>/dev/null | grep -q .; then
    die "port $TESTBED_IMAPS_PORT or $TESTBED_IMAP_PORT is taken by another server; set TESTBED_IMAPS_PORT and TESTBED_IMAP_PORT"
  fi
  if ! "$REPO/tools/testbed" status >/dev/null 2>&1; then STARTED_TESTBED=1; fi
  "$REPO/tools/testbed" up >&2 || die "tools/testbed up failed"
  prioritise
}
# The machine may be shared (builds, tests): by default (root) the benchmark and the bench
# testbed's Dovecot run at nice -10 so others' CPU work disturbs the measurements less.
# BENCH_NICE=0 turns that off. I/O contention (fsync latency) is not affected.
BENCH_NICE=${BENCH_NICE:-$([ "$(id -u)" = 0 ] && echo -10 || echo 0)}
prioritise() {
  [ "$BENCH_NICE" = 0 ] && return 0
  local pid
  pid=$(cat "$TB/run/master.pid" 2>/dev/null) || return 0
  # the master and its current children; children forked later inherit it
  renice -n "$BENCH_NICE" -p "$pid" $(ps --ppid "$pid" -o pid= 2>/dev/null) >/dev/null 2>&1 || true
  renice -n "$BENCH_NICE" -p $$ >/dev/null 2>&1 || true
}

testbed_down_if_started() {
  if [ "$STARTED_TESTBED" = 1 ] && [ "${BENCH_KEEP_UP:-0}" != 1 ]; then "$REPO/tools/testbed" down >&2 || true; fi
}
