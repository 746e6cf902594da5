/* codec_search.c: the ranked entries of a layout search as JSON (see
 * codec_search.h). */
#include "codec_search.h"

#include "codec.h"

void codec_parallel_write(jw *w, const rg_parallel *p) {
    static const char *const rc_names[] = {"none", "selective", "full"};
    jw_obj_begin(w);
    jw_kint(w, "tp", p->tp);
    jw_kint(w, "pp", p->pp);
    jw_kint(w, "dp", p->dp);
    jw_kint(w, "ep", p->ep);
    jw_kint(w, "cp", p->cp);
    jw_kint(w, "microbatch", p->microbatch);
    jw_kint(w, "interleave", p->interleave);
    jw_kbool(w, "sequence_parallel", p->sequence_parallel);
    jw_kstr(w, "recompute", p->recompute >= 0 && p->recompute <= 2 ? rc_names[p->recompute] : "?");
    jw_kint(w, "zero", p->zero);
    jw_obj_end(w);
}

void codec_search_entry_write(jw *w, const rg_spec *base, const rg_search_entry *e, int rank) {
    char sha[65];
    rg_spec one = *base;
    one.par = e->par;
    jw_obj_begin(w);
    if (rank >= 1)
        jw_kint(w, "rank", rank);
    jw_kint(w, "index", e->index);
    if (codec_spec_sha256(&one, sha) == 0)
        jw_kstr(w, "spec_sha256", sha);
    jw_key(w, "parallelism");
    codec_parallel_write(w, &e->par);
    jw_knum(w, "time_s", e->time_s);
    jw_knum(w, "mfu", e->mfu);
    jw_knum(w, "tokens_per_s", e->tokens_per_s);
    jw_key(w, "memory");
    codec_memory_write(w, &e->memory);
    jw_key(w, "breakdown");
    codec_breakdown_write(w, &e->breakdown);
    jw_obj_end(w);
}
