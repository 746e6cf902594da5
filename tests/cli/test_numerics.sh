#!/usr/bin/env bash
# test_numerics.sh: `ridge formats`, `ridge qdq`, `ridge quantize`,
# `ridge bench-numerics` end to end. Args: BUILD_DIR SRC_DIR.
# Known answers: OCP MX v1.0 / OFP8 values (E2M1 grid {0, .5, 1, 1.5, 2, 3, 4, 6});
# SQNR on N(0,1) as docs/numerics.md's table gives it (MXFP4 18.8 dB, NVFP4 20.4 dB;
# ridge quantize --format F --n 1048576 --seed 1).
set -euo pipefail
B=$1
R="$B/ridge"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { # check NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
# f32 helpers without numpy: write/read little-endian float32 with python3's struct
py() { python3 -c "$@"; }

# formats: JSON with the OCP parameters
"$R" formats > "$T/formats.json"
check "formats lists mxfp4 with 4.25 bits and e4m3 max 448" py "
import json; d=json.load(open('$T/formats.json'))
f={x['name']:x for x in d['formats']}
assert f['mxfp4']['bits_per_element']==4.25 and f['fp8_e4m3']['max']==448 and f['fp6_e2m3']['max']==7.5
assert 'stochastic' in d['rounding'] and 'rceil' in d['scale_modes']"

# qdq: an MXFP4 block with amax 6 -> scale 1; values land on the E2M1 grid (RNE)
py "
import struct,sys
v=[6.0,0.2,0.3,0.75,1.25,2.5,-5.0,-0.24]+[0.0]*24
sys.stdout.buffer.write(struct.pack('<32f',*v))" > "$T/blk.f32"
"$R" qdq --format mxfp4 < "$T/blk.f32" > "$T/blk.out"
check "qdq mxfp4 rounds to the E2M1 grid" py "
import struct; v=struct.unpack('<32f',open('$T/blk.out','rb').read())
assert list(v[:8])==[6.0,0.0,0.5,1.0,1.0,2.0,-4.0,-0.0], v[:8]"
# ties away: 0.25 -> 0.5, 1.25 -> 1.5, 2.5 -> 3
"$R" qdq --format mxfp4 --rounding rna < "$T/blk.f32" > "$T/blk.rna"
check "qdq rna" py "
import struct; v=struct.unpack('<32f',open('$T/blk.rna','rb').read())
assert v[4]==1.5 and v[5]==3.0 and v[6]==-6.0, v[:8]"

# qdq streaming == whole: 1,000,003 values (partial last block), stochastic, 1 vs 2 threads
py "
import struct,random,sys
random.seed(3); n=1000003
sys.stdout.buffer.write(struct.pack('<%df'%n,*[random.gauss(0,1) for _ in range(n)]))" > "$T/x.f32"
"$R" qdq --format mxfp6_e3m2 --rounding stochastic --seed 7 --threads 1 < "$T/x.f32" > "$T/a.f32"
"$R" qdq --format mxfp6_e3m2 --rounding stochastic --seed 7 --threads 2 < "$T/x.f32" > "$T/b.f32"
check "qdq stochastic: same bytes for 1 and 2 threads" cmp -s "$T/a.f32" "$T/b.f32"
check "qdq keeps the length" test "$(stat -c %s "$T/a.f32")" = "$(stat -c %s "$T/x.f32")"
"$R" qdq --format mxfp6_e3m2 --rounding stochastic --seed 8 < "$T/x.f32" > "$T/c.f32"
check "qdq stochastic: another seed differs" bash -c "! cmp -s '$T/a.f32' '$T/c.f32'"
# a pipe (streamed with fread) and a regular file (mapped) give the same bytes
cat "$T/x.f32" | "$R" qdq --format mxfp6_e3m2 --rounding stochastic --seed 7 > "$T/d.f32"
check "qdq from a pipe == from a file" cmp -s "$T/a.f32" "$T/d.f32"
cat "$T/x.f32" | "$R" qdq --format nvfp4 > "$T/n2.f32"
"$R" qdq --format nvfp4 < "$T/x.f32" > "$T/n3.f32"
check "qdq nvfp4 from a pipe == from a file" cmp -s "$T/n2.f32" "$T/n3.f32"
# nvfp4 / per-tensor read the whole input
"$R" qdq --format nvfp4 < "$T/x.f32" > "$T/n.f32"
"$R" qdq --format fp8_e4m3 --scaling tensor < "$T/x.f32" > "$T/p.f32"
check "qdq nvfp4 and per-tensor fp8 keep the length" test "$(stat -c %s "$T/n.f32")" = "$(stat -c %s "$T/p.f32")"
# 7,000,021 values (28 MB): several 8 MiB chunks through the 3 pipeline slots, a partial last
# block; a file (mapped) and a pipe (read), 1 and 3 threads, give the same bytes
for i in 1 2 3 4 5 6 7; do cat "$T/x.f32"; done > "$T/x7.f32"
for a in "mxfp6_e3m2 --rounding stochastic --seed 7" "nvfp4" "fp8_e4m3 --scaling channel --cols 3001"; do
    "$R" qdq --format $a --threads 1 < "$T/x7.f32" > "$T/s1.f32"
    cat "$T/x7.f32" | "$R" qdq --format $a --threads 3 > "$T/s3.f32"
    "$R" qdq --format $a --threads 2 < "$T/x7.f32" > "$T/s2.f32"
    check "qdq multi-chunk $a: pipe/file, 1/2/3 threads agree" bash -c \
        "cmp -s '$T/s1.f32' '$T/s3.f32' && cmp -s '$T/s1.f32' '$T/s2.f32' && test \$(stat -c %s '$T/s1.f32') = 28000084"
done
check "qdq of empty input is empty" test "$(printf '' | "$R" qdq --format nvfp4 | wc -c)" = 0

# quantize on the file == SQNR of docs/numerics.md's table
"$R" quantize --format mxfp4 --input "$T/x.f32" > "$T/q.json"
check "quantize file: mxfp4 SQNR ~18.8 dB" py "
import json; d=json.load(open('$T/q.json'))
assert abs(d['sqnr_db']-18.8)<0.5 and d['n']==1000003 and d['bits_per_element']==4.25, d"
"$R" quantize --format nvfp4 --dist normal --n 262144 --seed 1 > "$T/q2.json"
check "quantize synthetic: nvfp4 SQNR ~20.4 dB" py "
import json; d=json.load(open('$T/q2.json'))
assert abs(d['sqnr_db']-20.4)<0.5 and d['source']['dist']=='normal', d"
# bf16 input and .npy input (float32, 2-D: its last dim gives the KL rows)
py "
import struct,sys
vals=[1.0,-2.5,0.1,3.0]*64
sys.stdout.buffer.write(b''.join(struct.pack('<I',struct.unpack('<I',struct.pack('<f',v))[0]>>16)[:2] for v in vals))" > "$T/x.bf16"
"$R" quantize --format bf16 --input "$T/x.bf16" --input-format bf16 > "$T/q3.json"
check "quantize bf16 input: bf16 is exact on bf16 data" py "
import json; d=json.load(open('$T/q3.json')); assert d['n']==256 and d['mse']==0, d"
py "
import struct,sys
hdr=\"{'descr': '<f4', 'fortran_order': False, 'shape': (8, 16), }\"
hdr=hdr+' '*(64-10-len(hdr)-1)+'\n'
sys.stdout.buffer.write(b'\x93NUMPY\x01\x00'+struct.pack('<H',len(hdr))+hdr.encode()+struct.pack('<128f',*[(i%7)-3.0 for i in range(128)]))" > "$T/x.npy"
"$R" quantize --format fp8_e4m3 --input "$T/x.npy" --input-format npy > "$T/q4.json"
check "quantize npy: 8x16 gives 8 KL rows" py "
import json; d=json.load(open('$T/q4.json')); assert d['n']==128 and d['kl_rows']==8, d"
# schemes and entropy
"$R" quantize --format int8 --scaling channel --cols 1024 --dist activations --n 262144 --scheme outliers > "$T/q5.json"
check "quantize outliers scheme reports outlier columns" py "
import json; d=json.load(open('$T/q5.json')); assert d['scheme']['outlier_cols']>0 and d['bits_per_element']>8, d"
"$R" quantize --format fp8_e4m3 --n 65536 --entropy > "$T/q6.json"
check "quantize entropy" py "
import json; d=json.load(open('$T/q6.json')); e=d['entropy']; assert e['exponent_bits']==4 and 0<e['exponent_entropy']<4, e"
"$R" quantize --ebits 3 --mbits 4 --n 4096 > "$T/q7.json"
check "quantize user format e3m4" py "
import json; d=json.load(open('$T/q7.json')); assert d['format']=='e3m4' and d['elem_bits']==8, d"

# without subnormals 0.01 flushes to zero in E4M3 (min normal 2^-6); with them it is kept approximately
py "
import struct,sys
sys.stdout.buffer.write(struct.pack('<2f',0.01,1.0))" > "$T/sub.f32"
"$R" qdq --ebits 4 --mbits 3 --nan fn --no-subnormals --scaling none < "$T/sub.f32" > "$T/sub1.f32"
"$R" qdq --ebits 4 --mbits 3 --nan fn --scaling none < "$T/sub.f32" > "$T/sub2.f32"
check "qdq --no-subnormals flushes" py "
import struct; a=struct.unpack('<2f',open('$T/sub1.f32','rb').read()); b=struct.unpack('<2f',open('$T/sub2.f32','rb').read())
assert a==(0.0,1.0) and abs(b[0]-0.009765625)<1e-9, (a,b)"
"$R" quantize --format int4_g32 --n 65536 > "$T/q8.json"
check "quantize int4_g32 (any group size)" py "
import json; d=json.load(open('$T/q8.json')); assert d['bits_per_element']==4.5 and d['block']==32, d"

# bad input: exit 2 naming the option
expect2() { # expect2 NAME OPTION ARGS...
    local name=$1 opt=$2; shift 2
    set +e; "$R" "$@" < /dev/null > /dev/null 2> "$T/err"; local rc=$?; set -e
    check "$name -> exit 2 naming $opt" bash -c "[ $rc = 2 ] && grep -q -- '$opt' '$T/err'"
}
expect2 "unknown format" --format quantize --format nope
expect2 "bad rounding" --rounding quantize --format mxfp4 --rounding up
expect2 "bad scale mode" --scale-mode qdq --format mxfp4 --scale-mode round
expect2 "bad n" --n quantize --format mxfp4 --n -5
expect2 "non-number n" --n quantize --format mxfp4 --n ten
expect2 "unknown option" --bogus qdq --format mxfp4 --bogus
expect2 "missing format" --format qdq
expect2 "bad dist" --dist quantize --format mxfp4 --dist cauchy
expect2 "channel without cols" --cols quantize --format int8 --scaling channel
expect2 "hadamard needs power of two" --cols quantize --format mxfp4 --n 3000 --cols 1000 --scheme hadamard
expect2 "missing input file" --input quantize --format mxfp4 --input "$T/none.f32"
expect2 "bad input format" --input-format quantize --format mxfp4 --input "$T/x.f32" --input-format f64
expect2 "bad seed" --seed quantize --format mxfp4 --seed -1
printf 'abc' > "$T/odd.f32"
set +e; "$R" qdq --format mxfp4 < "$T/odd.f32" > /dev/null 2> "$T/err"; rc=$?; set -e
check "qdq rejects a partial float32 (exit 2)" test "$rc" = 2

check "qdq --help lists the options (exit 0)" bash -c "'$R' qdq --help | grep -q -- --scale-mode"

# bench-numerics: short run
"$R" bench-numerics --n 65536 --reps 1 > "$T/bench.json"
check "bench-numerics reports ratios" py "
import json; d=json.load(open('$T/bench.json'))
assert d['memcpy']['elements_per_s']>0 and all(f['ratio_to_memcpy']>0 for f in d['formats'])"

exit $fail
