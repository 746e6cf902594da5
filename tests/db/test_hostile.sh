#!/usr/bin/env bash
# test_hostile.sh: hostile input against a real ridged and PostgreSQL:
# duplicate keys anywhere (the sweep that would run is not the one that was
# checked) -> 400 naming the key; bytes that are not UTF-8 in bodies, keys
# and query parameters -> 400 naming the field, and every answer is valid
# JSON (RFC 8259 section 8.1: JSON text is UTF-8); \u0000 -> 400; filter
# values out of a double's range or in spellings PostgreSQL refuses; 1e300
# in an integer field; a FIFO in the web directory; HEAD and Allow. Row
# counts prove that nothing refused was written.
source "$(dirname "$0")/lib.sh"
DB=$(new_db hostile)
PORT=$(free_port)
U="http://127.0.0.1:$PORT"
mkdir -p "$TMP/web"
cp -r "$SRC/web/." "$TMP/web/"
mkfifo "$TMP/web/fifo.js"
start_ridged "$PORT" --listen "127.0.0.1:$PORT" --web "$TMP/web"

counts() { sql "SELECT (SELECT count(*) FROM sweeps), (SELECT count(*) FROM sweep_chunks), (SELECT count(*) FROM runs), (SELECT count(*) FROM decisions)"; }
# valid_json FILE: the body is UTF-8 and parses as JSON
valid_json() { python3 -c "import json,sys; json.loads(open(sys.argv[1],'rb').read().decode('utf-8', 'strict'))" "$1" 2>/dev/null; }
# refuse METHOD PATH BODY_FILE CODE FIELD DESCRIPTION
refuse() {
  CODE=$(curl -sS -o "$TMP/body" -w '%{http_code}' -X "$1" "$U$2" -H 'Content-Type: application/json' ${3:+--data-binary @"$3"})
  BODY=$(cat "$TMP/body")
  if ! valid_json "$TMP/body"; then fail "$6: the answer is not valid UTF-8 JSON: ${BODY:0:200}"; return; fi
  if [ "$CODE" != "$4" ]; then fail "$6: expected $4, got $CODE: ${BODY:0:300}"; return; fi
  local f
  f=$(python3 -c "import json; print(json.load(open('$TMP/body')).get('field',''))")
  if [ "$f" != "$5" ]; then fail "$6: field '$f', expected '$5': ${BODY:0:300}"; return; fi
  ok "$6 ($CODE, field $5)"
}
body() { printf '%s' "$1" >"$TMP/req.json"; echo "$TMP/req.json"; }

BEFORE=$(counts)
# ---- duplicate keys: refused wherever they are
refuse POST /api/v1/sweeps "$(body "{\"name\":\"d\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8,16],\"values\":[-1,0]}]}")" 400 "axes[0].values" "duplicate values in an axis"
refuse POST /api/v1/sweeps "$(body "{\"name\":\"d\",\"name\":\"e\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}")" 400 name "duplicate sweep name"
refuse POST /api/v1/sweeps "$(body "{\"name\":\"d\",\"base\":${SPEC%\}},\"batch\":-1},\"axes\":[{\"path\":\"seq_len\",\"values\":[8]}]}")" 400 base.batch "duplicate key in a sweep's base"
refuse POST /api/v1/evaluate "$(body "${SPEC%\}},\"parallelism\":{\"dp\":8,\"dp\":-3}}")" 400 parallelism "duplicate object key in a spec"
refuse POST /api/v1/decisions "$(body '{"title":"t","question":"q","decision":"d","evidence":{"runs":[],"runs":["1"]}}')" 400 evidence.runs "duplicate key in a decision"
refuse POST /api/v1/numerics/quantize "$(body '{"format":"mxfp4","format":"fp8_e4m3","dist":"normal","n":64}')" 400 format "duplicate key in a numerics request"
refuse POST /api/v1/rtl "$(body '{"unit":"mul","unit":"mac","format":"fp8_e4m3"}')" 400 unit "duplicate key in an RTL request"

# ---- bytes that are not UTF-8, and \u0000
refuse POST /api/v1/sweeps "$(body "{\"name\":\"bad $(printf '\xff\xfe')\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}")" 400 name "sweep name not UTF-8"
refuse POST /api/v1/sweeps "$(body "{\"name\":\"n\",\"tags\":[\"ok\",\"$(printf '\xc0\xaf')\"],\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}")" 400 "tags[1]" "overlong tag"
refuse POST /api/v1/sweeps "$(body "{\"name\":\"n\",\"notes\":\"$(printf '\xed\xa0\x80')\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}")" 400 notes "surrogate in notes"
refuse POST /api/v1/decisions "$(body "{\"title\":\"$(printf '\xe2\x82')\",\"question\":\"q\",\"decision\":\"d\"}")" 400 title "truncated sequence in a decision"
refuse POST /api/v1/evaluate "$(body "${SPEC%\}},\"$(printf 'k\xff')\":1}")" 400 "" "key not UTF-8"
refuse POST /api/v1/evaluate "$(body '{"model":"llama3-8b\u0000junk","hardware":"h100-sxm","phase":"decode","batch":1,"seq_len":8}')" 400 model "\\u0000 in a preset name"
refuse POST /api/v1/sweeps "$(body "{\"name\":\"x\\u0000y\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}")" 400 name "\\u0000 in a sweep name"
for q in "sweeps?tag=%FF" "sweeps?author=a%C3" "sweeps?status=%80" "decisions?q=%ED%A0%80" "decisions?tag=%F8%88%80%80%80"; do
  refuse GET "/api/v1/$q" "" 400 "$(p=${q#*\?}; echo "${p%%=*}")" "query ${q}"
done
refuse GET "/api/v1/no%FFwhere" "" 404 "" "unknown path with bad bytes"
refuse GET "/api/v1/sweeps/%FF" "" 404 id "bad bytes in an id"

# ---- filter values PostgreSQL would refuse
req POST "$U/api/v1/sweeps" -d "{\"name\":\"seed\",\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8,16]}]}"
expect 202 "seed sweep"
SW=$(jget 'd["id"]')
wait_sweep "$U" "$SW" 60 >/dev/null
refuse GET "/api/v1/sweeps/$SW/results?filter=mfu%3E1e-400" "" 400 filter "filter underflow"
refuse GET "/api/v1/sweeps/$SW/results?filter=mfu%3C1e999" "" 400 filter "filter overflow"
refuse GET "/api/v1/sweeps/$SW/pareto?filter=mfu%3E1e-400" "" 400 filter "pareto filter underflow"
req GET "$U/api/v1/sweeps/$SW/results?filter=point_index%3E%3D0x1p0"
[ "$CODE" = 200 ] && [ "$(jget 'len(d["results"])')" = 1 ] && ok "hex float filter means 1 (200, one row)" ||
  fail "hex float filter: $CODE ${BODY:0:200}"

# ---- numbers that would be cast before their range check
refuse POST /api/v1/sweeps "$(body "{\"name\":\"c\",\"chunk_size\":1e300,\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}")" 400 chunk_size "chunk_size 1e300"
refuse POST /api/v1/sweeps "$(body "{\"name\":\"c\",\"chunk_size\":-1e300,\"base\":$SPEC,\"axes\":[{\"path\":\"batch\",\"values\":[8]}]}")" 400 chunk_size "chunk_size -1e300"
refuse POST /api/v1/evaluate "$(body "${SPEC%\}},\"seq_len\":1e300}")" 400 seq_len "seq_len 1e300"
refuse POST /api/v1/numerics/quantize "$(body '{"format":"mxfp4","dist":"normal","n":64,"seed":"99999999999999999999"}')" 400 seed "seed past 2^64"
WRAPPED='{"value":8,"unit":"GB"}'
refuse POST /api/v1/evaluate "$(body "${SPEC/\"batch\":256/\"batch\":$WRAPPED}")" 400 batch.unit "unit on a unitless field"

# ---- the web directory: a FIFO is no file to serve, and must not block
T0=$(date +%s.%N)
CODE=$(curl -s -m 5 -o "$TMP/body" -w '%{http_code}' "$U/fifo.js" || true)
T1=$(date +%s.%N)
[ "$CODE" = 404 ] && ok "FIFO under the web directory is not served (404)" || fail "FIFO: $CODE"
python3 -c "import sys; sys.exit(0 if $T1 - $T0 < 2 else 1)" && ok "FIFO answered at once" || fail "FIFO took $(python3 -c "print($T1 - $T0)") s"
CURLS=()
for _ in 1 2 3 4; do curl -s -m 5 -o /dev/null "$U/fifo.js" & CURLS+=($!); done
for p in "${CURLS[@]}"; do wait "$p" || true; done
req GET "$U/api/v1/health"
expect 200 "health after FIFO requests"
req GET "$U/index.html"
expect 200 "a regular file is still served"

# ---- HEAD on GET routes, Allow on 405s
for p in /api/v1/health /api/v1/sweeps "/api/v1/sweeps/$SW" "/api/v1/sweeps/$SW/results" /problems /index.html; do
  CODE=$(curl -s -I -o /dev/null -w '%{http_code}' "$U$p")
  [ "$CODE" = 200 ] && ok "HEAD $p (200)" || fail "HEAD $p: $CODE"
done
for p in /index.html /api/v1/health; do
  curl -s -D "$TMP/hdr" -o /dev/null -X DELETE "$U$p"
  grep -qi '^Allow: .*GET' "$TMP/hdr" && head -1 "$TMP/hdr" | grep -q ' 405' && ok "405 on $p names Allow" ||
    fail "405 on $p: $(head -3 "$TMP/hdr")"
done

AFTER=$(counts)
EXPECT=$(python3 -c "b=list(map(int,'$BEFORE'.split('|'))); b[0]+=1; b[1]+=1; print('|'.join(map(str,b)))")
[ "$AFTER" = "$EXPECT" ] && ok "refused requests wrote nothing ($BEFORE -> $AFTER)" || fail "row counts $BEFORE -> $AFTER (expected $EXPECT)"
grep -q "database error" "$RLOG" && fail "a refused request reached the database: $(grep 'database error' "$RLOG" | head -3)" ||
  ok "no request was answered with a database error"
stop_ridged

# ---- loopback is the resolved address, not the listen string's prefix:
# 2130706433 is 127.0.0.1 written as one number, so anonymous writes are allowed
PORT=$(free_port)
start_ridged "$PORT" --listen "2130706433:$PORT" --workers 0
req POST "http://127.0.0.1:$PORT/api/v1/decisions" -d '{"title":"t","question":"q","decision":"d"}'
expect 201 "a loopback listener written as a number takes anonymous writes"
stop_ridged
finish
