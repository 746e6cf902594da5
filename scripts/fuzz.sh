#!/usr/bin/env bash
# fuzz.sh [SECONDS] [BUILD_DIR]: build the libFuzzer targets of tests/fuzz
# with clang (-DRIDGE_FUZZ=ON: AddressSanitizer, UndefinedBehaviorSanitizer
# with float-cast-overflow) and run each for SECONDS (default 30) from its
# seed corpus in tests/fuzz/corpus/<target>/ (new inputs go to a scratch
# copy, the repository's corpus is left as it is). Prints executions per
# target; exits non-zero on the first crash, leaving the input in
# BUILD_DIR/fuzz/crash-*. scripts/test.sh runs it for 30 s; longer runs:
# scripts/fuzz.sh 600.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-30}
BUILD=${2:-build-fuzz}
CC=clang cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIDGE_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target fuzz_spec fuzz_json fuzz_numerics fuzz_ridged_axes >/dev/null
for t in fuzz_spec fuzz_json fuzz_numerics fuzz_ridged_axes; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/$t/* "$work/"
  log="$BUILD/fuzz/$t.log"
  (cd "$BUILD/fuzz" && ASAN_OPTIONS=detect_leaks=1 ./$t -max_total_time="$SECS" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 "$work" >"$t.log" 2>&1) ||
    { tail -40 "$log"; rm -rf "$work"; echo "fuzz: $t found a crash (input in $BUILD/fuzz/)" >&2; exit 1; }
  echo "$t: $(grep -m1 stat::number_of_executed_units "$log" | awk '{print $2}') executions in ${SECS} s, corpus $(ls "$work" | wc -l) inputs, no crash"
  rm -rf "$work"
done
