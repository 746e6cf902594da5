/* trace_file.c: serving.trace_file, the request trace a spec names by path
 * (cli.h). Only the CLI reads such a file: the service refuses the key
 * (codec_fields.c) and takes the rows inline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "codec_trace.h"

#define FIELD "serving.trace_file"

/* The file's path: absolute as given, otherwise relative to the directory
 * of `spec_path` ("-": the working directory). The caller frees it. */
static char *trace_path(const char *name, const char *spec_path) {
    const char *slash = strrchr(spec_path, '/');
    size_t dir =
        name[0] == '/' || strcmp(spec_path, "-") == 0 || !slash ? 0 : (size_t)(slash - spec_path) + 1;
    size_t n = strlen(name);
    char *p = malloc(dir + n + 1);
    if (p) {
        memcpy(p, spec_path, dir);
        memcpy(p + dir, name, n + 1);
    }
    return p;
}

int cli_trace_resolve(cJSON *json, const char *spec_path) {
    cJSON *sv = cJSON_GetObjectItemCaseSensitive(json, "serving");
    cJSON *tf = cJSON_GetObjectItemCaseSensitive(sv, "trace_file"), *rows = NULL, *arrival = NULL;
    char *path = NULL, *text = NULL;
    size_t len = 0;
    rg_err e = {0};
    int status = 2;
    if (!tf)
        return 0;
    if (!cJSON_IsString(tf) || !tf->valuestring[0]) {
        fprintf(stderr, "ridge: " FIELD ": expected the path of a CSV or JSON-lines trace\n");
        return 2;
    }
    arrival = cJSON_GetObjectItemCaseSensitive(sv, "arrival");
    if (arrival && !cJSON_IsObject(arrival)) {
        fprintf(stderr, "ridge: serving.arrival: expected an object\n");
        return 2;
    }
    if (cJSON_GetObjectItemCaseSensitive(arrival, "trace")) {
        fprintf(stderr,
                "ridge: " FIELD ": give the trace once: serving.trace_file or serving.arrival.trace\n");
        return 2;
    }
    path = trace_path(tf->valuestring, spec_path);
    if (!path) {
        fprintf(stderr, "ridge: out of memory\n");
        status = 1;
        goto out;
    }
    text = cli_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "ridge: " FIELD ": cannot read '%s': %s\n", path, strerror(errno));
        goto out;
    }
    if (codec_trace_parse(text, len, FIELD, &rows, &e) != 0) {
        fprintf(stderr, "ridge: %s: %s (%s)\n", e.field, e.msg, path);
        status = e.code == RG_ENOMEM ? 1 : 2;
        goto out;
    }
    if (!arrival) {
        arrival = cJSON_AddObjectToObject(sv, "arrival");
        if (!arrival) {
            fprintf(stderr, "ridge: out of memory\n");
            status = 1;
            goto out;
        }
    }
    if (!cJSON_AddItemToObject(arrival, "trace", rows)) {
        fprintf(stderr, "ridge: out of memory\n");
        status = 1;
        goto out;
    }
    rows = NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(sv, "trace_file");
    status = 0;
out:
    cJSON_Delete(rows);
    free(text);
    free(path);
    return status;
}
