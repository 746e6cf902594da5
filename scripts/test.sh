#!/usr/bin/env bash
# test.sh: build Ridge from scratch and run every test under ctest, twice:
# an optimised build and an AddressSanitizer + UndefinedBehaviorSanitizer
# build. Database, HTTP and browser tests start their own PostgreSQL.
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
  echo "== ctest ($variant)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    ctest --test-dir "$variant" --output-on-failure --timeout 900
done
echo "== all tests passed"
