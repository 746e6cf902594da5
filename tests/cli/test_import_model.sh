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
[ "$(mix gemma-2-9b.json)" = "{'full_attention': 21, 'sliding_attention': 21, 'mamba2': 0, 'dense_ffn': 42, 'moe_ffn': 0, 'no_ffn': 0}" ] ||
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
# DeepSeek-V3: 3 dense + 58 MoE layers, MLA, one MTP module apart; V2-Lite: q_lora_rank null
[ "$(json_get "$T/deepseek-v3.json.out" "(r['layers']['dense_ffn'], r['layers']['moe_ffn'], r['model']['mla']['kv_lora_rank']['value'], r['model']['mtp_layers']['value'], r['mtp_params'] > 1.1e10)")" = "(3, 58, 512, 1, True)" ] || fail "deepseek v3"
[ "$(json_get "$T/deepseek-v2-lite.json.out" "(r['layers']['dense_ffn'], r['model']['mla']['q_lora_rank']['value'], r['model']['moe']['shared_experts']['value'])")" = "(1, 0, 2)" ] || fail "deepseek v2 lite"
# Nemotron-H 8B: 24 M + 4 * mixers, 24 MLP blocks
[ "$(mix nemotron-h-8b-base-8k.json)" = "{'full_attention': 4, 'sliding_attention': 0, 'mamba2': 24, 'dense_ffn': 24, 'moe_ffn': 0, 'no_ffn': 4}" ] || fail "nemotron-h mix"
[ "$(json_get "$T/nemotron-h-8b-base-8k.json.out" "(r['model']['ssm']['inner']['value'], r['model']['ssm']['state']['value'], r['model']['ffn_gated']['value'])")" = "(8192, 128, False)" ] || fail "nemotron-h ssm"
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
