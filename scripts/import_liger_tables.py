#!/usr/bin/env python3
"""import_liger_tables.py: Liger-Kernel's measured forward kernel times as
Ridge "memory" rows.

Usage: git -C LIGER show COMMIT:benchmark/data/all_benchmark_data.csv |
       scripts/import_liger_tables.py COMMIT > data/measured/liger-memory.jsonl

Source: linkedin/Liger-Kernel (BSD-2-Clause), benchmark/data/all_benchmark_data.csv:
one row per (kernel, provider, mode, metric, x), median time y_value_50 in ms.
Kept: metric "speed", mode "forward", provider the fused Liger kernel (one
pass; the unfused PyTorch/HF baselines make several passes, so the minimum
traffic below would misprice them), on GPUs with a Ridge preset
(A100-SXM4-80GB -> a100-sxm-80gb, H100 80GB HBM3 -> h100-sxm, B200 -> b200),
for the normalisation kernels whose traffic follows from the shape alone.
SwiGLU / GeGLU (their benchmark times the whole MLP, matmuls included),
RoPE (batch not in the config) and RTX 3090 rows (no preset) are left out.

bytes = the op's minimum read + write traffic, e = dtype bytes:
  rms_norm           x [M,H] read, y [M,H] written, weight [H] read: (2 M H + H) e
  layer_norm         x [M,N] read, y written, weight and bias [N]:    (2 M N + 2 N) e
  fused_add_rms_norm x and residual [M,H] read, y and the new residual
                     written, weight [H]:                            (4 M H + H) e
  group_norm         x [M,C,H] read, y written, weight and bias [C]:  (2 M C H + 2 C) e
(M, H, N, C from x_value and extra_benchmark_config_str; saved statistics
such as rstd are not counted: a minimum.)
split: within each (op, hardware, dtype) series, sorted by x, rows alternate
train, test, train, ... so both halves span each series' sizes (a hash split
of 29 rows left one series with a single training row).
"""
import csv, json, sys

HW = {"NVIDIA A100-SXM4-80GB": "a100-sxm-80gb", "NVIDIA H100 80GB HBM3": "h100-sxm", "NVIDIA B200": "b200"}
DT = {"torch.float32": ("fp32", 4), "torch.bfloat16": ("bf16", 2), "torch.float16": ("fp16", 2)}
PROV = {"rms_norm": "liger", "layer_norm": "liger", "fused_add_rms_norm": "liger_fused_add_rms_norm",
        "group_norm": "liger"}


def traffic(op, x, cfg, e):
    if op == "rms_norm":
        return (2 * cfg["M"] * x + x) * e
    if op == "layer_norm":
        return (2 * cfg["M"] * x + 2 * x) * e
    if op == "fused_add_rms_norm":
        return (4 * cfg["M"] * x + x) * e
    if op == "group_norm":
        return (2 * cfg["M"] * x * cfg["H"] + 2 * x) * e
    return None


def main():
    commit = sys.argv[1]
    src = f"linkedin/Liger-Kernel@{commit}:benchmark/data/all_benchmark_data.csv, BSD-2-Clause"
    rows = []
    for r in csv.DictReader(sys.stdin):
        op = r["kernel_name"]
        if (r["metric_name"] != "speed" or r["kernel_operation_mode"] != "forward" or PROV.get(op) != r["kernel_provider"]
                or r["gpu_name"] not in HW or r["metric_unit"] != "ms"):
            continue
        cfg = json.loads(r["extra_benchmark_config_str"])
        if cfg.get("dtype") not in DT:
            continue
        dtype, e = DT[cfg["dtype"]]
        x = int(float(r["x_value"]))
        b = traffic(op, x, cfg, e)
        hw = HW[r["gpu_name"]]
        rows.append((op, hw, dtype, x, {"kind": "memory", "hardware": hw, "bytes": b, "op": op, "dtype": dtype,
                                        "time_s": float(r["y_value_50"]) * 1e-3, "split": "",
                                        "source": f"{src}, {r['gpu_name']}, liger {r['liger_version']}"}))
    rows.sort(key=lambda t: t[:4])
    prev, i = None, 0
    for op, hw, dtype, x, row in rows:
        i = i + 1 if (op, hw, dtype) == prev else 0
        prev = (op, hw, dtype)
        row["split"] = "train" if i % 2 == 0 else "test"
        print(json.dumps(row))


main()
