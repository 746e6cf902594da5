/* api_problems.c: GET /problems and GET /problems/{type}: the documentation
 * of every problem type ridged answers with (RFC 9457 section 3.1.1: a
 * problem type's URI should lead to human-readable documentation). One page
 * per row of the status table (engine/status.h); the text below says when
 * each occurs and what to do, and test_ridged_problems checks that every
 * row has it. */
#include <string.h>

#include "api.h"

typedef struct problem_doc {
    int code;
    const char *when; /* when ridged answers with it */
    const char *fix;  /* what the client does about it */
} problem_doc;

static const problem_doc docs[] = {
    {RG_OK, "Not a problem: the status of success.", "Nothing."},
    {RG_EINVAL,
     "A value has the right type but is not acceptable here (a malformed id or page token, a filter "
     "term that does not parse, a link to a record that does not exist).",
     "Correct the input named by `field`; `hint` says what is accepted."},
    {RG_ENOMEM, "The server ran out of memory while answering.", "Retry later, or send a smaller request."},
    {RG_ERANGE, "A number lies outside the range its field allows (a batch below 1, an efficiency above 1).",
     "Bring the value named by `field` into range; `detail` names the bounds and the value given."},
    {RG_ETYPE, "A field has the wrong JSON type (a string where a number is expected).",
     "Send the type the field takes; see /api/v1/openapi.json."},
    {RG_EMISSING, "A required field is absent (a model given without a preset lacks d_model).",
     "Add the field named by `field`, or name a preset."},
    {RG_EUNKNOWN,
     "A name is not known: an unknown key in a spec, a preset, format or result column that does "
     "not exist.",
     "Use one of the names listed in `hint`, GET /api/v1/presets or GET /api/v1/result-columns."},
    {RG_EUNSUPPORTED,
     "The design point is valid but not something this model supports (a parallel layout the "
     "model cannot be split into).",
     "Change the configuration named by `field`."},
    {RG_ENOSPACE, "An internal buffer was too small.", "Report it: it is a defect of ridged."},
    {RG_EPARSE,
     "The body is not well-formed JSON (or trailing data follows it); `detail` names line and column.",
     "Send one JSON object."},
    {RG_EIO, "Reading or writing a file failed on the server.", "Retry later; report it if it persists."},
    {RG_ENOTFOUND, "No resource at this path or with this id.",
     "Check the id; GET the collection to list them."},
    {RG_ECONFLICT, "The request conflicts with the resource's state (superseding a decision twice).",
     "Re-read the resource and decide again."},
    {RG_EINFEASIBLE,
     "The configuration cannot run (it does not fit, or its degrees do not divide the chips).",
     "Change the configuration named by `field`."},
    {RG_EDB, "The service could not reach or use its database.", "Retry later; the request was not applied."},
    {RG_EAUTH,
     "The request needs a bearer token (writes on a server listening beyond loopback, or with "
     "--require-auth).",
     "Send `Authorization: Bearer rg_...` with a token from `ridged token create`."},
    {RG_EFORBIDDEN, "The token is valid but its role does not allow this request (a read token writing).",
     "Use a token with the write role."},
    {RG_ETOOBIG, "The request body exceeds the server's limit (--max-body).", "Send a smaller body."},
    {RG_EINTERNAL, "Something failed inside ridged that the request did not cause.",
     "Report it with the request; retrying may not help."},
    {RG_EMETHOD, "The path exists but not with this method; the Allow header lists the methods it takes.",
     "Use one of the methods in Allow."},
    {RG_EMEDIA,
     "A write came from a browser (it carries an Origin) with a body that is not "
     "`Content-Type: application/json`: such requests could come from any web page (cross-site "
     "request forgery), so they are refused and nothing is written.",
     "Send the body as application/json."},
    {RG_EORIGIN,
     "A write came from a web page of another origin than ridged's own and than those configured "
     "with --allow-origin: any page a user visits could otherwise write to the team's record "
     "(cross-site request forgery). Nothing was written. Requests without an Origin header "
     "(curl, scripts, the CLI) are not affected.",
     "Open the dashboard from ridged itself, or start ridged with --allow-origin for that page's origin."},
    {RG_EUNAVAIL,
     "ridged is saturated (every request thread busy and the queue full, or every connection of this "
     "client address in use) or shutting down. Nothing was done.",
     "Retry after the number of seconds in the Retry-After header."},
    {RG_EQUOTA,
     "The request would exceed a configured limit: points in one sweep (--max-sweep-points) or points "
     "queued or running for one author (--max-author-points). Nothing was written.",
     "Send a smaller sweep, wait for your sweeps to finish, or cancel one."},
};

bool api_problem_documented(int code) {
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (docs[i].code == code)
            return docs[i].when[0] && docs[i].fix[0];
    return false;
}

static const problem_doc *doc_for_type(const char *type) {
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (strcmp(rg_status_type(docs[i].code), type) == 0)
            return &docs[i];
    return NULL;
}

static void page_head(sbuf *b, const char *title) {
    sbuf_printf(b,
                "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>%s — Ridge</title>"
                "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 "
                "1rem}code{background:#eee;padding:0 .2em}</style></head><body>\n",
                title);
}

static void doc_section(sbuf *b, const problem_doc *d, bool link) {
    const char *type = rg_status_type(d->code);
    if (link)
        sbuf_printf(b, "<h2 id=\"%s\"><a href=\"/problems/%s\">%s</a></h2>\n", type, type, type);
    sbuf_printf(b,
                "<p><b>Title:</b> %s · <b>HTTP status:</b> %d · <b>code:</b> <code>%s</code> · <b>type:</b> "
                "<code>/problems/%s</code></p>\n<p><b>When:</b> %s</p>\n<p><b>What to do:</b> %s</p>\n",
                rg_strerror(d->code), rg_status_http(d->code), rg_status_name(d->code), type, d->when,
                d->fix);
}

void api_problem_list(http_req *r) {
    sbuf b;
    sbuf_init(&b);
    page_head(&b, "Problem types");
    sbuf_puts(&b, "<h1>Ridge problem types</h1>\n<p>ridged answers errors as <code>application/problem+json"
                  "</code> (RFC 9457) with <code>type</code>, <code>title</code>, <code>status</code>, "
                  "<code>detail</code>, <code>code</code>, and where it applies <code>field</code> (the "
                  "offending input) and <code>hint</code>.</p>\n");
    for (size_t i = 1; i < sizeof docs / sizeof docs[0]; i++)
        doc_section(&b, &docs[i], true);
    sbuf_puts(&b, "</body></html>\n");
    http_reply_sbuf(r, 200, "text/html; charset=utf-8", &b);
}

void api_problem_get(http_req *r) {
    const problem_doc *d = doc_for_type(r->id);
    sbuf b;
    sbuf_init(&b);
    if (!d || d->code == RG_OK) {
        http_fail(r, RG_ENOTFOUND, "type", "GET /problems lists them", "no problem type %.60s", r->id);
        goto out;
    }
    page_head(&b, rg_status_type(d->code));
    sbuf_printf(&b, "<h1>%s</h1>\n", rg_status_type(d->code));
    doc_section(&b, d, false);
    sbuf_puts(&b, "<p><a href=\"/problems\">All problem types</a></p>\n</body></html>\n");
    http_reply_sbuf(r, 200, "text/html; charset=utf-8", &b);
out:
    sbuf_free(&b);
}
