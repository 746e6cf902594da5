#!/usr/bin/env bash
# test_csrf.sh: cross-site request forgery and CORS. A page of another
# origin cannot write to the record: a text/plain POST with a foreign Origin
# (what any web page can send without a preflight) is refused with 403 and
# nothing is written; a same-origin write must be application/json (415
# otherwise); requests without an Origin (curl, the CLI) are unaffected;
# CORS headers and preflights only for --allow-origin origins; OPTIONS and
# HEAD are answered. Row counts are compared before and after.
source "$(dirname "$0")/lib.sh"
DB=$(new_db csrf)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
ALLOWED="https://dash.example:8443"
EVIL="https://evil.example"
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --allow-origin "http://other.example, $ALLOWED"

counts() { sql "SELECT (SELECT count(*) FROM sweeps), (SELECT count(*) FROM runs), (SELECT count(*) FROM decisions)"; }
DECISION='{"title":"t","question":"q","decision":"d"}'
SWEEP="{\"name\":\"csrf\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8,16]}]}"
BEFORE=$(counts)

# the forged writes: every write endpoint, as a page of another origin sends them
for w in "/api/v1/evaluate|${SPEC%\}},\"store\":true}" "/api/v1/sweeps|$SWEEP" "/api/v1/decisions|$DECISION"; do
  path=${w%%|*} body=${w#*|}
  req POST "$U$path" -H "Origin: $EVIL" -H 'Content-Type: text/plain' --data-binary "$body"
  expect 403 "text/plain POST $path from a foreign origin refused"
  [ "$(jget 'd["type"]')" = /problems/cross-origin ] && ok "problem type cross-origin" || fail "type: $BODY"
  req POST "$U$path" -H "Origin: $EVIL" -H 'Content-Type: application/json' --data-binary "$body"
  expect 403 "JSON POST $path from a foreign origin refused"
  req POST "$U$path" -H "Origin: null" -H 'Content-Type: text/plain' --data-binary "$body"
  expect 403 "POST $path from an opaque origin (null) refused"
done
req POST "$U/api/v1/sweeps/1/cancel" -H "Origin: $EVIL" -H 'Content-Type: text/plain' --data-binary '{}'
expect 403 "cancel from a foreign origin refused"
# DNS rebinding: a page of evil.example re-pointed at 127.0.0.1 is "same origin"
# with its own Host, which is not a loopback name
req POST "$U/api/v1/decisions" -H "Host: evil.example:$PORT" -H "Origin: http://evil.example:$PORT" \
  -H 'Content-Type: application/json' --data-binary "$DECISION"
expect 403 "write from a rebound name refused on loopback"
# same origin: the dashboard's own writes, but only as JSON
req POST "$U/api/v1/decisions" -H "Origin: http://127.0.0.1:$PORT" -H 'Content-Type: text/plain' \
  --data-binary "$DECISION"
expect 415 "same-origin text/plain write refused"
[ "$(jget 'd["type"]')" = /problems/unsupported-media-type ] && ok "problem type unsupported-media-type" ||
  fail "type: $BODY"
[ "$(counts)" = "$BEFORE" ] && ok "refused writes changed nothing ($BEFORE)" || fail "rows $BEFORE -> $(counts)"

req POST "$U/api/v1/decisions" -H "Origin: http://127.0.0.1:$PORT" -H 'Content-Type: application/json; charset=utf-8' \
  --data-binary "$DECISION"
expect 201 "same-origin JSON write accepted"
req POST "$U/api/v1/decisions" -H "Host: localhost:$PORT" -H "Origin: http://localhost:$PORT" \
  -H 'Content-Type: application/json' --data-binary "$DECISION"
expect 201 "same-origin JSON write from http://localhost accepted"
req POST "$U/api/v1/decisions" -D "$TMP/hdr" -H "Origin: $ALLOWED" -H 'Content-Type: application/json' \
  --data-binary "$DECISION"
expect 201 "configured origin's JSON write accepted"
grep -qi "^Access-Control-Allow-Origin: $ALLOWED" "$TMP/hdr" && ok "CORS header for the configured origin" ||
  fail "no Access-Control-Allow-Origin"
# no Origin: curl, scripts, the CLI (form content type, as plain curl -d sends it)
req POST "$U/api/v1/decisions" --data-binary "$DECISION"
expect 201 "write without Origin unaffected"

# reads: CORS only for configured origins
curl -s -D "$TMP/hdr" -o /dev/null -H "Origin: $EVIL" "$U/api/v1/health"
grep -qi "^Access-Control-Allow-Origin" "$TMP/hdr" && fail "CORS header for a foreign origin" ||
  ok "no CORS header for a foreign origin"
curl -s -D "$TMP/hdr" -o /dev/null -H "Origin: $ALLOWED" "$U/api/v1/health"
grep -qi "^Access-Control-Allow-Origin: $ALLOWED" "$TMP/hdr" && ok "CORS header on a read" || fail "read CORS"

# OPTIONS (preflight) and HEAD
req OPTIONS "$U/api/v1/sweeps" -D "$TMP/hdr" -H "Origin: $ALLOWED" -H 'Access-Control-Request-Method: POST'
expect 204 "preflight from the configured origin"
grep -qi "^Access-Control-Allow-Methods: .*POST" "$TMP/hdr" && grep -qi "^Access-Control-Allow-Headers: .*Content-Type" "$TMP/hdr" &&
  ok "preflight names methods and headers" || fail "preflight headers: $(cat "$TMP/hdr")"
req OPTIONS "$U/api/v1/sweeps" -H "Origin: $EVIL" -H 'Access-Control-Request-Method: POST'
expect 403 "preflight from a foreign origin refused"
req OPTIONS "$U/api/v1/sweeps" -D "$TMP/hdr"
expect 204 "OPTIONS without Origin"
grep -qi "^Allow: GET, HEAD, POST, OPTIONS\|^Allow: POST, GET, HEAD, OPTIONS" "$TMP/hdr" && ok "Allow lists the methods" ||
  fail "Allow: $(grep -i '^Allow' "$TMP/hdr")"
CODE=$(curl -s -I -o "$TMP/hdr" -w '%{http_code}' "$U/api/v1/health")
[ "$CODE" = 200 ] && grep -qi "^Content-Type: application/json" "$TMP/hdr" && ok "HEAD on an API route (200)" ||
  fail "HEAD: $CODE"
CODE=$(curl -s -I -o /dev/null -w '%{http_code}' "$U/")
[ "$CODE" = 200 ] && ok "HEAD on the dashboard (200)" || fail "HEAD /: $CODE"
req DELETE "$U/api/v1/sweeps" -D "$TMP/hdr"
expect 405 "DELETE not allowed"

kill -0 "$RPID" && ok "ridged still running" || fail "ridged died"
stop_ridged
finish
