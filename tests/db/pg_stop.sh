#!/usr/bin/env bash
# pg_stop.sh PGDIR: stop the cluster pg_start.sh started and remove it.
set -uo pipefail
PGDIR=${1:?usage: pg_stop.sh PGDIR}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -d "$PGDIR/data" ] || exit 0
RUN=()
[ "$(id -u)" -eq 0 ] && RUN=(runuser -u postgres --)
"${RUN[@]}" "$BIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1 || true
[ -f "$PGDIR/sockdir" ] && rm -rf "$(cat "$PGDIR/sockdir")"
rm -rf "$PGDIR"
exit 0
