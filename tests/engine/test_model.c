/* test_model.c: parameter counts against published totals (configs in
 * fixtures.h cite their sources) and derived dimensions. */
#include "../testutil.h"
#include "fixtures.h"
#include "model.h"

static void check_params(rg_model m, double total, double active, double rel) {
    double t = 0, a = 0;
    rg_model_params(&m, &t, &a);
    printf("%-14s total %.6g active %.6g\n", m.name, t, a);
    CHECK_REL(t, total, rel);
    if (active > 0)
        CHECK_REL(a, active, rel);
}

int main(void) {
    /* Exact totals of the Hugging Face checkpoints (sum of tensor sizes). */
    check_params(fx_llama2_70b(), 68976648192.0, 68976648192.0, 1e-9);
    check_params(fx_llama3_8b(), 8030261248.0, 0, 1e-9);
    check_params(fx_llama3_70b(), 70553706496.0, 0, 1e-9);
    check_params(fx_llama3_405b(), 405853388800.0, 0, 1e-9);
    /* Mixtral: 46.7B total, 12.9B active (Jiang et al. 2024, "Mixtral of
     * Experts"); the checkpoint holds 46,702,792,704. */
    check_params(fx_mixtral(), 46702792704.0, 12.9e9, 0.005);
    /* GPT-3: "175B" (Brown et al. 2020), rounded: within 0.5%. */
    check_params(fx_gpt3_175b(), 175e9, 0, 0.005);
    /* DeepSeek-V3: 671B total, 37B activated per token (DeepSeek-V3
     * technical report, 2024), main model without the MTP module. Our
     * active count (37.55B) includes the input embedding and the LM head
     * (0.93B each); the report rounds, so 2% tolerance. */
    check_params(fx_deepseek_v3(), 671e9, 37e9, 0.02);

    rg_model l2 = fx_llama2_70b();
    rg_model_dims dm;
    rg_model_derive(&l2, &dm);
    CHECK_EQ_INT(dm.qk_head_dim, 128);
    CHECK_EQ_INT(dm.k_dim, 1024);
    CHECK_EQ_INT(dm.kv_cache_elems, 2048);
    rg_model ds = fx_deepseek_v3();
    rg_model_derive(&ds, &dm);
    CHECK_EQ_INT(dm.kv_cache_elems, 576); /* latent 512 + rope key 64 */
    CHECK_EQ_INT(dm.dense_layers, 3);
    CHECK_EQ_INT(dm.moe_layers, 58);
    CHECK_EQ_INT(dm.qk_head_dim, 192);
    return tu_status("test_model");
}
