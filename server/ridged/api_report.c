/* api_report.c: GET /api/v1/decisions/{id}/report — one decision as a
 * self-contained HTML page for people who never open the dashboard: the
 * question, the decision, its confidence and status, the assumptions it
 * rests on with their sources, and each piece of evidence with its charts
 * and provenance. Sweeps: a scatter of step time against energy per token
 * (or MFU) with the Pareto front, drawn here as inline SVG, and the fastest
 * points with their parameters; runs: headline figures and the time
 * breakdown; RTL jobs: co-simulation and synthesis with tool versions and
 * checksums. No script, no external file: it prints, mails and archives as
 * it is. Every text from the record is HTML-escaped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "codec.h"
#include "plan_cache.h"
#include "sbuf.h"
#include "sweep_plan.h"

#define MAX_EVIDENCE 12 /* of each kind */
#define SCATTER_MAX  2000
#define TOP_POINTS   10

static void esc(sbuf *b, const char *s) {
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            sbuf_puts(b, "&lt;");
            break;
        case '>':
            sbuf_puts(b, "&gt;");
            break;
        case '&':
            sbuf_puts(b, "&amp;");
            break;
        case '"':
            sbuf_puts(b, "&quot;");
            break;
        case '\'':
            sbuf_puts(b, "&#39;");
            break;
        default:
            sbuf_put(b, s, 1);
        }
    }
}

/* A number with an SI prefix and unit: 4.8 TB/s, 35.3 ms. */
static void si(sbuf *b, double v, const char *unit) {
    static const struct {
        double f;
        const char *p;
    } pre[] = {{1e15, "P"}, {1e12, "T"}, {1e9, "G"},  {1e6, "M"}, {1e3, "k"},
               {1, ""},     {1e-3, "m"}, {1e-6, "µ"}, {1e-9, "n"}};
    if (!isfinite(v)) {
        sbuf_puts(b, "—");
        return;
    }
    double a = fabs(v);
    size_t i = 0;
    while (i + 1 < sizeof pre / sizeof pre[0] && a < pre[i].f * 0.9995)
        i++;
    if (a == 0)
        i = 5;
    sbuf_printf(b, "%.3g %s%s", v / pre[i].f, pre[i].p, unit);
}

static double num_or_nan(const PGresult *q, int row, int col) {
    return PQgetisnull(q, row, col) ? NAN : strtod(PQgetvalue(q, row, col), NULL);
}

static void kv(sbuf *b, const char *k, const char *v) {
    sbuf_puts(b, "<tr><th>");
    esc(b, k);
    sbuf_puts(b, "</th><td>");
    esc(b, v && *v ? v : "—");
    sbuf_puts(b, "</td></tr>");
}

static const char *jstr(const cJSON *o, const char *k) {
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static void assumptions_table(sbuf *b, const char *json) {
    cJSON *a = cJSON_Parse(json);
    const cJSON *it = NULL;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0) {
        sbuf_puts(b, "<p class=muted>No assumptions recorded with this decision.</p>");
        cJSON_Delete(a);
        return;
    }
    sbuf_puts(
        b,
        "<table><thead><tr><th>assumption</th><th>value</th><th>confidence</th><th>source</th></tr></thead>"
        "<tbody>");
    cJSON_ArrayForEach(it, a) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        char val[64] = "";
        if (cJSON_IsNumber(v))
            snprintf(val, sizeof val, "%.6g", v->valuedouble);
        else if (cJSON_IsString(v))
            snprintf(val, sizeof val, "%.60s", v->valuestring);
        sbuf_puts(b, "<tr><th>");
        esc(b, jstr(it, "name"));
        sbuf_puts(b, "</th><td class=num>");
        esc(b, val);
        sbuf_puts(b, " ");
        esc(b, jstr(it, "unit"));
        sbuf_printf(b, "</td><td><span class=\"conf %s\">",
                    strcmp(jstr(it, "confidence"), "high") == 0  ? "high"
                    : strcmp(jstr(it, "confidence"), "low") == 0 ? "low"
                                                                 : "medium");
        esc(b, jstr(it, "confidence"));
        sbuf_puts(b, "</span></td><td class=src>");
        esc(b, jstr(it, "source"));
        sbuf_puts(b, "</td></tr>");
    }
    sbuf_puts(b, "</tbody></table>");
    cJSON_Delete(a);
}

/* ---- a scatter drawn as SVG ------------------------------------------------ */

typedef struct pt {
    double x, y;
    bool front;
} pt;

typedef struct axis {
    double lo, hi;
    bool log;
} axis;

static axis axis_of(const pt *p, int n, bool use_y) {
    axis a = {INFINITY, -INFINITY, false};
    bool pos = true;
    for (int i = 0; i < n; i++) {
        double v = use_y ? p[i].y : p[i].x;
        a.lo = fmin(a.lo, v);
        a.hi = fmax(a.hi, v);
        pos = pos && v > 0;
    }
    a.log = pos && a.hi / a.lo > 100;
    if (a.log) {
        a.lo = pow(10, floor(log10(a.lo)));
        a.hi = pow(10, ceil(log10(a.hi)));
    } else {
        double pad = (a.hi - a.lo) * 0.05;
        if (pad == 0)
            pad = fabs(a.hi) * 0.1 + 1e-300;
        a.lo -= pad;
        a.hi += pad;
    }
    return a;
}

static double map(const axis *a, double v, double r0, double r1) {
    double t =
        a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo)) : (v - a->lo) / (a->hi - a->lo);
    return r0 + t * (r1 - r0);
}

static int cmp_x(const void *a, const void *b) {
    const pt *p = a, *q = b;
    return (p->x > q->x) - (p->x < q->x);
}

/* Marks the points no other point beats in both (x min, y min or max). */
static void pareto(pt *p, int n, bool ymax) {
    qsort(p, (size_t)n, sizeof *p, cmp_x);
    double best = ymax ? -INFINITY : INFINITY;
    for (int i = 0; i < n; i++) {
        bool better = ymax ? p[i].y > best : p[i].y < best;
        p[i].front = better;
        if (better)
            best = p[i].y;
    }
}

static void scatter(sbuf *b, pt *p, int n, const char *xl, const char *xu, const char *yl, const char *yu,
                    bool ymax) {
    const double W = 640, H = 380, L = 70, R = 16, T = 16, B = 46;
    pareto(p, n, ymax);
    axis ax = axis_of(p, n, false), ay = axis_of(p, n, true);
    sbuf_printf(b, "<svg viewBox=\"0 0 %g %g\" role=img aria-label=\"", W, H);
    esc(b, yl);
    sbuf_puts(b, " against ");
    esc(b, xl);
    sbuf_printf(b, "\"><rect x=%g y=%g width=%g height=%g class=frame />", L, T, W - L - R, H - T - B);
    for (int k = 0; k <= 4; k++) { /* five ticks per axis */
        double tx = ax.log ? pow(10, log10(ax.lo) + k * (log10(ax.hi) - log10(ax.lo)) / 4)
                           : ax.lo + k * (ax.hi - ax.lo) / 4;
        double ty = ay.log ? pow(10, log10(ay.lo) + k * (log10(ay.hi) - log10(ay.lo)) / 4)
                           : ay.lo + k * (ay.hi - ay.lo) / 4;
        double px = map(&ax, tx, L, W - R), py = map(&ay, ty, H - B, T);
        sbuf_printf(b,
                    "<line x1=%.1f x2=%.1f y1=%g y2=%g class=grid /><text x=%.1f y=%g class=tick "
                    "text-anchor=middle>",
                    px, px, T, H - B, px, H - B + 14);
        si(b, tx, xu);
        sbuf_printf(b,
                    "</text><line x1=%g x2=%g y1=%.1f y2=%.1f class=grid /><text x=%g y=%.1f class=tick "
                    "text-anchor=end>",
                    L, W - R, py, py, L - 4, py + 4);
        si(b, ty, yu);
        sbuf_puts(b, "</text>");
    }
    sbuf_printf(b, "<text x=%g y=%g text-anchor=middle class=axis>", (L + W - R) / 2, H - 8);
    esc(b, xl);
    sbuf_printf(b, "</text><text x=14 y=%g text-anchor=middle class=axis transform=\"rotate(-90 14 %g)\">",
                (T + H - B) / 2, (T + H - B) / 2);
    esc(b, yl);
    sbuf_puts(b, "</text><polyline class=front points=\"");
    for (int i = 0; i < n; i++)
        if (p[i].front)
            sbuf_printf(b, "%.1f,%.1f ", map(&ax, p[i].x, L, W - R), map(&ay, p[i].y, H - B, T));
    sbuf_puts(b, "\" />");
    for (int i = 0; i < n; i++)
        sbuf_printf(b, "<circle cx=%.1f cy=%.1f r=%s class=%s />", map(&ax, p[i].x, L, W - R),
                    map(&ay, p[i].y, H - B, T), p[i].front ? "4.5" : "3", p[i].front ? "on" : "pt");
    sbuf_puts(b, "</svg>");
}

/* ---- evidence -------------------------------------------------------------- */

static void sweep_section(db_conn *c, sbuf *b, const char *id) {
    static const char meta[] =
        "SELECT name, status, points_total, points_done, axes::text, provenance, author, " API_TS(
            "created_at") " FROM sweeps WHERE id = $1";
    static const char rows[] =
        "SELECT point_index, time_s, mfu, tokens_per_s, energy_per_token_j, quality_sqnr_db, "
        "fits FROM sweep_results WHERE sweep_id = $1 AND status = 0 AND time_s IS NOT NULL "
        "ORDER BY time_s, point_index LIMIT 2000"; /* SCATTER_MAX */
    const char *p[1] = {id};
    PGresult *m = db_query(c, meta, 1, p), *q = NULL;
    cJSON *prov = NULL;
    pt *pts = NULL;
    char status[32];
    const sweep_plan *plan = NULL;
    sbuf_printf(b, "<section class=evidence><h3>Sweep %s", id);
    if (!db_ok(m) || PQntuples(m) == 0) {
        sbuf_puts(b, "</h3><p class=muted>Not found in the record.</p></section>");
        goto out;
    }
    sbuf_puts(b, ": ");
    esc(b, PQgetvalue(m, 0, 0));
    sbuf_puts(b, "</h3><table class=kv>");
    kv(b, "status", PQgetvalue(m, 0, 1));
    char pts_s[64];
    snprintf(pts_s, sizeof pts_s, "%s of %s", PQgetvalue(m, 0, 3), PQgetvalue(m, 0, 2));
    kv(b, "points done", pts_s);
    kv(b, "axes", PQgetvalue(m, 0, 4));
    prov = cJSON_Parse(PQgetvalue(m, 0, 5));
    kv(b, "base spec sha256", jstr(prov, "spec_sha256"));
    kv(b, "engine", jstr(prov, "engine_version"));
    kv(b, "git commit", jstr(prov, "git_commit"));
    kv(b, "author", PQgetvalue(m, 0, 6));
    kv(b, "submitted", PQgetvalue(m, 0, 7));
    sbuf_puts(b, "</table>");
    q = db_query(c, rows, 1, p);
    int n = db_ok(q) ? PQntuples(q) : 0;
    if (n <= 0) {
        sbuf_puts(b, "<p class=muted>No successful points stored.</p></section>");
        goto out;
    }
    /* energy per token when the record has it for every point, else MFU */
    bool energy = true;
    for (int i = 0; i < n && energy; i++)
        energy = !PQgetisnull(q, i, 4) && strtod(PQgetvalue(q, i, 4), NULL) > 0;
    pts = calloc((size_t)n, sizeof *pts);
    if (!pts)
        goto out;
    for (int i = 0; i < n; i++)
        pts[i] = (pt){num_or_nan(q, i, 1), num_or_nan(q, i, energy ? 4 : 2), false};
    sbuf_printf(b, "<figure>");
    scatter(b, pts, n, "step time", "s", energy ? "energy per token" : "MFU", energy ? "J" : "", !energy);
    sbuf_printf(
        b, "<figcaption>%s against step time for %s%d points; the Pareto front in red.</figcaption></figure>",
        energy ? "Energy per token" : "MFU", n == SCATTER_MAX ? "the fastest " : "", n);
    plan = api_sweep_plan(NULL, c, id, status, sizeof status); /* NULL: params left out */
    sbuf_puts(
        b,
        "<table><thead><tr><th>point</th><th>parameters</th><th>step time</th><th>MFU</th><th>tokens/s</th>"
        "<th>energy/token</th><th>matmul SQNR</th><th>fits</th></tr></thead><tbody>");
    for (int i = 0; i < n && i < TOP_POINTS; i++) {
        sbuf_printf(b, "<tr><td class=num>%s</td><td class=mono>", PQgetvalue(q, i, 0));
        if (plan) {
            jw w;
            jw_init(&w);
            plan_write_params(plan, strtoll(PQgetvalue(q, i, 0), NULL, 10), &w);
            char *js = jw_take(&w, NULL);
            cJSON *o = cJSON_Parse(js);
            const cJSON *it = NULL;
            bool first = true;
            cJSON_ArrayForEach(it, o) {
                char *v = cJSON_PrintUnformatted(it);
                sbuf_puts(b, first ? "" : ", ");
                esc(b, it->string);
                sbuf_puts(b, " = ");
                esc(b, v);
                free(v);
                first = false;
            }
            cJSON_Delete(o);
            free(js);
            jw_free(&w);
        }
        sbuf_puts(b, "</td><td class=num>");
        si(b, num_or_nan(q, i, 1), "s");
        sbuf_printf(b, "</td><td class=num>%.1f %%</td><td class=num>", 100 * num_or_nan(q, i, 2));
        si(b, num_or_nan(q, i, 3), "tok/s");
        sbuf_puts(b, "</td><td class=num>");
        si(b, num_or_nan(q, i, 4), "J");
        sbuf_puts(b, "</td><td class=num>");
        double sq = num_or_nan(q, i, 5);
        if (isfinite(sq))
            sbuf_printf(b, "%.1f dB", sq);
        else
            sbuf_puts(b, "—");
        sbuf_printf(b, "</td><td>%s</td></tr>", strcmp(PQgetvalue(q, i, 6), "t") == 0 ? "yes" : "no");
    }
    sbuf_puts(b, "</tbody></table></section>");
out:
    plan_cache_release(plan);
    free(pts);
    cJSON_Delete(prov);
    PQclear(q);
    PQclear(m);
}

/* The number at dotted `path` ("memory.per_device_bytes"), or NaN. */
static double jnum(const cJSON *o, const char *path) {
    const cJSON *cur = o;
    while (cur && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(n < 63 ? n : 63), path);
        cur = cJSON_GetObjectItemCaseSensitive(cur, key);
        path += n + (dot ? 1 : 0);
    }
    return cJSON_IsNumber(cur) ? cur->valuedouble : NAN;
}

static void run_section(db_conn *c, sbuf *b, const char *id) {
    static const char sql[] =
        "SELECT result, provenance, author, " API_TS("created_at") " FROM runs WHERE id = $1";
    const char *p[1] = {id};
    PGresult *q = db_query(c, sql, 1, p);
    cJSON *res = NULL, *prov = NULL;
    sbuf_printf(b, "<section class=evidence><h3>Run %s", id);
    if (!db_ok(q) || PQntuples(q) == 0) {
        sbuf_puts(b, "</h3><p class=muted>Not found in the record.</p></section>");
        goto out;
    }
    res = cJSON_Parse(PQgetvalue(q, 0, 0));
    prov = cJSON_Parse(PQgetvalue(q, 0, 1));
    sbuf_puts(b, ": ");
    esc(b, jstr(res, "model"));
    sbuf_puts(b, " on ");
    esc(b, jstr(res, "hardware"));
    sbuf_puts(b, ", ");
    esc(b, jstr(res, "phase"));
    sbuf_puts(b, "</h3><table class=kv><tr><th>step time</th><td>");
    si(b, jnum(res, "time_s"), "s");
    sbuf_printf(b, "</td></tr><tr><th>MFU</th><td>%.1f %%</td></tr><tr><th>tokens/s</th><td>",
                100 * jnum(res, "mfu"));
    si(b, jnum(res, "tokens_per_s"), "tok/s");
    sbuf_puts(b, "</td></tr><tr><th>energy per token</th><td>");
    si(b, jnum(res, "energy_per_token_j"), "J");
    sbuf_puts(b, "</td></tr><tr><th>memory per device</th><td>");
    si(b, jnum(res, "memory.per_device_bytes"), "B");
    sbuf_puts(b, " of ");
    si(b, jnum(res, "memory.capacity_bytes"), "B");
    sbuf_puts(b, "</td></tr>");
    kv(b, "spec sha256", jstr(prov, "spec_sha256"));
    kv(b, "engine", jstr(prov, "engine_version"));
    kv(b, "git commit", jstr(prov, "git_commit"));
    kv(b, "author", PQgetvalue(q, 0, 2));
    kv(b, "stored", PQgetvalue(q, 0, 3));
    sbuf_puts(b, "</table>");
    /* the time breakdown as one stacked bar */
    const struct {
        const char *label, *cls;
        double v;
    } parts[] = {{"compute", "c", jnum(res, "breakdown.compute_s")},
                 {"memory", "m", jnum(res, "breakdown.memory_s")},
                 {"bubble", "b", jnum(res, "breakdown.bubble_s")},
                 {"other", "o", jnum(res, "breakdown.other_s")}};
    double tot = 0;
    for (size_t k = 0; k < 4; k++)
        tot += isfinite(parts[k].v) ? parts[k].v : 0;
    if (tot > 0) {
        double x = 0;
        sbuf_puts(b, "<figure><svg viewBox=\"0 0 640 44\" role=img aria-label=\"time breakdown\">");
        for (size_t k = 0; k < 4; k++) {
            double w = isfinite(parts[k].v) ? 620 * parts[k].v / tot : 0;
            if (w <= 0)
                continue;
            sbuf_printf(b, "<rect x=%.1f y=4 width=%.1f height=18 class=bar-%s><title>%s</title></rect>",
                        10 + x, w, parts[k].cls, parts[k].label);
            if (w > 60) {
                sbuf_printf(b, "<text x=%.1f y=38 class=tick>%s ", 12 + x, parts[k].label);
                si(b, parts[k].v, "s");
                sbuf_puts(b, "</text>");
            }
            x += w;
        }
        sbuf_puts(b,
                  "</svg><figcaption>Where the step's time goes (op time by bound; exposed communication is "
                  "part of other).</figcaption></figure>");
    }
    sbuf_puts(b, "</section>");
out:
    cJSON_Delete(res);
    cJSON_Delete(prov);
    PQclear(q);
}

static void rtl_section(db_conn *c, sbuf *b, const char *id) {
    static const char sql[] =
        "SELECT status, request, result, verilog_sha256, error, author FROM rtl_jobs WHERE id = $1";
    const char *p[1] = {id};
    PGresult *q = db_query(c, sql, 1, p);
    cJSON *req = NULL, *res = NULL;
    sbuf_printf(b, "<section class=evidence><h3>RTL job %s", id);
    if (!db_ok(q) || PQntuples(q) == 0) {
        sbuf_puts(b, "</h3><p class=muted>Not found in the record.</p></section>");
        goto out;
    }
    req = cJSON_Parse(PQgetvalue(q, 0, 1));
    res = PQgetisnull(q, 0, 2) ? NULL : cJSON_Parse(PQgetvalue(q, 0, 2));
    sbuf_puts(b, ": ");
    esc(b, jstr(req, "unit"));
    sbuf_puts(b, " ");
    esc(b, jstr(req, "format"));
    sbuf_puts(b, "</h3><table class=kv>");
    kv(b, "status", PQgetvalue(q, 0, 0));
    kv(b, "Verilog sha256", PQgetvalue(q, 0, 3));
    if (!PQgetisnull(q, 0, 4))
        kv(b, "error", PQgetvalue(q, 0, 4));
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(res, "cosim");
    const cJSON *sy = cJSON_GetObjectItemCaseSensitive(res, "synthesis");
    char buf[160];
    if (cs) {
        snprintf(buf, sizeof buf, "%.0f vectors, %.0f mismatches against the C model", jnum(cs, "vectors"),
                 jnum(cs, "mismatches"));
        kv(b, "co-simulation", buf);
    }
    if (sy) {
        snprintf(buf, sizeof buf, "%.0f cells, %.0f µm², %.3g ns critical path, %.4g pJ per operation",
                 jnum(sy, "cells"), jnum(sy, "area_um2"), jnum(sy, "delay_ns"), jnum(sy, "energy_pj"));
        kv(b, "synthesis", buf);
        kv(b, "yosys", jstr(sy, "yosys_version"));
        kv(b, "OpenSTA", jstr(sy, "sta_version"));
        kv(b, "liberty sha256", jstr(sy, "liberty_sha256"));
    }
    kv(b, "generator", jstr(res, "generator_version"));
    kv(b, "author", PQgetvalue(q, 0, 5));
    sbuf_puts(b, "</table></section>");
out:
    cJSON_Delete(req);
    cJSON_Delete(res);
    PQclear(q);
}

static void ids_section(db_conn *c, sbuf *b, const char *json, int kind) {
    cJSON *a = cJSON_Parse(json);
    const cJSON *it = NULL;
    int n = 0;
    cJSON_ArrayForEach(it, a) {
        const char *id = cJSON_GetStringValue(it);
        if (!id || n++ >= MAX_EVIDENCE)
            continue;
        if (kind == 0)
            sweep_section(c, b, id);
        else if (kind == 1)
            run_section(c, b, id);
        else
            rtl_section(c, b, id);
    }
    cJSON_Delete(a);
}

static const char style[] =
    "<style>body{font:15px/1.45 system-ui,'DejaVu Sans',sans-serif;color:#0f172a;max-width:980px;margin:2rem "
    "auto;padding:0 1rem}h1{font-size:1.6rem;margin:.2rem "
    "0}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px "
    "solid "
    "#e2e8f0}h3{font-size:1rem}.muted,figcaption{color:#64748b;font-size:13px}table{border-collapse:collapse;"
    "width:100%;margin:.4rem 0;font-size:13px}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid "
    "#e2e8f0;vertical-align:top}td.num{text-align:right;white-space:nowrap}.kv th{width:12rem;color:#334155}"
    ".src{color:#475569;font-size:12px}.mono{font-family:'DejaVu Sans "
    "Mono',monospace;font-size:12px}.conf{padding:"
    "1px "
    "6px;border-radius:9px;background:#fef3c7}.conf.high{background:#dcfce7}.conf.low{background:#fee2e2}."
    "status{font-weight:600}section.evidence{margin:1rem 0;padding:.2rem 1rem;border:1px solid "
    "#e2e8f0;border-radius:"
    "8px}svg{width:100%;height:auto}svg .frame{fill:none;stroke:#cbd5e1}svg .grid{stroke:#eef2f7}svg "
    ".tick{font-size:"
    "11px;fill:#475569}svg .axis{font-size:12px;fill:#0f172a}svg .pt{fill:#64748b;opacity:.7}svg "
    ".on{fill:#dc2626}"
    "svg .front{fill:none;stroke:#dc2626;stroke-width:1.5}svg .bar-c{fill:#2563eb}svg "
    ".bar-m{fill:#ea580c}svg .bar-b"
    "{fill:#94a3b8}svg .bar-o{fill:#7c3aed}@media print{section.evidence{break-inside:avoid}}</style>";

void api_decision_report(http_req *r) {
    static const char sql[] =
        "SELECT d.id, d.title, d.question, d.decision, d.rationale, d.status, d.confidence, "
        "d.assumptions::text, "
        "(SELECT coalesce(json_agg(x::text), '[]') FROM unnest(d.evidence_sweeps) x), (SELECT "
        "coalesce(json_agg(x::text), '[]') FROM unnest(d.evidence_runs) x), (SELECT "
        "coalesce(json_agg(x::text), "
        "'[]') FROM unnest(d.evidence_rtl) x), array_to_string(d.supersedes, ', '), d.superseded_by::text, "
        "array_to_string(d.tags, ', '), d.author, " API_TS(
            "d.created_at") " FROM decisions d WHERE d.id = $1";
    if (!api_path_id(r, "decision"))
        return;
    db_conn *c = db_acquire(r->rd->pool);
    if (!c) {
        http_problem_db(r, "decision report", NULL);
        return;
    }
    const char *p[1] = {r->id};
    PGresult *q = db_query(c, sql, 1, p);
    if (!db_ok(q)) {
        http_problem_db(r, "decision report", PQresultErrorMessage(q));
        goto out;
    }
    if (PQntuples(q) == 0) {
        http_fail(r, RG_ENOTFOUND, "id", NULL, "no decision with id %s", r->id);
        goto out;
    }
    sbuf b;
    sbuf_init(&b);
    char now[40];
    api_now_rfc3339(now);
    sbuf_puts(&b, "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport "
                  "content=\"width=device-width\"><title>Decision ");
    esc(&b, PQgetvalue(q, 0, 0));
    sbuf_puts(&b, ": ");
    esc(&b, PQgetvalue(q, 0, 1));
    sbuf_puts(&b, "</title>");
    sbuf_puts(&b, style);
    sbuf_puts(&b, "</head><body><header><p class=muted>Ridge decision record ");
    esc(&b, PQgetvalue(q, 0, 0));
    sbuf_puts(&b, "</p><h1>");
    esc(&b, PQgetvalue(q, 0, 1));
    sbuf_puts(&b, "</h1><p><span class=status>");
    esc(&b, PQgetvalue(q, 0, 5));
    sbuf_puts(&b, "</span> · confidence <span class=\"conf ");
    esc(&b, PQgetvalue(q, 0, 6));
    sbuf_puts(&b, "\">");
    esc(&b, PQgetvalue(q, 0, 6));
    sbuf_puts(&b, "</span> · ");
    esc(&b, PQgetvalue(q, 0, 14));
    sbuf_puts(&b, " · ");
    esc(&b, PQgetvalue(q, 0, 15));
    sbuf_puts(&b, "</p></header><h2>Question</h2><p>");
    esc(&b, PQgetvalue(q, 0, 2));
    sbuf_puts(&b, "</p><h2>Decision</h2><p>");
    esc(&b, PQgetvalue(q, 0, 3));
    sbuf_puts(&b, "</p>");
    if (*PQgetvalue(q, 0, 4)) {
        sbuf_puts(&b, "<h2>Rationale</h2><p>");
        esc(&b, PQgetvalue(q, 0, 4));
        sbuf_puts(&b, "</p>");
    }
    sbuf_puts(&b, "<table class=kv>");
    kv(&b, "tags", PQgetvalue(q, 0, 13));
    kv(&b, "supersedes decisions", PQgetvalue(q, 0, 11));
    kv(&b, "superseded by decision", PQgetvalue(q, 0, 12));
    sbuf_puts(&b, "</table><h2>Assumptions it rests on</h2>");
    assumptions_table(&b, PQgetvalue(q, 0, 7));
    sbuf_puts(&b, "<h2>Evidence</h2>");
    if (strcmp(PQgetvalue(q, 0, 8), "[]") == 0 && strcmp(PQgetvalue(q, 0, 9), "[]") == 0 &&
        strcmp(PQgetvalue(q, 0, 10), "[]") == 0)
        sbuf_puts(&b, "<p class=muted>No evidence linked.</p>");
    ids_section(c, &b, PQgetvalue(q, 0, 8), 0);
    ids_section(c, &b, PQgetvalue(q, 0, 9), 1);
    ids_section(c, &b, PQgetvalue(q, 0, 10), 2);
    sbuf_printf(&b, "<footer><p class=muted>Generated %s by ridged %s (replica ", now,
                codec_engine_version());
    esc(&b, r->rd->cfg.replica);
    sbuf_puts(&b,
              ") from the team's record; each figure is stored with its canonical spec, engine version and "
              "assumptions.</p></footer></body></html>\n");
    http_reply_sbuf(r, 200, "text/html; charset=utf-8", &b);
    sbuf_free(&b);
out:
    PQclear(q);
    db_release(r->rd->pool, c);
}
