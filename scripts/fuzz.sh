#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, one per parser) with clang-14 in build-fuzz and runs each
# from its seeds: the generated ones (tests/fuzz/corpus/<target>), the test vectors, and the inputs
# earlier runs found (tests/vectors/fuzz/<target>). A crash, leak, timeout or out-of-memory fails the
# run; the input that did it is left in build-fuzz/fuzz-artifacts/<target>/ and the log in
# build-fuzz/fuzz-logs/<target>.log.
#
# How long each target runs, one of:
#   FUZZ_SECONDS=N      N seconds of wall-clock time (default 30)
#   FUZZ_CPU_SECONDS=N  until the fuzzer has used N seconds of CPU time (the long run: a loaded or
#                       niced machine still gives every target its share)
#   FUZZ_RUNS=N         N inputs from a fixed seed (FUZZ_SEED, default 1): the same inputs on every
#                       run, so that a pass that gates a merge does not depend on luck
# FUZZ_PARALLEL targets run at once (default 1); FUZZ_TIMEOUT is the wall-clock seconds one input
# may take before it counts as a hang (default 30; give a long, niced run on a busy machine more:
# there a starved process can wait that long for the CPU); FUZZ_NICE, FUZZ_BUILD, JOBS from the
# environment.
# Usage: scripts/fuzz.sh [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${FUZZ_BUILD:-build-fuzz}
jobs=${JOBS:-$(nproc)}
nice_level=${FUZZ_NICE:-0}
parallel=${FUZZ_PARALLEL:-1}
cpu_budget=${FUZZ_CPU_SECONDS:-}
runs=${FUZZ_RUNS:-}
seconds=${FUZZ_SECONDS:-30}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGATEHOUSE_FUZZ=ON
fi
cmake --build "$build" -j "$jobs" --target fuzz_all

# The longest input worth trying per target (default 4096): an HTTP head is up to 16 KiB, MUD files
# and bundles run to some KiB; DPP frames and URIs are small.
declare -A max_len=([http_message]=20000 [mud]=16384 [bundle]=16384 [voucher_cms]=8192
  [declaration]=8192 [est]=8192 [x509]=8192 [dpp_tcp]=8192 [policy]=8192 [dhcp_journal]=8192
  [dpp_uri]=2100 [eat]=16384 [corim]=16384)
declare -A dict=([http_message]=http [policy]=yaml [voucher_json]=json [dpp_config]=json
  [mud]=json [dhcp_journal]=json [bundle]=json [declaration]=json [dpp_connector]=json
  [voucher_cms]=json)
declare -A extra_seeds=([mud]=tests/vectors/mud)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for src in tests/fuzz/*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi
for t in "${targets[@]}"; do
  [ -x "$build/tests/fuzz/fuzz_$t" ] || { echo "fuzz: no target $t" >&2; exit 2; }
done

if [ -n "$cpu_budget" ]; then
  limit=(-max_total_time=$((cpu_budget * 20)))  # a backstop; the CPU budget ends the run
  budget="${cpu_budget} CPU-s"
elif [ -n "$runs" ]; then
  limit=(-runs="$runs" -seed="${FUZZ_SEED:-1}")
  budget="$runs runs"
else
  limit=(-max_total_time="$seconds")
  budget="${seconds}s"
fi

# CPU seconds (user + system) process $1 and its reaped children have used so far (LeakSanitizer
# checks for leaks in a cloned task, which is where some targets spend most of their time).
cpu_of() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }  # the fields after the command name, which may hold spaces
  read -r -a f <<<"$stat"
  echo $(((f[11] + f[12] + f[13] + f[14]) / $(getconf CLK_TCK)))
}

# Runs one target; prints its line; the exit status says whether it passed.
run_target() {
  local t=$1 exe="$build/tests/fuzz/fuzz_$1" work="$build/fuzz-corpus/$1"
  local log="$build/fuzz-logs/$1.log" start end pid status=ok interrupted=0 used=0
  # A fixed-seed pass starts from the checked-in seeds alone (what earlier runs added to the
  # corpus would change the inputs it tries) and keeps nothing.
  if [ -n "$runs" ]; then work=$(mktemp -d "$build/fuzz-runs-$t-XXXXXX"); fi
  mkdir -p "$work" "$build/fuzz-artifacts/$t"
  local args=("${limit[@]}" -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-30}" -max_len="${max_len[$t]:-4096}"
    -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$t/")
  if [ -n "${dict[$t]:-}" ]; then args+=(-dict="tests/fuzz/dict/${dict[$t]}.dict"); fi
  local seeds=("$work") d
  for d in "tests/fuzz/corpus/$t" ${extra_seeds[$t]:-} "tests/vectors/fuzz/$t"; do
    if [ -d "$d" ]; then seeds+=("$d"); fi
  done
  start=$(date +%s)
  nice -n "$nice_level" "$exe" "${args[@]}" "${seeds[@]}" >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    used=$(cpu_of "$pid")
    if [ -n "$cpu_budget" ] && [ "$used" -ge "$cpu_budget" ] && [ "$interrupted" = 0 ]; then
      kill -INT "$pid" 2>/dev/null || true  # libFuzzer prints its final stats and exits 72
      interrupted=1
    fi
    sleep 1
  done
  local rc=0
  wait "$pid" || rc=$?
  end=$(date +%s)
  if [ -n "$runs" ]; then rm -rf "$work"; fi
  if [ "$rc" != 0 ] && ! { [ "$interrupted" = 1 ] && [ "$rc" = 72 ]; }; then status=FAILED; fi
  local execs rss cov
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -1)
  printf 'fuzz: %-14s %-6s %10s runs in %5ss (%s CPU-s), coverage %s, peak RSS %s MB\n' "$t" \
    "$status" "${execs:-?}" "$((end - start))" "$used" "${cov:-?}" "${rss:-?}"
  if [ "$status" = FAILED ]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >&2 || true
    return 1
  fi
}

mkdir -p "$build/fuzz-logs"
echo "fuzz: ${#targets[@]} targets, $budget each, $parallel at a time"
failed=()
declare -A running=()
reap() {  # waits for one running target and notes whether it failed
  local done_pid
  wait -n -p done_pid "${!running[@]}" || failed+=("${running[$done_pid]}")
  unset "running[$done_pid]"
}
for t in "${targets[@]}"; do
  while [ ${#running[@]} -ge "$parallel" ]; do reap; done
  run_target "$t" &
  running[$!]=$t
done
while [ ${#running[@]} -gt 0 ]; do reap; done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (logs in $build/fuzz-logs, inputs in $build/fuzz-artifacts)" >&2
  exit 1
fi
