/* status.c: messages and names generated from RG_STATUS_LIST. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    int code;
    int http;
    const char *name;
    const char *type;
    const char *msg;
} status_row;

static const status_row status_table[] = {
#define RG_X_(name, value, http, type, msg) {value, http, #name, type, msg},
    RG_STATUS_LIST(RG_X_)
#undef RG_X_
};

static const status_row *status_find(int status) {
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        if (status_table[i].code == status)
            return &status_table[i];
    return NULL;
}

const char *rg_strerror(int status) {
    const status_row *r = status_find(status);
    return r ? r->msg : "unknown status";
}

const char *rg_status_name(int status) {
    const status_row *r = status_find(status);
    return r ? r->name : "RG_EUNKNOWN_STATUS";
}

int rg_status_http(int status) {
    const status_row *r = status_find(status);
    return r ? r->http : 500;
}

const char *rg_status_type(int status) {
    const status_row *r = status_find(status);
    return r ? r->type : "internal";
}

int rg_status_count(void) { return (int)(sizeof status_table / sizeof status_table[0]); }

int rg_status_at(int i) { return i >= 0 && i < rg_status_count() ? status_table[i].code : RG_EINTERNAL; }

int rg_err_set(rg_err *e, int code, const char *field, const char *fmt, ...) {
    if (!e)
        return code;
    e->code = code;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}
