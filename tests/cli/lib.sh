# lib.sh: shared setup for the CLI tests, sourced with the test's arguments
# (BUILD_DIR SRC_DIR). Gives RIDGE (the binary), T (a temp dir removed at
# exit), fail MESSAGE (counts into $fails) and json_get FILE EXPR (a Python
# expression over the parsed JSON `r`).
B="$1"
RIDGE="$B/ridge"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
json_get() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
