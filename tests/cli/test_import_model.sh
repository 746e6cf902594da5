#!/usr/bin/env bash
# test_import_model.sh: `ridge import-model` and "model": {"hf_config": ...}
# on the config.json files of public models in tests/hf/configs (sources,
# licences and published parameter counts in tests/hf/sources.json):
# - every count is within the rounding of the figure its authors publish;
# - the layer rules of each family (sliding-window layers, local/global
#   patterns, MoE layers, Mamba-2 blocks) give the layer mix transformers
#   builds, and every field names the config key or default it came from;
# - the printed model object is a valid spec model (it evaluates to the same
#   counts), and a spec with hf_config equals the hand-written preset;
# - bad configs exit 2 naming model.hf_config.<key>. Args: BUILD_DIR SRC_DIR.
set -u
. "$(dirname "$0")/lib.sh"
S="$2"
H="$S/tests/hf"

# published parameter counts
python3 - "$RIDGE" "$H" <<'PY' || fail "published parameter counts"
import json, subprocess, sys
ridge, h = sys.argv[1], sys.argv[2]
bad = 0
for c in json.load(open(h + "/sources.json"))["configs"]:
    r = json.loads(subprocess.check_output([ridge, "import-model", h + "/configs/" + c["file"]]))
    m = r["model"]
    emb = m["vocab"]["value"] * m["d_model"]["value"]
    got = {"params": r["params"], "active_params": r["active_params"],
           "non_embedding": r["params"] - emb * (1 if m["tied_embeddings"]["value"] else 2),
           "active_without_embedding": r["active_params"] - emb}
    for ck in c["checks"]:
        err = abs(got[ck["what"]] - ck["published"]) / ck["published"]
        if err > ck["tolerance"]:
            print(f"FAIL {c['file']} {ck['what']}: {got[ck['what']]:.6g} vs {ck['published']:.6g} ({err:.3%})")
            bad += 1
sys.exit(1 if bad else 0)
PY

imp() { "$RIDGE" import-model "$H/configs/$1" > "$T/$1.out" || fail "$1: import-model failed"; }
for f in "$H"/configs/*.json; do imp "$(basename "$f")"; done
mix() { json_get "$T/$1.out" "r['layers']"; }
# Gemma 2: (i + 1) % 2 != 0 layers are local: 21 of 42; soft-caps 50 / 30
[ "$(mix gemma-2-9b.json)" = "{'full_attention': 21, 'sliding_attention': 21, 'mamba2': 0, 'mamba1': 0, 'shared_attention': 0, 'dense_ffn': 42, 'moe_ffn': 0, 'no_ffn': 0}" ] ||
    fail "gemma 2 layer mix"
[ "$(json_get "$T/gemma-2-9b.json.out" "(r['model']['sliding_window']['value'], r['model']['attn_softcap']['value'], r['model']['final_softcap']['value'], r['model']['post_norms']['value'])")" = "(4096, 50, 30, True)" ] ||
    fail "gemma 2 window and caps"
# Gemma 3 27B: every 6th of 62 layers global (10), window 1024, q/k norms, text_config
[ "$(json_get "$T/gemma-3-27b-pt.json.out" "(r['layers']['full_attention'], r['layers']['sliding_attention'], r['model']['sliding_window']['value'], r['model']['qk_norm']['value'], r['model']['vocab']['source'])")" = \
    "(10, 52, 1024, True, 'vocab_size absent: default of the config class (262208)')" ] || fail "gemma 3 pattern"
# Mistral 7B v0.1 and Phi-3 mini: every layer windowed (4096, 2047); Mixtral: sliding_window null = none
[ "$(json_get "$T/mistral-7b-v0.1.json.out" "(r['layers']['sliding_attention'], r['model']['sliding_window']['value'])")" = "(32, 4096)" ] || fail "mistral window"
[ "$(json_get "$T/phi-3-mini-4k-instruct.json.out" "(r['layers']['sliding_attention'], r['model']['sliding_window']['value'])")" = "(32, 2047)" ] || fail "phi-3 window"
[ "$(json_get "$T/mixtral-8x7b-v0.1.json.out" "(r['layers']['sliding_attention'], r['model']['moe']['experts']['value'], r['model']['moe']['top_k']['source'])")" = "(0, 8, 'num_experts_per_tok')" ] || fail "mixtral"
# Qwen2: q/k/v biases always, o without; use_sliding_window false = no window
[ "$(json_get "$T/qwen2.5-72b.json.out" "(r['model']['qkv_bias']['value'], r['model']['out_bias']['value'], r['layers']['sliding_attention'])")" = "(True, False, 0)" ] || fail "qwen2 biases"
# Qwen1.5-MoE (qwen2_moe): the shared expert's sigmoid gate is a hidden_size x 1 linear layer per MoE layer
# (Qwen2MoeSparseMoeBlock.shared_expert_gate in transformers): 24 layers x 2048 = 49,152 parameters
[ "$(json_get "$T/qwen1.5-moe-a2.7b.json.out" "r['model']['moe']['shared_gate']['value']")" = "True" ] || fail "qwen2-moe shared gate"
for g in true false; do
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); r['model']['moe']['shared_gate'] = sys.argv[2] == 'true'; print(json.dumps({'model': r['model'], 'hardware': 'h100-sxm', 'phase': 'decode', 'batch': 1, 'seq_len': 128}))" \
        "$T/qwen1.5-moe-a2.7b.json.out" $g > "$T/gate_$g.json"
    "$RIDGE" evaluate "$T/gate_$g.json" > "$T/gate_$g.out" || fail "shared gate $g does not evaluate"
done
[ "$(python3 -c "import json,sys; a, b = (json.load(open(f)) for f in sys.argv[1:]); print((a['params'] - b['params'], a['active_params'] - b['active_params']))" "$T/gate_true.out" "$T/gate_false.out")" = "(49152, 49152)" ] ||
    fail "shared gate parameters"
grep -q '"moe.shared_gate"' "$T/gate_true.out" && ! grep -q '"moe.shared_gate"' "$T/gate_false.out" || fail "shared gate op row"
# DeepSeek-V3: 3 dense + 58 MoE layers, MLA, one MTP module apart; V2-Lite: q_lora_rank null
[ "$(json_get "$T/deepseek-v3.json.out" "(r['layers']['dense_ffn'], r['layers']['moe_ffn'], r['model']['mla']['kv_lora_rank']['value'], r['model']['mtp_layers']['value'], r['mtp_params'] > 1.1e10)")" = "(3, 58, 512, 1, True)" ] || fail "deepseek v3"
[ "$(json_get "$T/deepseek-v2-lite.json.out" "(r['layers']['dense_ffn'], r['model']['mla']['q_lora_rank']['value'], r['model']['moe']['shared_experts']['value'])")" = "(1, 0, 2)" ] || fail "deepseek v2 lite"
# Nemotron-H 8B: 24 M + 4 * mixers, 24 MLP blocks
[ "$(mix nemotron-h-8b-base-8k.json)" = "{'full_attention': 4, 'sliding_attention': 0, 'mamba2': 24, 'mamba1': 0, 'shared_attention': 0, 'dense_ffn': 24, 'moe_ffn': 0, 'no_ffn': 4}" ] || fail "nemotron-h mix"
[ "$(json_get "$T/nemotron-h-8b-base-8k.json.out" "(r['model']['ssm']['inner']['value'], r['model']['ssm']['state']['value'], r['model']['ffn_gated']['value'])")" = "(8192, 128, False)" ] || fail "nemotron-h ssm"
# Jamba (JambaForCausalLM): the JambaConfig class defaults, which transformers documents as the
# configuration of ai21labs/Jamba-v0.1 (no published copy of that config.json is shipped).
# Layer rules: attention on i % 8 == 4 (4 of 32), MoE on i % 2 == 1 (16 of 32), Mamba-1 elsewhere.
# Published: 52B total, 12B active (Lieber et al. 2024, "Jamba: A Hybrid Transformer-Mamba Language
# Model", sec. 3.2 / Table 1); tolerance = half the last digit.
echo '{"model_type": "jamba", "architectures": ["JambaForCausalLM"]}' > "$T/jamba.json"
"$RIDGE" import-model "$T/jamba.json" > "$T/jamba.json.out" || fail "jamba import"
[ "$(mix jamba.json)" = "{'full_attention': 4, 'sliding_attention': 0, 'mamba2': 0, 'mamba1': 28, 'shared_attention': 0, 'dense_ffn': 16, 'moe_ffn': 16, 'no_ffn': 0}" ] || fail "jamba mix"
[ "$(json_get "$T/jamba.json.out" "(abs(r['params'] / 52e9 - 1) <= 0.5 / 52, abs(r['active_params'] / 12e9 - 1) <= 0.5 / 12, r['model']['ssm']['dt_rank']['value'], r['model']['ssm']['inner']['value'])")" = "(True, True, 256, 8192)" ] ||
    fail "jamba published counts: $(json_get "$T/jamba.json.out" "(r['params'], r['active_params'])")"
# one Mamba-1 mixer by hand (Gu & Dao 2023, Algorithm 2; JambaMambaMixer): d = 4096, I = 8192, N = 16,
# K = 4, R = 256: in_proj d x 2I 67,108,864 + conv I x K + bias 40,960 + x_proj I x (R + 2N) 2,359,296 +
# dt_proj R x I + bias 2,105,344 + A_log I x N 131,072 + D 8,192 + out_proj I x d 33,554,432 +
# dt/B/C norms R + 2N 288 = 105,308,448; the model without Mamba layers differs by 28 of them
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); m=r['model']; print(json.dumps({'model': m, 'hardware': 'h100-sxm', 'phase': 'decode', 'batch': 2, 'seq_len': 4096}))" "$T/jamba.json.out" > "$T/jamba_spec.json"
"$RIDGE" evaluate "$T/jamba_spec.json" > "$T/jamba_ev.json" || fail "jamba evaluate"
python3 - "$T/jamba_ev.json" "$T/jamba.json.out" <<'PY' || fail "jamba mamba-1 costs"
import json, sys
r = json.load(open(sys.argv[1])); imp = json.load(open(sys.argv[2]))
I, N, K, R, d, L, b = 8192, 16, 4, 256, 4096, 28, 2
layer = d * 2 * I + I * K + I + I * (R + 2 * N) + R * I + I + I * N + I + I * d + R + 2 * N
assert layer == 105308448, layer
emb = 65536 * d * 2 + d  # embedding, head, final norm
attn = 4 * (2 * d * d + 2 * d * 1024) + 32 * 2 * d  # 4 GQA blocks + two RMSNorms per layer
expert = 3 * d * 14336
total = L * layer + attn + 16 * expert + 16 * (16 * expert + d * 16) + emb
assert r["params"] == total, (r["params"], total)
ops = {o["name"]: o for o in r["ops"]}
# decode step: the selective scan, 8 FLOPs per state element per token (engine/roofline.c
# SELECTIVE_SCAN_FLOPS), reads x, dt, B, C, A and writes y, and reads + writes the bf16 state
s = ops["ssm.scan"]
assert s["count"] == L and s["flops"] == b * I * N * 8, s
assert s["bytes"] == b * (3 * I + 2 * N) * 2 + I * N * 2 + 2 * b * I * N * 2, s
# recurrent state: b x L x (I x N + I x (K - 1)) elements at 2 bytes
assert r["memory"]["ssm_state_bytes"] == b * L * (I * N + I * (K - 1)) * 2, r["memory"]
for n in ("ssm.x_proj", "ssm.dt_proj", "ssm.dt_norms", "ssm.gate"):
    assert n in ops, n
assert "ssm.gate_norm" not in ops
PY
# Mamba-1 under tensor parallelism (channels split over tp = 2 on dgx-h100, decode batch 2): x_proj's
# (dt, B, C) output is a partial sum, all-reduced once per Mamba-1 layer (28 x 2 x (256 + 2 x 16) x 2 B),
# beside the one after each mixer and FFN (32 + 32 x 2 x 4096 x 2 B). Ring all-reduce on 2 ranks:
# 2 x 3 us + S / (450 GB/s x scaleup_bw_efficiency 0.75), at least kernel_overhead 5 us (engine/collectives.c)
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps({'model': r['model'], 'hardware': 'h100-sxm', 'system': 'dgx-h100', 'phase': 'decode', 'batch': 2, 'seq_len': 4096, 'parallelism': {'tp': 2}}))" \
    "$T/jamba.json.out" > "$T/jamba_tp.json"
"$RIDGE" evaluate "$T/jamba_tp.json" > "$T/jamba_tp.out" || fail "jamba tp evaluate"
python3 - "$T/jamba_tp.out" <<'PY' || fail "jamba x_proj all-reduce"
import json, sys
r = json.load(open(sys.argv[1]))
one = lambda S: max(5e-6, 2 * 3e-6 + S / (450e9 * 0.75))
want = 64 * one(2 * 4096 * 2) + 28 * one(2 * (256 + 2 * 16) * 2)
got = r["breakdown"]["comm"]["all_reduce"]["total_s"]
assert abs(got / want - 1) < 1e-12, (got, want)
PY
bad_cfg() { # PYTHON-EDIT EXPECTED-SUBSTRING
    python3 -c "import json; c={'model_type': 'jamba'}; $1; print(json.dumps(c))" > "$T/jbad.json"
    "$RIDGE" import-model "$T/jbad.json" > /dev/null 2> "$T/jbad.err"; rc=$?
    [ $rc = 2 ] && grep -q "$2" "$T/jbad.err" || fail "jamba bad input ($2): rc $rc $(cat "$T/jbad.err")"
}
bad_cfg "c['attn_layer_offset'] = 8" "hf_config.attn_layer_offset"
bad_cfg "c['mamba_dt_rank'] = 'big'" "hf_config.mamba_dt_rank"
bad_cfg "c['mamba_d_state'] = '16'" "hf_config.mamba_d_state"

# Zamba2 (Zamba2ForCausalLM; transformers' configuration_zamba2.py / modular_zamba2.py): every layer a
# Mamba-2 mixer, "hybrid" layers first run a shared attention + MLP block on [h; embedding] (attention
# reads 2d, head_dim 2d / heads), with per-use LoRA adapters and a per-use d x d linear. No published
# config.json copy is shipped; the shapes are written here from:
#   1.2B: Zyphra/Zamba2-1.2B config.json @ 6b05bf29d1bb4ca71a36d12f7da4d3120dcde7fe (38 layers, hybrid
#         5, 11, ..., 35, d 2048, 32 heads, ffn 8192, d_state 128, 64 Mamba heads, 1 block, attention adapters);
#   2.7B: github.com/Zyphra/Zamba2 config.json @ 89a404b0 (54 layers = Zamba2Config's default pattern,
#         d 2560, state 64, 2 blocks, lora_rank 128; Mamba head width 64 from its mamba_config.py: 80 heads);
#   7B:   the Zamba2-7B config (81 layers, 13 hybrid, d 3584, ffn 14336, 2 groups, 2 blocks).
# Published: 1.2B / 2.7B (model cards), 7.4B (Glorioso et al. 2024, arXiv 2411.15242, abstract).
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
def cfg(L, hy, **k):
    lb = ["hybrid" if i in hy else "mamba" for i in range(L)]
    c = {"model_type": "zamba2", "architectures": ["Zamba2ForCausalLM"], "num_hidden_layers": L, "layers_block_type": lb}
    c.update(k); return c
json.dump(cfg(38, range(5, 36, 6), hidden_size=2048, intermediate_size=8192, num_attention_heads=32,
              num_key_value_heads=32, mamba_d_state=128, n_mamba_heads=64, num_mem_blocks=1,
              use_shared_attention_adapter=True, adapter_rank=128), open(t + "/z12.json", "w"))
json.dump({"model_type": "zamba2", "hidden_size": 2560, "mamba_d_state": 64, "n_mamba_heads": 80,
           "num_mem_blocks": 2, "adapter_rank": 128}, open(t + "/z27.json", "w"))
json.dump(cfg(81, [6, 11] + list(range(17, 78, 6)), hidden_size=3584, intermediate_size=14336,
              num_attention_heads=32, num_key_value_heads=32, mamba_d_state=64, mamba_ngroups=2,
              n_mamba_heads=112, num_mem_blocks=2), open(t + "/z7.json", "w"))
PY
for z in z12 z27 z7; do "$RIDGE" import-model "$T/$z.json" > "$T/$z.json.out" || fail "zamba2 $z import"; done
[ "$(mix z12.json)" = "{'full_attention': 0, 'sliding_attention': 0, 'mamba2': 38, 'mamba1': 0, 'shared_attention': 6, 'dense_ffn': 0, 'moe_ffn': 0, 'no_ffn': 38}" ] || fail "zamba2 mix"
python3 - "$T" <<'PY' || fail "zamba2 parameter counts"
import json, sys
t = sys.argv[1]
r = {z: json.load(open(f"{t}/{z}.json.out")) for z in ("z12", "z27", "z7")}
# 1.2B by hand: embedding (tied) + final norm + 38 Mamba-2 layers (norm, in_proj d x (2I + 2GN + H),
# conv (I + 2GN) x 4 + bias, dt_bias, A_log, D, gated norm I, out_proj I x d) + one shared block
# (2d norm, q/k/v 2d x 2d, o 2d x d, d norm, gate_up d x 2f, down f x d) + 6 uses x (MLP adapter
# d x r + r x 2f, q/k/v adapters 3 x (2d x r + r x 2d), linear d x d)
d, L, I, N, H, G, f, rk, V, u = 2048, 38, 4096, 128, 64, 1, 8192, 128, 32000, 6
mamba = d + d * (2 * I + 2 * G * N + H) + (I + 2 * G * N) * 5 + 3 * H + I + I * d
block = 2 * d + 3 * 2 * d * 2 * d + 2 * d * d + d + 3 * d * f
use = d * rk + rk * 2 * f + 3 * (2 * d * rk + rk * 2 * d) + d * d
assert r["z12"]["params"] == V * d + d + L * mamba + block + u * use == 1215064704, r["z12"]["params"]
for z, pub in (("z12", 1.2e9), ("z27", 2.7e9), ("z7", 7.4e9)):
    digit = 0.05e9 / pub  # half the last published digit
    assert abs(r[z]["params"] / pub - 1) <= digit, (z, r[z]["params"])
sh = r["z27"]["model"]["shared"]
assert (sh["blocks"]["value"], sh["uses"]["value"], sh["attn_adapter"]["value"], sh["mlp_adapter"]["value"]) == (2, 9, False, True), sh
assert r["z27"]["model"]["head_dim"]["value"] == 160 and r["z27"]["model"]["ffn_dim"]["value"] == 10240
PY
# weights once, compute per use: a second shared block adds one block's parameters and no FLOPs;
# decode at batch 2, 8k context: each use has its own KV cache, every layer its Mamba-2 state (bf16)
zspec() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); m=r['model']; exec(sys.argv[2]); print(json.dumps({'model': m, 'hardware': 'h100-sxm', 'phase': 'decode', 'batch': 2, 'seq_len': 8192}))" "$T/$1.json.out" "$2"; }
zspec z12 "" > "$T/zs1.json"; zspec z12 "m['shared']['blocks']['value'] = 2" > "$T/zs2.json"
"$RIDGE" evaluate "$T/zs1.json" > "$T/zs1.out" && "$RIDGE" evaluate "$T/zs2.json" > "$T/zs2.out" || fail "zamba2 evaluate"
python3 - "$T/zs1.out" "$T/zs2.out" <<'PY' || fail "zamba2 shared blocks"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
d, f, L, I, N, G, K, u, b_, ctx, kvd = 2048, 8192, 38, 4096, 128, 1, 4, 6, 2, 8192, 32 * 128
block = 2 * d + 3 * 2 * d * 2 * d + 2 * d * d + d + 3 * d * f
assert b["params"] - a["params"] == block, (b["params"] - a["params"], block)
assert a["flops"] == b["flops"] and a["time_s"] == b["time_s"], (a["flops"], b["flops"])
state = I * N + (I + 2 * G * N) * (K - 1)
m = a["memory"]
assert m["ssm_state_bytes"] == b_ * L * state * 2, m
assert m["kv_cache_bytes"] == m["ssm_state_bytes"] + b_ * u * ctx * 2 * kvd * 2, m
ops = {o["name"]: o for o in a["ops"]}
q = ops["shared_attn.qkv_proj"]
assert q["count"] == u and q["flops"] == 2 * b_ * 2 * d * 3 * 2 * d, q
assert ops["shared_attn.flash"]["count"] == u and ops["shared.out_linear"]["count"] == u
assert ops["shared_ffn.up_gate"]["count"] == u and ops["ssm.scan"]["count"] == L
for n in ("shared_attn.qkv_adapter_down", "shared_attn.qkv_adapter_up", "shared_ffn.up_gate_adapter_up", "shared_attn.concat"):
    assert n in ops, n
assert "shared_attn.residual" not in ops and "attn.qkv_proj" not in ops
PY
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps({'model': r['model'], 'hardware': 'h100-sxm', 'system': 'dgx-h100', 'phase': 'train', 'batch': 16, 'seq_len': 4096, 'parallelism': {'tp': 2, 'pp': 2, 'dp': 2, 'microbatch': 1}}))" \
    "$T/z7.json.out" > "$T/zt.json"
"$RIDGE" evaluate "$T/zt.json" > "$T/zt.out" || fail "zamba2 train evaluate"
zbad() { # PYTHON-EDIT EXPECTED-SUBSTRING
    python3 -c "import json,sys; c=json.load(open(sys.argv[1])); $1; print(json.dumps(c))" "$T/z12.json" > "$T/zbad.json"
    "$RIDGE" import-model "$T/zbad.json" > /dev/null 2> "$T/zbad.err"; rc=$?
    [ $rc = 2 ] && grep -qF "$2" "$T/zbad.err" || fail "zamba2 bad input ($2): rc $rc $(cat "$T/zbad.err")"
}
zbad "c['num_hidden_layers'] = 40" "hf_config.layers_block_type: has 38 entries for num_hidden_layers 40"
zbad "c['layers_block_type'][3] = 'attention'" "hf_config.layers_block_type: unknown layer type attention"
zbad "c['num_key_value_heads'] = 8" "hf_config.num_key_value_heads: 8: the q/k/v adapters"
zbad "c['n_mamba_heads'] = 60" "hf_config.n_mamba_heads: must divide"
zbad "del c['layers_block_type']" "hf_config.layers_block_type: absent: the default pattern of Zamba2Config has 54 entries"

# Nemotron 3 Super (latent MoE, NemotronHMoE in transformers' models/nemotron_h/modular_nemotron_h.py
# @ 008d9e9577b0eb0149aa6bb0c44da582b10e0b6e): fc1_latent_proj d -> moe_latent_size before the routed experts,
# which read and write the latent (up: latent x f, down: f x latent, relu2), fc2_latent_proj latent -> d
# after; router and shared expert at d. Shape of NVIDIA-Nemotron-3-Super-120B-A12B's config.json: d 4096,
# 88 blocks (40 M, 40 E, 8 *; the order below is not the published one, only the counts enter a pp = 1
# figure), 32 heads / 2 KV of 128, Mamba 128 x 64, state 128, 8 groups, 512 experts top-22 of 2688, latent
# 1024, shared 5376, vocabulary 131072, one "*E" MTP module. Published "120B total, 12B active"
# (research.nvidia.com/labs/nemotron/Nemotron-3-Super, the A12B of the name): counts truncate to them.
python3 - "$T" <<'PY'
import json, sys
lb = (["mamba", "moe"] * 5 + ["attention"]) * 8
c = {"model_type": "nemotron_h", "hidden_size": 4096, "num_hidden_layers": None, "layers_block_type": lb,
     "num_attention_heads": 32, "num_key_value_heads": 2, "head_dim": 128, "vocab_size": 131072,
     "n_routed_experts": 512, "num_experts_per_tok": 22, "moe_intermediate_size": 2688, "moe_latent_size": 1024,
     "moe_shared_expert_intermediate_size": 5376, "n_shared_experts": 1, "mamba_num_heads": 128,
     "mamba_head_dim": 64, "ssm_state_size": 128, "n_groups": 8, "conv_kernel": 4, "chunk_size": 128,
     "tie_word_embeddings": False, "num_nextn_predict_layers": 1, "mtp_layers_block_type": ["attention", "moe"]}
json.dump(c, open(sys.argv[1] + "/super.json", "w"))
c["hybrid_override_pattern"] = "".join({"mamba": "M", "moe": "E", "attention": "*"}[x] for x in lb)
c["num_hidden_layers"] = 88
c["mtp_hybrid_override_pattern"] = "*E"
del c["layers_block_type"], c["mtp_layers_block_type"]
json.dump(c, open(sys.argv[1] + "/super_pattern.json", "w"))
PY
for z in super super_pattern; do "$RIDGE" import-model "$T/$z.json" > "$T/$z.json.out" || fail "nemotron super $z import"; done
python3 - "$T/super.json.out" "$T/super_pattern.json.out" <<'PY' || fail "nemotron super latent moe counts"
import json, sys
r, q = (json.load(open(f)) for f in sys.argv[1:])
assert (r["params"], r["active_params"], r["mtp_params"]) == (q["params"], q["active_params"], q["mtp_params"])
d, V, E, k, f, lat, sf = 4096, 131072, 512, 22, 2688, 1024, 5376
I, H, G, N = 128 * 64, 128, 8, 128
mamba = d + d * (2 * I + 2 * G * N + H) + (I + 2 * G * N) * 5 + 3 * H + I + I * d
attn = d + d * 32 * 128 * 2 + d * 2 * 128 * 2
fixed = d + d * E + 2 * d * lat + 2 * d * sf  # norm, router, latent projections, shared expert
expert = 2 * lat * f
emb = 2 * V * d + d
assert r["params"] == emb + 40 * mamba + 8 * attn + 40 * (fixed + E * expert), r["params"]
assert r["active_params"] == emb + 40 * mamba + 8 * attn + 40 * (fixed + k * expert), r["active_params"]
assert int(r["params"] / 1e9) == 120 and int(r["active_params"] / 1e9) == 12, (r["params"], r["active_params"])
assert r["model"]["moe"]["latent"]["value"] == 1024 and r["model"]["mtp_layers"]["value"] == 1
PY
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps({'model': r['model'], 'hardware': 'h100-sxm', 'system': 'dgx-h100', 'phase': 'decode', 'batch': 8, 'seq_len': 4096, 'parallelism': {'ep': 8}}))" \
    "$T/super.json.out" > "$T/super_spec.json"
"$RIDGE" evaluate "$T/super_spec.json" > "$T/super_ev.json" || fail "nemotron super evaluate"
python3 - "$T/super_ev.json" <<'PY' || fail "latent moe op rows"
import json, sys
r = json.load(open(sys.argv[1]))
ops = {o["name"]: o for o in r["ops"]}
T, d, lat, f, k = 1, 4096, 1024, 2688, 22  # one sequence per expert-parallel replica
assert ops["moe.latent_down"]["flops"] == 2 * T * d * lat and ops["moe.latent_up"]["flops"] == 2 * T * lat * d
assert ops["moe.experts_up_gate"]["flops"] == 2 * T * k * lat * f, ops["moe.experts_up_gate"]
assert ops["moe.shared_up_gate"]["flops"] == 2 * T * d * 5376, ops["moe.shared_up_gate"]
PY
# every key of the Zamba2 1.2B and Nemotron 3 Super shapes set to a string, null, -1 and 1e18: each import
# succeeds or exits 2 naming a field, and a printed model evaluates
python3 - "$RIDGE" "$T" <<'PY' || fail "mutated zamba2 / latent-moe configs"
import json, subprocess, sys
ridge, t = sys.argv[1:3]
bad = 0
for name in ("z12.json", "super.json"):
    base = json.load(open(f"{t}/{name}"))
    for key in list(base):
        for v in ["x", None, -1, 1e18]:
            c = dict(base); c[key] = v
            open(t + "/zm.json", "w").write(json.dumps(c))
            p = subprocess.run([ridge, "import-model", t + "/zm.json"], capture_output=True, text=True)
            if p.returncode not in (0, 2) or (p.returncode == 2 and not p.stderr.startswith("ridge: hf_config")):
                print(f"FAIL {name} {key}={v!r}: rc {p.returncode} {p.stderr.strip()[:200]}"); bad += 1
            elif p.returncode == 0:
                spec = {"model": json.loads(p.stdout)["model"], "hardware": "h100-sxm", "phase": "decode", "batch": 1, "seq_len": 128}
                open(t + "/zms.json", "w").write(json.dumps(spec))
                q = subprocess.run([ridge, "evaluate", t + "/zms.json"], capture_output=True, text=True)
                if q.returncode != 0:
                    print(f"FAIL {name} {key}={v!r}: printed model: rc {q.returncode} {q.stderr.strip()[:200]}"); bad += 1
sys.exit(1 if bad else 0)
PY
# Nemotron-H MTP (as Nemotron 3 Super's config gives it): num_nextn_predict_layers modules of
# mtp_hybrid_override_pattern "*E" = one attention block + one MoE block, reported apart as mtp_params.
# By hand from the Nemotron 3 Nano shape: 2 RMSNorms + attention (q, o: d x 32 x 128; k, v: d x 2 x 128)
# + router d x 128 + 128 experts of 2 x d x 1856 (relu2, two matrices) + shared 2 x d x 3712
# + eh_proj 2d x d + 3 norms (enorm, hnorm, final) = 1,335,325,824 (d = 2688)
mut nemotron-3-nano-30b-a3b.json "c.update(mtp_hybrid_override_pattern='*E', num_nextn_predict_layers=1)" \
    "(r['mtp_params'], r['model']['mtp_layers']['value'], r['layers']['moe_ffn'])" "(1335325824, 1, 23)" "nemotron-h mtp pattern"
python3 -c "import json,sys; c=json.load(open(sys.argv[1])); c.update(mtp_hybrid_override_pattern='M*E'); print(json.dumps({'model': {'hf_config': c}, 'hardware': 'h100-sxm', 'phase': 'decode', 'batch': 1, 'seq_len': 128}))" \
    "$H/configs/nemotron-3-nano-30b-a3b.json" > "$T/mtpbad.json"
"$RIDGE" evaluate "$T/mtpbad.json" > /dev/null 2> "$T/mtpbad.err"; rc=$?
[ $rc = 2 ] && grep -q "model.hf_config.mtp_hybrid_override_pattern" "$T/mtpbad.err" || fail "mtp pattern refused: rc $rc $(cat "$T/mtpbad.err")"

# GPT-2: learned positions, biases, layernorm, tied; GPT-NeoX: kv_heads from heads
[ "$(json_get "$T/gpt2.json.out" "(r['model']['max_positions']['value'], r['model']['bias']['value'], r['model']['norm']['value'], r['model']['tied_embeddings']['value'], r['model']['ffn_dim']['value'])")" = "(1024, True, 'layernorm', True, 3072)" ] || fail "gpt2"
[ "$(json_get "$T/gpt-neox-20b.json.out" "r['model']['kv_heads']['source']")" = "num_key_value_heads absent or null: num_attention_heads (multi-head)" ] || fail "neox kv source"

# the layer rules on edited configs (transformers' semantics):
# Qwen2 with use_sliding_window windows layers i >= max_window_layers (28 - 20 = 8);
# Qwen3-MoE: mlp_only_layers [0, 1] and decoder_sparse_step 2 leave MoE on layers
# 3, 5, ..., 93 (46 of 94); layer_types overrides Gemma 2's alternation;
# an explicit null kv heads means one per query head, absent means the class default
mut() { # CONFIG PYTHON-EDIT EXPR EXPECTED WHAT
    python3 -c "import json,sys; c=json.load(open(sys.argv[1])); $2; print(json.dumps(c))" "$H/configs/$1" > "$T/mut.json"
    "$RIDGE" import-model "$T/mut.json" > "$T/mut.out" || { fail "$5: import failed"; return; }
    [ "$(json_get "$T/mut.out" "$3")" = "$4" ] || fail "$5: $(json_get "$T/mut.out" "$3") != $4"
}
mut qwen2.5-72b.json "c.update(use_sliding_window=True, max_window_layers=72, sliding_window=4096)" \
    "(r['layers']['sliding_attention'], r['model']['sliding_window']['value'])" "(8, 4096)" "qwen2 max_window_layers"
mut qwen3-235b-a22b.json "c.update(mlp_only_layers=[0, 1], decoder_sparse_step=2)" \
    "(r['layers']['dense_ffn'], r['layers']['moe_ffn'])" "(48, 46)" "qwen3-moe sparse step"
mut gemma-2-9b.json "c['layer_types'] = ['full_attention'] * 40 + ['sliding_attention'] * 2" \
    "r['layers']['sliding_attention']" "2" "gemma2 layer_types"
mut mistral-7b-v0.1.json "c['num_key_value_heads'] = None" "r['model']['kv_heads']['value']" "32" "mistral kv null"
mut mistral-7b-v0.1.json "del c['num_key_value_heads']" "r['model']['kv_heads']['value']" "8" "mistral kv absent"
mut mistral-7b-v0.1.json "c['sliding_window'] = None" "r['layers']['sliding_attention']" "0" "mistral window null"
mut deepseek-v3.json "c.update(first_k_dense_replace=1, moe_layer_freq=2)" \
    "(r['layers']['dense_ffn'], r['layers']['moe_ffn'])" "(31, 30)" "deepseek moe_layer_freq"

# every config: the printed model object evaluates, with the same counts
for f in "$H"/configs/*.json; do
    n=$(basename "$f")
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps({'model': r['model'], 'hardware': 'h100-sxm', 'phase': 'decode', 'batch': 1, 'seq_len': 2048}))" \
        "$T/$n.out" > "$T/spec.json"
    "$RIDGE" evaluate "$T/spec.json" > "$T/ev.json" || { fail "$n: printed model does not evaluate"; continue; }
    [ "$(json_get "$T/ev.json" "(r['params'], r['active_params'])")" = "$(json_get "$T/$n.out" "(r['params'], r['active_params'])")" ] ||
        fail "$n: counts differ after the round trip"
done

# hf_config in a spec equals the shipped preset written by hand
python3 -c "import json,sys; print(json.dumps({'model': {'hf_config': json.load(open(sys.argv[1]))}, 'hardware': 'h100-sxm', 'phase': 'decode', 'batch': 8, 'seq_len': 4096}))" \
    "$H/configs/llama3-8b.json" > "$T/hf.json"
echo '{"model": "llama3-8b", "hardware": "h100-sxm", "phase": "decode", "batch": 8, "seq_len": 4096}' > "$T/preset.json"
"$RIDGE" evaluate "$T/hf.json" > "$T/hf.out" || fail "hf_config spec does not evaluate"
"$RIDGE" evaluate "$T/preset.json" > "$T/preset.out" || fail "preset spec does not evaluate"
[ "$(json_get "$T/hf.out" "(r['time_s'], r['params'], r['memory']['kv_cache_bytes'])")" = \
    "$(json_get "$T/preset.out" "(r['time_s'], r['params'], r['memory']['kv_cache_bytes'])")" ] || fail "hf_config differs from the preset"
"$RIDGE" evaluate --canonical "$T/hf.json" > "$T/hf.can" && "$RIDGE" evaluate --canonical "$T/preset.json" > "$T/preset.can" &&
    cmp -s "$T/hf.can" "$T/preset.can" || fail "hf_config and preset canonical texts differ"

# bad input: exit 2 and the field path
bad() { # NAME PYTHON-EDIT EXPECTED-SUBSTRING
    python3 -c "import json,sys; c=json.load(open(sys.argv[1])); $2; print(json.dumps({'model': {'hf_config': c}, 'hardware': 'h100-sxm', 'phase': 'decode', 'batch': 1, 'seq_len': 128}))" \
        "$H/configs/$4" > "$T/bad.json"
    "$RIDGE" evaluate "$T/bad.json" > /dev/null 2> "$T/bad.err"
    rc=$?
    [ $rc -eq 2 ] || fail "$1: exit $rc, want 2"
    grep -qF -- "$3" "$T/bad.err" || fail "$1: stderr '$(cat "$T/bad.err")' lacks '$3'"
}
bad "string kv heads" "c['num_key_value_heads'] = '8'" "model.hf_config.num_key_value_heads: expected an integer (got string)" llama3-8b.json
bad "heads do not divide" "c['num_key_value_heads'] = 5" "model.hf_config.num_key_value_heads: num_attention_heads (32) must be a multiple" llama3-8b.json
bad "window over context" "c['sliding_window'] = 65536" "model.hf_config.sliding_window: 65536 is longer than the context" mistral-7b-v0.1.json
bad "unknown activation" "c['hidden_act'] = 'swiglu9'" "model.hf_config.hidden_act: unknown activation \"swiglu9\"" llama3-8b.json
bad "unknown model_type" "c['model_type'] = 'llama9'" "model.hf_config.model_type: unknown model_type \"llama9\" (known: llama, mistral" llama3-8b.json
bad "gemma3 text_config type" "c['text_config']['num_hidden_layers'] = 6.5" "model.hf_config.text_config.num_hidden_layers: expected an integer" gemma-3-27b-pt.json
bad "pattern" "c['hybrid_override_pattern'] = 'M-X'" "model.hf_config.hybrid_override_pattern: unknown block" nemotron-h-8b-base-8k.json
bad "not an object" "c = 3" "model.hf_config: expected a config.json object" llama3-8b.json
"$RIDGE" import-model "$T/missing.json" > /dev/null 2>&1; [ $? -eq 2 ] || fail "missing file: exit 2"
echo '{"model_type": "gpt2", "n_head": "twelve"}' > "$T/g.json"
"$RIDGE" import-model "$T/g.json" > /dev/null 2> "$T/g.err"; [ $? -eq 2 ] || fail "import-model bad: exit 2"
grep -qF "hf_config.n_head: expected an integer (got string)" "$T/g.err" || fail "import-model names the key: $(cat "$T/g.err")"

# every key of three configs set to a string, null, -1 and 1e18:
# each import either succeeds or exits 2 naming a field, never crashes
python3 - "$RIDGE" "$H" "$T" <<'PY' || fail "mutated configs"
import json, subprocess, sys
ridge, h, t = sys.argv[1:4]
bad = 0
for name in ["gemma-3-27b-pt.json", "deepseek-v3.json", "nemotron-h-8b-base-8k.json"]:
    base = json.load(open(h + "/configs/" + name))
    inner = base.get("text_config", base)
    for key in list(inner):
        for v in ["x", None, -1, 1e18]:
            c = json.loads(json.dumps(base))
            (c.get("text_config", c))[key] = v
            open(t + "/m.json", "w").write(json.dumps(c))
            p = subprocess.run([ridge, "import-model", t + "/m.json"], capture_output=True, text=True)
            if p.returncode not in (0, 2) or (p.returncode == 2 and not p.stderr.startswith("ridge: hf_config")):
                print(f"FAIL {name} {key}={v!r}: rc {p.returncode} {p.stderr.strip()[:200]}")
                bad += 1
sys.exit(1 if bad else 0)
PY

[ $fails -eq 0 ] && echo "ok" || exit 1
