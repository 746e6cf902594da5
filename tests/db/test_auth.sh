#!/usr/bin/env bash
# test_auth.sh: API tokens. Listening beyond loopback, writes need a write
# token (401 without, 403 with a read token); reads stay open; the token's
# name becomes the author in provenance; only the SHA-256 is stored;
# --require-auth enforces tokens on loopback too.
source "$(dirname "$0")/lib.sh"
DB=$(new_db auth)
"$RIDGED" migrate --db "$DB" >/dev/null 2>&1
W=$("$RIDGED" token create --role write --name alice --db "$DB")
R=$("$RIDGED" token create --role read --name bob --db "$DB")
[ "${W:0:3}" = rg_ ] && [ ${#W} = 67 ] && ok "token printed once" || fail "token format: $W"
[ "$(sql "SELECT count(*) FROM api_tokens WHERE token_sha256 = '$W'")" = 0 ] && ok "token not stored in clear" ||
  fail "clear token stored"
if "$RIDGED" token create --role admin --name x --db "$DB" >/dev/null 2>&1; then fail "bad role accepted"; else ok "bad role refused"; fi

PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "0.0.0.0:$PORT"
SWEEP="{\"name\":\"a\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}"
req POST "$U/api/v1/sweeps" -d "$SWEEP"; expect 401 "write without a token (beyond loopback)"
[ "$(jget 'd["field"]')" = Authorization ] && ok "names Authorization" || fail "field"
req POST "$U/api/v1/sweeps" -H "Authorization: Bearer $R" -d "$SWEEP"; expect 403 "read token cannot write"
req POST "$U/api/v1/evaluate" -H "Authorization: Bearer $R" -d "$SPEC"; expect 403 "read token cannot evaluate"
req POST "$U/api/v1/sweeps" -H "Authorization: Bearer rg_0000" -d "$SWEEP"; expect 401 "unknown token"
req POST "$U/api/v1/sweeps" -H "Authorization: Basic YTpi" -d "$SWEEP"; expect 401 "non-bearer scheme"
req GET "$U/api/v1/sweeps"; expect 200 "reads are open"
req GET "$U/api/v1/sweeps" -H "Authorization: Bearer $R"; expect 200 "read token reads"
[ "$(sql 'SELECT count(*) FROM sweeps')" = 0 ] && ok "refused writes stored nothing" || fail "rows written"
req POST "$U/api/v1/sweeps" -H "Authorization: Bearer $W" -d "$SWEEP"; expect 202 "write token writes"
[ "$(jget 'd["author"]')" = alice ] && [ "$(jget 'd["provenance"]["author"]')" = alice ] && ok "author from token" ||
  fail "author: $(jget 'd["author"]')"
req POST "$U/api/v1/evaluate" -H "Authorization: Bearer $W" -d "${SPEC%\}},\"store\":true}"; expect 201 "stored run"
[ "$(jget 'd["provenance"]["author"]')" = alice ] && ok "run author" || fail "run author"
sql "UPDATE api_tokens SET revoked_at = now() WHERE name = 'alice'" >/dev/null
req POST "$U/api/v1/sweeps" -H "Authorization: Bearer $W" -d "$SWEEP"; expect 401 "revoked token"
stop_ridged

PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --require-auth
req POST "$U/api/v1/sweeps" -d "$SWEEP"; expect 401 "--require-auth on loopback"
stop_ridged
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
start_ridged "$PORT" --listen "127.0.0.1:$PORT"
req POST "$U/api/v1/sweeps" -d "$SWEEP"; expect 202 "anonymous write on loopback"
[ "$(jget 'd["author"]')" = anonymous ] && ok "anonymous author" || fail "anonymous"
stop_ridged
finish
