/* codec_data.c: the embedded data files, parsed once.
 *
 * On first use (pthread_once) every data file compiled into the binary is
 * parsed: data/defaults.json becomes the typed default spec, data/
 * assumptions.json fills every assumption's value and metadata, and each
 * preset under hardware/, models/, systems/ is walked through the same field
 * table into a typed section. After that the cache is read-only, so parsing
 * specs from many threads needs no locks. A malformed data file is an
 * RG_EINTERNAL error that names the file and field. The loader works on any
 * list of files, so tests can feed it broken ones. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_data.h"
#include "embedded.h"

static pthread_once_t data_once = PTHREAD_ONCE_INIT;
static int data_status;
static rg_err data_err;
static codec_data data; /* the process-wide instance; read-only after init */

typedef struct preset_dir {
    const char *dir;  /* "hardware/" */
    const char *kind; /* the kind name used in specs and listings */
    const char *row;  /* the field-table section */
} preset_dir;

static const preset_dir preset_dirs[] = {
    {"hardware/", "hardware", "hardware"},
    {"models/", "models", "model"},
    {"systems/", "systems", "system"},
};

static pthread_once_t index_once = PTHREAD_ONCE_INIT;

static const rg_embedded_file *find_file(const rg_embedded_file *files, int n, const char *path) {
    for (int i = 0; i < n; i++)
        if (strcmp(files[i].path, path) == 0)
            return &files[i];
    return NULL;
}

/* Parse a file; the result is owned by `d` (released with it). */
static cJSON *parse_file(codec_data *d, const rg_embedded_file *f, rg_err *err) {
    if (d->nroots == (int)(sizeof d->roots / sizeof d->roots[0])) {
        rg_err_set(err, RG_EINTERNAL, f->path, "more than %d data files", CODEC_PRESETS_MAX);
        return NULL;
    }
    cJSON *j = cJSON_ParseWithLengthOpts(f->data, f->size + 1, NULL, 1);
    if (!j) {
        rg_err_set(err, RG_EINTERNAL, f->path, "data file is not valid JSON");
        return NULL;
    }
    d->roots[d->nroots++] = j;
    return j;
}

/* Prefix an error's field with the data file it came from. */
static int in_file(rg_err *err, const char *file) {
    char field[sizeof err->field];
    size_t n = strlen(file);
    if (n + 2 < sizeof field) {
        memcpy(field, file, n);
        field[n] = ':';
        field[n + 1] = ' ';
        size_t room = sizeof field - n - 3;
        size_t m = strlen(err->field);
        if (m > room)
            m = room;
        memcpy(field + n + 2, err->field, m);
        field[n + 2 + m] = '\0';
        memcpy(err->field, field, sizeof field);
    }
    err->code = RG_EINTERNAL;
    return RG_EINTERNAL;
}

static const char *str_item(const cJSON *o, const char *k) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static int load_assumptions(codec_data *d, const rg_embedded_file *files, int n, rg_err *err) {
    const char *path = "assumptions.json";
    const rg_embedded_file *f = find_file(files, n, path);
    if (!f)
        return rg_err_set(err, RG_EINTERNAL, path, "data/assumptions.json is missing from this build");
    cJSON *j = parse_file(d, f, err);
    if (!j)
        return RG_EINTERNAL;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "assumptions");
    const cJSON *it;
    if (!cJSON_IsArray(arr))
        return rg_err_set(err, RG_EINTERNAL, path, "expected {\"assumptions\": [...]}");
    cJSON_ArrayForEach(it, arr) {
        const char *name = str_item(it, "name");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (!name)
            return rg_err_set(err, RG_EINTERNAL, path, "an assumption has no name");
        int id = rg_assumption_find(name);
        if (id < 0)
            return rg_err_set(err, RG_EINTERNAL, path, "assumption \"%s\" is not in engine/assumptions.h",
                              name);
        if (d->default_spec.assumptions.set[id])
            return rg_err_set(err, RG_EINTERNAL, path, "assumption \"%s\" is listed twice", name);
        if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble)
            return rg_err_set(err, RG_EINTERNAL, path, "assumption \"%s\" has no numeric value", name);
        d->default_spec.assumptions.v[id] = v->valuedouble;
        d->default_spec.assumptions.set[id] = 1;
        d->ameta[id].value = v->valuedouble;
        d->ameta[id].unit = str_item(it, "unit");
        d->ameta[id].source = str_item(it, "source");
        d->ameta[id].confidence = str_item(it, "confidence");
        d->ameta[id].description = str_item(it, "description");
    }
    for (int i = 0; i < RG_A_COUNT; i++)
        if (!d->default_spec.assumptions.set[i])
            return rg_err_set(err, RG_EINTERNAL, rg_assumption_name(i),
                              "assumption missing from data/assumptions.json");
    return 0;
}

static int load_defaults(codec_data *d, const rg_embedded_file *files, int n, rg_err *err) {
    const char *path = "defaults.json";
    const rg_embedded_file *f = find_file(files, n, path);
    if (!f)
        return rg_err_set(err, RG_EINTERNAL, path, "data/defaults.json is missing from this build");
    cJSON *j = parse_file(d, f, err);
    if (!j)
        return RG_EINTERNAL;
    d->defaults_json = j;
    const cJSON *dj = cJSON_GetObjectItemCaseSensitive(j, "defaults");
    if (!cJSON_IsObject(dj))
        return rg_err_set(err, RG_EINTERNAL, path, "expected {\"defaults\": {...}}");
    int rc = codec_walk(d, dj, -1, &d->default_spec, 0, err);
    return rc ? in_file(err, path) : 0;
}

static int load_presets(codec_data *d, const rg_embedded_file *files, int n, rg_err *err) {
    for (int i = 0; i < n; i++) {
        const rg_embedded_file *f = &files[i];
        const preset_dir *pd = NULL;
        for (size_t k = 0; k < sizeof preset_dirs / sizeof preset_dirs[0]; k++)
            if (strncmp(f->path, preset_dirs[k].dir, strlen(preset_dirs[k].dir)) == 0)
                pd = &preset_dirs[k];
        if (!pd)
            continue;
        if (d->npresets == CODEC_PRESETS_MAX)
            return rg_err_set(err, RG_EINTERNAL, f->path, "more than %d presets", CODEC_PRESETS_MAX);
        cJSON *j = parse_file(d, f, err);
        if (!j)
            return RG_EINTERNAL;
        codec_preset *p = &d->presets[d->npresets];
        p->kind = pd->kind;
        p->json = j;
        p->name = str_item(j, "name");
        p->description = str_item(j, "description");
        /* The file name is the preset name: hardware/h100-sxm.json. */
        const char *stem = f->path + strlen(pd->dir);
        size_t len = strlen(stem);
        if (!p->name || len < 6 || strcmp(stem + len - 5, ".json") != 0 || strlen(p->name) != len - 5 ||
            strncmp(stem, p->name, len - 5) != 0)
            return rg_err_set(err, RG_EINTERNAL, f->path, "\"name\" must match the file name");
        if (!p->description)
            return rg_err_set(err, RG_EINTERNAL, f->path, "\"description\" is required");
        if (cJSON_GetObjectItemCaseSensitive(j, "preset"))
            return rg_err_set(err, RG_EINTERNAL, f->path, "a preset file cannot name another preset");
        if (codec_data_preset_find(d, pd->kind, p->name))
            return rg_err_set(err, RG_EINTERNAL, f->path, "duplicate preset name");
        p->spec = d->default_spec;
        int rc = codec_walk(d, j, codec_field_find(pd->row), &p->spec, 1, err);
        if (rc)
            return in_file(err, f->path);
        if (strcmp(pd->kind, "systems") == 0)
            p->spec.has_system = true;
        d->npresets++;
    }
    return 0;
}

int codec_data_load(codec_data *d, const rg_embedded_file *files, int n, rg_err *err) {
    pthread_once(&index_once, codec_fields_index);
    d->default_spec.hw.silicon.mac_format = -1; /* no silicon unless a spec gives one */
    d->default_spec.ppa = &d->ppa;
    int rc = codec_ppa_load(d, files, n, err);
    if (rc == 0)
        rc = load_assumptions(d, files, n, err);
    if (rc == 0)
        rc = load_defaults(d, files, n, err);
    if (rc == 0)
        rc = load_presets(d, files, n, err);
    return rc;
}

void codec_data_release(codec_data *d) {
    if (!d)
        return;
    for (int i = 0; i < d->nroots; i++)
        cJSON_Delete(d->roots[i]);
    memset(d, 0, sizeof *d);
}

static void data_load(void) {
    rg_err err = {0};
    data_status = codec_data_load(&data, rg_embedded_files, rg_embedded_count, &err);
    data_err = err;
}

int codec_data_init(rg_err *err) {
    pthread_once(&data_once, data_load);
    if (data_status && err)
        *err = data_err;
    return data_status;
}

int codec_init(rg_err *err) { return codec_data_init(err); }

const codec_data *codec_data_get(void) { return &data; }
const rg_spec *codec_default_spec(void) { return &data.default_spec; }
const cJSON *codec_defaults_json(void) { return data.defaults_json; }
int codec_preset_count(void) { return data.npresets; }
const codec_preset *codec_preset_at(int i) { return i >= 0 && i < data.npresets ? &data.presets[i] : NULL; }
const codec_assumption_meta *codec_assumption_meta_get(int id) {
    return id >= 0 && id < RG_A_COUNT ? &data.ameta[id] : NULL;
}

const codec_preset *codec_preset_find(const char *kind, const char *name) {
    return codec_data_preset_find(&data, kind, name);
}
