#!/usr/bin/env bash
# test_sweeps.sh BUILD_DIR SRC_DIR PGDIR: large and hardware sweeps in a real
# browser (run_sweeps.mjs), with test_dashboard.sh's fixture.
exec bash "$(dirname "$0")/test_dashboard.sh" "$@" run_sweeps.mjs
