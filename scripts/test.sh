#!/usr/bin/env bash
# test.sh: build Ridge from scratch and run every test under ctest, twice:
# an optimised build (gcc, -Werror) and an AddressSanitizer +
# UndefinedBehaviorSanitizer build (clang, whose UBSan also checks
# float-cast-overflow, which gcc's leaves out); then a short fuzzing run of
# every libFuzzer target. Database, HTTP and browser tests start their own
# PostgreSQL. ctest runs one test per core (the database and browser tests
# hold the RESOURCE_LOCK pg and so run one at a time beside the others).
# Each stage prints when it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
export OMP_WAIT_POLICY=passive
for variant in build build-asan; do
  flags=()
  cc=gcc
  [ "$variant" = build-asan ] && flags+=(-DRIDGE_SANITIZE=ON) && cc=clang
  CC=$cc cmake -S . -B "$variant" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${flags[@]}" >/dev/null
  cmake --build "$variant" -j "$jobs"
  echo "== ctest ($variant, $cc) at ${SECONDS} s"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    ctest --test-dir "$variant" -j "$jobs" --output-on-failure --timeout 900
done
# every libFuzzer target for 20 s from its seed corpus (scripts/fuzz.sh)
echo "== fuzz (20 s per target) at ${SECONDS} s"
scripts/fuzz.sh 20
echo "== all tests passed in ${SECONDS} s"
