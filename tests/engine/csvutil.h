/* csvutil.h: a tiny reader for the reference CSVs in tests/reference/numerics
 * (comma-separated, no quoting, empty fields kept). Test-only. */
#ifndef RG_CSVUTIL_H
#define RG_CSVUTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX_FIELDS 32

typedef struct csv_row {
    char line[1024];
    char *f[CSV_MAX_FIELDS];
    int n;
} csv_row;

/* Read the next line into `r`, split on commas. Returns 0 at EOF. */
static inline int csv_next(FILE *fp, csv_row *r) {
    if (!fgets(r->line, sizeof r->line, fp))
        return 0;
    r->line[strcspn(r->line, "\r\n")] = '\0';
    r->n = 0;
    char *p = r->line;
    for (;;) {
        if (r->n < CSV_MAX_FIELDS)
            r->f[r->n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return 1;
}

/* Open RIDGE_REFERENCE_DIR/numerics/<name> and skip the header line. */
static inline FILE *csv_open(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/numerics/%s", RIDGE_REFERENCE_DIR, name);
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    csv_row hdr;
    if (!csv_next(fp, &hdr)) {
        fclose(fp);
        return NULL;
    }
    return fp;
}

/* A value cell: C99 hexfloat or decimal via strtod; "nan", "inf", "-inf";
 * "ERR_..." (the format cannot represent the result) reads as NaN. */
static inline double csv_value(const char *s) {
    if (strncmp(s, "ERR", 3) == 0 || strcmp(s, "nan") == 0)
        return NAN;
    if (strcmp(s, "inf") == 0)
        return INFINITY;
    if (strcmp(s, "-inf") == 0)
        return -INFINITY;
    return strtod(s, NULL);
}

static inline unsigned long csv_hex(const char *s) { return strtoul(s, NULL, 16); }

#endif
