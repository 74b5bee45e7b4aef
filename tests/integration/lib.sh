# Shared helpers for integration tests. Each test sources this, gets a scratch directory $T that
# is removed on exit, and uses $G (the gatehouse binary under test).
set -euo pipefail
G=${GATEHOUSE:?set GATEHOUSE to the gatehouse binary}
T=$(mktemp -d /tmp/gh-it-XXXXXX)
cleanup_hooks=()
cleanup() {
  local h
  for h in "${cleanup_hooks[@]:-}"; do [ -n "$h" ] && eval "$h" || true; done
  rm -rf "$T"
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
