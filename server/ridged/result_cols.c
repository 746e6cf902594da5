/* result_cols.c: what RIDGED_RESULT_COLS generates at run time: the column
 * table, the values of one result, the schema check and the catalogue (see
 * result_cols.h). */
#include "result_cols.h"

#include <stdio.h>
#include <string.h>

const rc_column rc_columns[RC_COUNT] = {
#define RC_X_(name, type, sense, unit, value, desc) {#name, type, sense, unit, desc},
    RIDGED_RESULT_COLS(RC_X_)
#undef RC_X_
};

void rc_values(const rg_result *res, const rc_extra *ex, double v[RC_COUNT]) {
#define RC_X_(name, type, sense, unit, value, desc) v[RC_##name] = (double)(value);
    RIDGED_RESULT_COLS(RC_X_)
#undef RC_X_
}

const char *rc_sql_type(rc_type t) {
    return t == RC_BOOL ? "boolean" : t == RC_I64 ? "bigint" : "double precision";
}

int rc_schema_check(PGconn *pg, char *errbuf, size_t cap) {
    static const char sql[] = "SELECT column_name, data_type FROM information_schema.columns"
                              " WHERE table_schema = current_schema() AND table_name = 'sweep_results'";
    PGresult *r = PQexec(pg, sql);
    int rc = -1;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(errbuf, cap, "cannot read the columns of sweep_results: %s", PQresultErrorMessage(r));
        goto out;
    }
    for (int k = 0; k < RC_COUNT; k++) {
        const char *type = NULL;
        for (int i = 0; i < PQntuples(r) && !type; i++)
            if (strcmp(PQgetvalue(r, i, 0), rc_columns[k].name) == 0)
                type = PQgetvalue(r, i, 1);
        if (!type || strcmp(type, rc_sql_type(rc_columns[k].type)) != 0) {
            snprintf(errbuf, cap, "sweep_results.%s: %s (server/ridged/result_cols.h expects %s)",
                     rc_columns[k].name, type ? type : "missing", rc_sql_type(rc_columns[k].type));
            goto out;
        }
    }
    rc = 0;
out:
    PQclear(r);
    return rc;
}

static const char *type_name(rc_type t) {
    return t == RC_BOOL ? "boolean" : t == RC_I64 ? "integer" : "number";
}

void rc_catalogue_write(jw *w) {
    jw_obj_begin(w);
    jw_key(w, "key_columns");
    jw_arr_begin(w);
    jw_str(w, "point_index");
    jw_str(w, "status");
    jw_arr_end(w);
    jw_key(w, "columns");
    jw_arr_begin(w);
    for (int k = 0; k < RC_COUNT; k++) {
        const rc_column *c = &rc_columns[k];
        jw_obj_begin(w);
        jw_kstr(w, "name", c->name);
        jw_kstr(w, "type", type_name(c->type));
        jw_kstr(w, "sense", c->sense == RC_MAX ? "max" : "min");
        jw_kstr(w, "unit", c->unit);
        jw_kstr(w, "description", c->description);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}
