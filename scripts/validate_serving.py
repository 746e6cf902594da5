#!/usr/bin/env python3
"""validate_serving.py: Ridge's serving simulation against published offline
maximum-throughput runs (data/validation/trtllm-offline.json).

Each measured row (model, GPU, precision, tensor parallelism, input/output
lengths, output tokens/s) becomes a "phase": "serve" spec with the data file's
setup: every request queued at once, fixed lengths, the measured stack's
scheduler settings. `ridge evaluate` simulates it; the script prints the
error of each row, the mean absolute percentage error (MAPE), the signed mean
and median, and the same by precision, GPU, model, tensor parallelism, dense
or MoE, and by half: the rows sorted by (model, GPU, precision, GPUs, ISL,
OSL) alternate between a training half (even positions) and a held-out half
(odd positions), so a parameter fitted on the training half is judged on rows
it never saw. Nothing is fitted here: the assumptions are the shipped ones
(--set assumptions.NAME=VALUE tries another value).

usage: scripts/validate_serving.py [--ridge build/ridge] [--data FILE] [--json] [--jobs N]
                                   [--only KEY=VALUE] [--set PATH=JSON ...] [--fit NAME=LO:HI:STEPS]
  --only precision=fp4      keep the rows whose field has that value
  --set serving.kv_admission='"greedy"'   change the data file's setup at a dotted path (what-ifs);
                            --set moe_parallelism='"tp"' runs the MoE rows tensor-parallel instead of DP attention + EP
  --fit fp4_matmul_rate_fraction=0.3:1:15  fit one assumption on the training half (grid of STEPS values,
                            least MAPE), then report every row at the fitted value: the held-out half judges it
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))


def spec_of(row, setup):
    serving = json.loads(json.dumps(setup["serving"]))
    serving.update({"requests": min(row["requests"], setup["max_requests"]),
                    "prompt_tokens": row["isl"], "output_tokens": row["osl"]})
    # MoE rows: attention data-parallel, experts over the row's GPUs (setup.moe_note)
    par = {setup.get("moe_parallelism", "ep"): row["tp"]} if row.get("moe") else {"tp": row["tp"]}
    spec = {"model": row["model"], "hardware": row["hardware"], "system": row["system"], "phase": "serve",
            "parallelism": par, "numerics": setup["numerics"][row["precision"]], "serving": serving}
    if setup.get("assumptions"):
        spec["assumptions"] = setup["assumptions"]
    return spec


def halves(rows):
    """The training (even) and held-out (odd) positions of the rows sorted by a fixed key."""
    key = lambda r: (r["model"], r["hardware"], r["precision"], r["tp"], r["isl"], r["osl"])
    order = sorted(range(len(rows)), key=lambda i: key(rows[i]))
    half = [None] * len(rows)
    for pos, i in enumerate(order):
        half[i] = "training" if pos % 2 == 0 else "held-out"
    return half


def run(ridge, spec):
    p = subprocess.run([ridge, "evaluate", "-"], input=json.dumps(spec), capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"ridge evaluate failed ({p.returncode}): {p.stderr.strip()} for {json.dumps(spec)}")
    return json.loads(p.stdout)["serving"]


def summary(errs):
    a = [abs(e) for e in errs]
    return {"n": len(errs), "mape_pct": 100 * statistics.mean(a), "mean_pct": 100 * statistics.mean(errs),
            "median_pct": 100 * statistics.median(errs)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ridge", default=os.path.join(HERE, "..", "build", "ridge"))
    ap.add_argument("--data", default=os.path.join(HERE, "..", "data", "validation", "trtllm-offline.json"))
    ap.add_argument("--json", action="store_true", help="print rows and summaries as JSON")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", action="append", default=[], help="KEY=VALUE: keep matching rows")
    ap.add_argument("--set", action="append", default=[], help="PATH=JSON: override the setup at a dotted path")
    ap.add_argument("--fit", help="NAME=LO:HI:STEPS: fit assumption NAME on the training half")
    args = ap.parse_args()
    d = json.load(open(args.data))
    rows = d["rows"]
    for r, h in zip(rows, halves(rows)):  # the halves of the whole table, whatever --only keeps
        r["half"] = h
        r["kind"] = "moe" if r.get("moe") else "dense"
    for o in args.only:
        k, v = o.split("=", 1)
        rows = [r for r in rows if str(r[k]) == v]
    for o in args.set:
        path, v = o.split("=", 1)
        *parents, leaf = path.split(".")
        node = d["setup"]
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = json.loads(v)
    def predict(rows, setup):
        with ThreadPoolExecutor(args.jobs) as ex:
            return list(ex.map(lambda r: run(args.ridge, spec_of(r, setup)), rows))

    fitted = None
    if args.fit:
        name, rng = args.fit.split("=", 1)
        lo, hi, steps = rng.split(":")
        lo, hi, steps = float(lo), float(hi), int(steps)
        train = [r for r in rows if r["half"] == "training"]
        best = None
        for k in range(steps):
            v = lo + (hi - lo) * k / max(steps - 1, 1)
            setup = json.loads(json.dumps(d["setup"]))
            setup.setdefault("assumptions", {})[name] = v
            got = predict(train, setup)
            mape = statistics.mean(abs(s["output_tokens_per_s"] / r["output_tokens_per_s"] - 1) for r, s in zip(train, got))
            if best is None or mape < best[1]:
                best = (v, mape)
        d["setup"].setdefault("assumptions", {})[name] = best[0]
        fitted = {"assumption": name, "value": best[0], "training_mape_pct": 100 * best[1]}
    got = predict(rows, d["setup"])
    out = []
    for r, s in zip(rows, got):
        pred = s["output_tokens_per_s"]
        out.append(dict(r, predicted_output_tokens_per_s=pred, error=pred / r["output_tokens_per_s"] - 1,
                        mean_batch=s["mean_batch"], preemptions=s["preemptions"]))
    groups = {"all": summary([o["error"] for o in out])}
    for key in ("half", "kind", "precision", "hardware", "model", "tp"):
        for v in sorted({o[key] for o in out}, key=str):
            groups[f"{key}={v}"] = summary([o["error"] for o in out if o[key] == v])
    for h in sorted({o["half"] for o in out}):
        for kind in sorted({o["kind"] for o in out}):
            sel = [o["error"] for o in out if o["half"] == h and o["kind"] == kind]
            if sel:
                groups[f"half={h},kind={kind}"] = summary(sel)
    if args.json:
        json.dump({"source": d["source"], "fitted": fitted, "rows": out, "summary": groups}, sys.stdout, indent=1)
        print()
        return
    for o in out:
        print(f'{o["model"]:15s} {o["hardware"]:9s} {o["precision"]} {"ep" if o.get("moe") else "tp"}{o["tp"]} '
              f'{o["isl"]:>5}/{o["osl"]:<5} '
              f'measured {o["output_tokens_per_s"]:>7,} predicted {o["predicted_output_tokens_per_s"]:>9,.0f} '
              f'{100 * o["error"]:+6.1f} %  batch {o["mean_batch"]:.0f}')
    if fitted:
        print(f'fitted on the training half: {fitted["assumption"]} = {fitted["value"]:.4g} '
              f'(training MAPE {fitted["training_mape_pct"]:.1f} %)')
    for k, g in groups.items():
        print(f'{k:22s} MAPE {g["mape_pct"]:5.1f} %  mean {g["mean_pct"]:+6.1f} %  median {g["median_pct"]:+6.1f} %  n {g["n"]}')


if __name__ == "__main__":
    main()
