#!/usr/bin/env bash
# test_readme.sh: every worked example of README.md runs as written and
# prints what the README says. The ```sh blocks of "## Worked examples" run
# in order, in one shell, in a scratch directory where build/ is this build
# and tests/ the source's (ridge validate reads tests/reference), with a
# ridged of this build behind the service example (its localhost:8080 is
# this test's port). The figures the README quotes for the decode, what-if,
# training, search, numerics, silicon and validation examples are then computed from
# the commands' outputs and must appear in the README as quoted; the other
# examples must run.
source "$(dirname "$0")/lib.sh"
DB=$(new_db readme)
PORT=$(free_port)
start_ridged "$PORT" --listen "127.0.0.1:$PORT"
command -v jq >/dev/null || { fail "jq is not installed (scripts/deps.sh installs it)"; finish; }
W="$TMP/work"
mkdir -p "$W"
ln -s "$BUILD" "$W/build"
ln -s "$SRC/tests" "$W/tests"
python3 - "$SRC/README.md" "$W" "$PORT" <<'PY' || fail "README examples"
import json, re, subprocess, sys
readme, work, port = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
section = readme[readme.index("## Worked examples"):readme.index("## Further reading")]
blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
assert len(blocks) >= 5, len(blocks)
text = " ".join(section.split())  # prose and comments, whitespace folded
fails = []
def has(s, what):
    if s not in text:
        fails.append(f"README does not say {s!r} ({what})")
    else:
        print(f"ok: README says {s!r} ({what})")
outs = []
for i, b in enumerate(blocks):
    script = b.replace("localhost:8080", f"127.0.0.1:{port}")
    # one output file per command line, to check figures from each
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        fails.append(f"block {i} exited {r.returncode}: {r.stderr[-400:]}")
    else:
        print(f"ok: block {i} runs as written ({len(r.stdout)} bytes of output)")
    outs.append(r.stdout)
def run(cmd):
    r = subprocess.run(["bash", "-euo", "pipefail", "-c", cmd], cwd=work, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (cmd, r.stderr[-300:])
    return r.stdout
def jrun(cmd):
    return json.loads(run(cmd))
# decode
d = jrun("build/ridge evaluate decode.json")
has(f"{d['time_s'] * 1e3:.1f} ms", "decode step")
has(f"{d['tokens_per_s']:,.0f} tokens/s", "decode throughput")
bounds = [o["bound"] for o in d["ops"]]
assert "compute" not in bounds, bounds
has("no op is compute-bound", "no compute-bound op")
has(f"the {bounds.count('memory')} matrix ops are memory-bound", "memory-bound ops")
has(f"the {bounds.count('latency')} small vector ops", "latency-bound ops")
flash = max(d["ops"], key=lambda o: o["time_s"] * o["count"])
assert flash["name"] == "attn.flash", flash["name"]
has(f"({flash['time_s'] * flash['count'] * 1e3:.1f} ms)", "attention first")
has(f"exposed for {d['breakdown']['comm']['all_reduce']['exposed_s'] * 1e3:.1f} ms", "all-reduce")
has(f"{d['memory']['per_device_bytes'] / 1e9:.1f} GB per device fits in {d['memory']['capacity_bytes'] / 1e9:.0f} GB", "memory")
has(f"saturates at batch {d['saturation_batch']}", "saturation batch")
has(f"batches up to {d['max_batch_fits']} fit", "max batch")
first = json.loads(outs[0])
assert set(first) == {"time_s", "tokens_per_s", "saturation_batch", "max_batch_fits", "memory"}, first
# what-if
c = jrun("build/ridge compare decode.json faster.json")
has(f"speedup {c['speedup']:.2f}, {'one input differs' if len(c['inputs']) == 1 else 'inputs differ'}", "compare")
# training and search
g = jrun("build/ridge evaluate gpt3.json")
has(f"{g['time_s']:.1f} s, MFU {g['mfu']:.2f}, bubble {g['breakdown']['bubble_s']:.2f} s", "gpt3 step")
sr = jrun("build/ridge search gpt3.json --top 5")
b0 = sr["best"][0]
p = b0["parallelism"]
has(f"({sr['evaluated']:,}, of which {sr['feasible']:,} fit in memory)", "search counts")
has(f"tp {p['tp']}, pp {p['pp']}, dp {p['dp']}, cp {p['cp']} with {p['interleave']} interleaved stages, "
    f"{b0['time_s']:.1f} s per step at MFU {b0['mfu']:.2f}", "best layout")
assert jrun("build/ridge search gpt3.json --top 5 | jq '.best[0]'")["rank"] == 1
# numerics
m = jrun("build/ridge evaluate mx.json")
w = m["quality"]["weights"]
has(f"weights SQNR {w['sqnr_db']:.1f} dB at {w['bits_per_element']:g} bits", "mx quality")
fd = m["quality"]["layers"]["ffn_down"]
has(f"ffn_down (k = {fd['k']:,}) keeps {fd['sqnr_db']:.1f} dB", "mx quality layers")
rec = {}
for f in ("fp8", "fp4"):
    rec[f] = jrun(f"build/ridge evaluate {f}.json")
    assert rec[f]["ops"] and rec[f]["recipes"], f
r8, r4 = rec["fp8"], rec["fp4"]
assert r8["math"] == "fp8" and r4["math"] == "fp4", (r8["math"], r4["math"])
amax = sum(o["time_s"] * o["count"] for o in r4["ops"] if o["name"] == "recipe.amax")
has(f"takes {r8['time_s']:.2f} s with DeepSeek-V3's FP8 ({r8['recipes']['weights']['bits_per_element']:.3f}-bit "
    f"weights, {r8['recipes']['activations']['bits_per_element']:.2f}-bit", "recipe fp8")
has(f"ffn_down {r8['quality']['layers']['ffn_down']['sqnr_db']:.1f} dB) and {r4['time_s']:.2f} s with NVFP4 "
    f"({r4['recipes']['weights']['bits_per_element']:.3f} / {r4['recipes']['activations']['bits_per_element']:.1f} "
    f"bits, FP4 rate, {amax * 1e3:.0f} ms", "recipe fp4")
has(f"ffn_down {r4['quality']['layers']['ffn_down']['sqnr_db']:.1f} dB)", "recipe fp4 quality")
q = jrun("build/ridge quantize --format mxfp4 --dist normal --n 1048576 --seed 1")
has(f"sqnr_db {q['sqnr_db']:.2f}, {q['bits_per_element']:g} bits", "quantize")
rq = jrun("build/ridge quantize --recipe fp8_1x128 --dist activations --n 1048576 --seed 1")
has(f"sqnr_db {rq['sqnr_db']:.2f} at {rq['bits_per_element']:g} bits", "quantize --recipe")
# validation: the report, and its rows as JSON
rep = run("build/ridge validate")
for label, name in (("MAPE overall", "MAPE"), ("MAPE single-node", "single-node"), ("MAPE multi-node", "multi-node")):
    v = re.search(label + r"\s+([0-9.]+) %", rep).group(1)
    has(f"{name} {v} %", label)
rows = jrun("build/ridge validate --json")
assert rows, "validate --json prints JSON"
has(f"compares predictions with {rows['rows']:,} measured", "validation rows")
cv = re.search(r"MAPE held out\s+([0-9.]+) %", run("build/ridge validate --folds 5")).group(1)
has(f"{cv} % held out", "cross-validated validation")
# calibration, uncertainty, a software stack and gap attribution
cal = outs[next(i for i, b in enumerate(blocks) if "allreduce.jsonl" in b)].splitlines()
fit, ev, g21, summary = json.loads(cal[0]), json.loads(cal[1]), json.loads(cal[2]), cal[3]
has(f"{fit['mape_before']:.1f} % error on them into {fit['mape_after']:.1f} %", "calibration fit")
fp = fit["params"]
has(f"`all_reduce_bw_efficiency` {fp['all_reduce_bw_efficiency']['value']:.2f}", "fitted efficiency")
has(f"pays {fp['all_reduce_latency']['value'] * 1e6:.1f} µs", "fitted latency")
has(f"takes {ev['time_s'] * 1e3:.1f} ms instead of {d['time_s'] * 1e3:.1f}", "calibrated decode")
has(f"exposed for {ev['allreduce'] * 1e3:.1f} ms", "calibrated all-reduce")
has(f"between {ev['interval']['low'] * 1e3:.1f} and {ev['interval']['high'] * 1e3:.1f} ms", "uncertainty")
has(f"spread from `{ev['dominant']}`", "dominant assumption")
assert ev["calibrated"] == ["all_reduce_bw_efficiency", "all_reduce_latency", "all_reduce_ll_bw_fraction",
                           "all_reduce_ll_latency_scale", "all_reduce_ll128_bw_fraction",
                           "all_reduce_ll128_latency_scale"], ev["calibrated"]
assert g21["stack"] == "megatron-2021"
has(f"GPT-3 layout above takes {g21['time_s']:.1f} s", "megatron-2021 stack")
# the measured step from Narayanan et al. 2021 eq. 3: 96 B s l h^2 (1 + s/6h + V/16lh) FLOPs at 140 TFLOP/s per GPU
B_, s_, l_, h_, V_ = 1536, 2048, 96, 12288, 51200
meas = 96 * B_ * s_ * l_ * h_**2 * (1 + s_ / (6 * h_) + V_ / (16 * l_ * h_)) / (1024 * 140e12)
has(f"{meas:.1f} s by their FLOP count", "GPT-3 measured step")
has(summary.split(" to match")[0], "explain summary")
# silicon: the multiplier's co-simulation and synthesis, and the ppa table
rt = json.loads(open(work + "/mul-e4m3/result.json").read())
assert rt["cosim"]["mismatches"] == 0 and rt["cosim"]["vectors"] == 65536, rt["cosim"]
has(f"All {rt['cosim']['vectors']:,} operand pairs", "rtl vectors")
sy = rt["synthesis"]
has(f"onto {sy['cells']} OSU 0.18 µm cells ({sy['area_um2']:,.0f} µm², {sy['delay_ns']:.2f} ns critical path", "rtl synthesis")
pp = {(r["unit"], r["format"]): r for r in jrun("build/ridge ppa --units mul --formats fp4_e2m1,bf16 --json")}
has(f"FP4 ({pp[('mul', 'fp4_e2m1')]['cells']} cells, {pp[('mul', 'fp4_e2m1')]['rel_area']:.3f} of bf16's area)", "ppa fp4")
has(f"bf16 ({pp[('mul', 'bf16')]['cells']} cells)", "ppa bf16")
# a chip that does not exist yet: every row of the table from the chip block's output
chip = [json.loads(l) for l in outs[next(i for i, b in enumerate(blocks) if "cat > chip.json" in b)].splitlines() if l.strip()]
assert len(chip) == 6, len(chip)
for lane in ("fp8_e4m3", "mxfp8_e4m3", "mxfp4"):
    dec = next(r for r in chip if r["lane"] == lane and r["phase"] == "decode")
    tr = next(r for r in chip if r["lane"] == lane and r["phase"] == "train")
    m = dec["macs"] / 1e6
    has(f"| {m:.2f} M |" if m < 10 else f"| {m:.1f} M |", f"{lane} MACs")
    has(f"M | {dec['stages']} | {dec['peak_flops'] / 1e15:.1f} PFLOP/s | {dec['matrix_power_w']:,.0f} W |", f"{lane} stages, peak, power")
    has(f"| {dec['time_s'] * 1e3:.1f} ms / {dec['energy_per_token_j']:.2f} J | {tr['time_s']:.2f} s / {tr['energy_per_token_j']:.2f} J |", f"{lane} decode and training")
    has(f"| {dec['weights_sqnr_db']:.1f} / {dec['activations_sqnr_db']:.1f} / {dec['matmul_sqnr_db']:.1f} dB |", f"{lane} SQNR")
# the prose under the table: its ratios from the same rows
dec = {r["lane"]: r for r in chip if r["phase"] == "decode"}
trn = {r["lane"]: r for r in chip if r["phase"] == "train"}
f8, d8, f4 = "fp8_e4m3", "mxfp8_e4m3", "mxfp4"
has(f"holds {dec[f4]['macs'] / dec[f8]['macs']:.0f}× the MACs of FP8 MAC lanes ({dec[f4]['macs'] / dec[d8]['macs']:.0f}× those", "lane MAC ratios")
has(f"decode is {dec[f8]['time_s'] / dec[f4]['time_s']:.2f}× faster", "decode speed-up")
tr = sorted(trn[l]["time_s"] / trn[f4]["time_s"] for l in (f8, d8))
has(f"training {tr[0]:.1f}–{tr[1]:.1f}× faster", "training speed-up")
en = sorted(ph[l]["energy_per_token_j"] / ph[f4]["energy_per_token_j"] for ph in (dec, trn) for l in (f8, d8))
has(f"at {en[0]:.1f}–{en[-1]:.0f}× less energy per token", "energy ratios")
has(f"for {dec[f8]['matmul_sqnr_db'] - dec[f4]['matmul_sqnr_db']:.1f} dB less SQNR", "SQNR cost")
# the quality sweep's front: non-dominated in time and quality loss
qf = outs[next(i for i, b in enumerate(blocks) if "lanes x weights" in b)]
front = [json.loads(l) for l in qf.splitlines() if l.startswith("{") and "quality_sqnr_db" in l]
assert len(front) >= 2 and all(r["quality_sqnr_db"] > 0 for r in front), qf[-400:]
print(f"ok: the time x quality front has {len(front)} points")
# serving under SLOs
sj = jrun("build/ridge evaluate serve.json")
sv = sj["serving"]
has(f"The three replicas ({sj['chips']} chips)", "serving chips")
has(f"TTFT p99 {sv['ttft_s']['p99']:.2f} s, TPOT p99 {sv['tpot_s']['p99'] * 1e3:.1f} ms, {sv['slo_attainment'] * 100:.2f} %", "serving SLOs")
assert abs(sv["mean_in_system"] - sv["throughput_requests_per_s"] * sv["e2e_s"]["mean"]) <= 0.02 * sv["mean_in_system"], sv
sh = jrun("build/ridge evaluate serve-hbm.json")["serving"]
has(f"TTFT p99 falls to {sh['ttft_s']['p99']:.2f} s and TPOT p99 to {sh['tpot_s']['p99'] * 1e3:.1f} ms", "serving with 2x HBM")
# the service example answered JSON: the time of the decode step, then the sweep
svc = outs[next(i for i, b in enumerate(blocks) if "/api/v1/evaluate -d @decode.json" in b)].split("\n", 1)
assert abs(float(svc[0]) - d["time_s"]) < 1e-12, svc[0]
assert json.loads(svc[1])["points_total"] == 28, svc[1][:200]
print("ok: the service answers the decode time and a 28-point sweep")
for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
PY
stop_ridged
finish
