#!/usr/bin/env bash
# test.sh: build Ridge from scratch and run every test under ctest, twice:
# an optimised build and an AddressSanitizer + UndefinedBehaviorSanitizer
# build; then a clang sanitizer build (float-cast-overflow) and a short
# fuzzing run. Database, HTTP and browser tests start their own PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
export OMP_WAIT_POLICY=passive
for variant in build build-asan; do
  flags=()
  [ "$variant" = build-asan ] && flags+=(-DRIDGE_SANITIZE=ON)
  cmake -S . -B "$variant" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${flags[@]}" >/dev/null
  cmake --build "$variant" -j "$jobs"
  echo "== ctest ($variant) at ${SECONDS} s"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    ctest --test-dir "$variant" --output-on-failure --timeout 900
done
# clang's UBSan with float-cast-overflow (gcc's leaves it out), in the
# libFuzzer build (the same sanitizers plus coverage instrumentation, so one
# clang build serves both): the unit, codec and CLI tests and the
# hostile-input HTTP test; then every libFuzzer target for 30 s from its seed
# corpus (scripts/fuzz.sh, which reuses this build).
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRIDGE_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$jobs"
echo "== ctest (build-fuzz: clang, float-cast-overflow) at ${SECONDS} s"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  ctest --test-dir build-fuzz --output-on-failure --timeout 900 -E rtl \
  -R '^(engine|server|cli)[.]|^db[.](pg_start|pg_stop|test_hostile)$'
echo "== fuzz (30 s per target) at ${SECONDS} s"
scripts/fuzz.sh 30 build-fuzz
echo "== all tests passed in ${SECONDS} s"
