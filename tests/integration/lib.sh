# Shared helpers for integration tests. Each test sources this, gets a scratch directory $T that
# is removed on exit, and uses $G (the gatehouse binary under test).
set -euo pipefail
G=${GATEHOUSE:?set GATEHOUSE to the gatehouse binary}
T=$(mktemp -d /tmp/gh-it-XXXXXX)
cleanup_hooks=()
cleanup() {
  local h
  for h in "${cleanup_hooks[@]:-}"; do [ -n "$h" ] && eval "$h" || true; done
  if [ -n "${GH_KEEP:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
cd "$T"
checks=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); echo "ok: $*"; }

# expect_refused CHECK CMD...: the command exits 1 and its one-line reason names [CHECK].
expect_refused() {
  local check=$1; shift
  local out rc=0
  out=$("$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" -eq 1 ] || fail "expected exit 1 from '$*', got $rc ($out)"
  [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] || fail "expected one line on stderr from '$*', got: $out"
  printf '%s' "$out" | grep -qF "[$check]" || fail "expected [$check] from '$*', got: $out"
  ok "refused [$check]: ${out:0:120}"
}

# expect_usage CMD...: exits 2.
expect_usage() {
  local rc=0
  "$@" >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || fail "expected usage exit 2 from '$*', got $rc"
  ok "usage error from: $*"
}

finish() { echo "$checks checks passed"; }

# free_port: a TCP port nothing listens on (loopback).
# A port nobody listens on, below the kernel's ephemeral range (32768 and up), which the client
# sockets of tests running alongside draw from: taken now, used a while later.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$(( 20000 + RANDOM % 12000 ))
    ss -ltnH "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
  done
  fail "no free port"
}

# start_server NAME CMD...: runs a gatehouse server in the background, waits for its
# "listening on URL" line, sets ${NAME}_URL and ${NAME}_PID, and stops it on exit.
start_server() {
  local name=$1; shift
  # (a second server of the same name must not be read from its predecessor's output)
  rm -f "$T/$name.out" "$T/$name.err"
  "$@" > "$T/$name.out" 2> "$T/$name.err" &
  local pid=$!
  cleanup_hooks+=("kill $pid 2>/dev/null; wait $pid 2>/dev/null")
  for _ in $(seq 100); do
    grep -q "listening on" "$T/$name.out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { cat "$T/$name.err" >&2; fail "$name exited at start"; }
    sleep 0.05
  done
  printf -v "${name}_URL" '%s' "$(sed -n 's/.*listening on //p' "$T/$name.out")"
  printf -v "${name}_PID" '%s' "$pid"
}
