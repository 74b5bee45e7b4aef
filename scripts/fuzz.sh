#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, one per parser) with clang-14 in build-fuzz and runs each
# for FUZZ_SECONDS (default 30) from its seeds: the generated ones (tests/fuzz/corpus/<target>), the
# test vectors, and the inputs earlier runs found (tests/vectors/fuzz/<target>). A crash, leak,
# timeout or out-of-memory fails the run; the input that did it is left in
# build-fuzz/fuzz-artifacts/<target>/ and the log in build-fuzz/fuzz-logs/<target>.log.
# Usage: scripts/fuzz.sh [target...]   (FUZZ_SECONDS, FUZZ_NICE, FUZZ_BUILD, JOBS from the environment)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
jobs=${JOBS:-$(nproc)}
nice_level=${FUZZ_NICE:-0}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGATEHOUSE_FUZZ=ON
fi
cmake --build "$build" -j "$jobs" --target fuzz_all

# The longest input worth trying per target (default 4096): an HTTP head is up to 16 KiB, MUD files
# and bundles run to some KiB; DPP frames and URIs are small.
declare -A max_len=([http_message]=20000 [mud]=16384 [bundle]=16384 [voucher_cms]=8192
  [declaration]=8192 [est]=8192 [x509]=8192 [dpp_tcp]=8192 [policy]=8192 [dhcp_journal]=8192
  [dpp_uri]=2100)
declare -A dict=([http_message]=http [policy]=yaml [voucher_json]=json [dpp_config]=json
  [mud]=json [dhcp_journal]=json [bundle]=json [declaration]=json [dpp_connector]=json
  [voucher_cms]=json)
declare -A extra_seeds=([mud]=tests/vectors/mud)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi

mkdir -p "$build/fuzz-logs"
failed=()
for t in "${targets[@]}"; do
  exe="$build/tests/fuzz/fuzz_$t"
  [ -x "$exe" ] || { echo "fuzz: no target $t" >&2; exit 2; }
  work="$build/fuzz-corpus/$t"
  mkdir -p "$work" "$build/fuzz-artifacts/$t"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="${max_len[$t]:-4096}"
    -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t/")
  if [ -n "${dict[$t]:-}" ]; then args+=(-dict="tests/fuzz/dict/${dict[$t]}.dict"); fi
  seeds=("$work")
  for d in "tests/fuzz/corpus/$t" ${extra_seeds[$t]:-} "tests/vectors/fuzz/$t"; do
    if [ -d "$d" ]; then seeds+=("$d"); fi
  done
  log="$build/fuzz-logs/$t.log"
  if nice -n "$nice_level" "$exe" "${args[@]}" "${seeds[@]}" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$t")
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -1)
  printf 'fuzz: %-14s %-6s %10s runs in %ss, coverage %s, peak RSS %s MB\n' "$t" "$status" \
    "${execs:-?}" "$seconds" "${cov:-?}" "${rss:-?}"
  if [ "$status" = FAILED ]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >&2 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (logs in $build/fuzz-logs, inputs in $build/fuzz-artifacts)" >&2
  exit 1
fi
