/* migrations.h: the schema/ migrations compiled into ridged. */
#ifndef RIDGED_MIGRATIONS_H
#define RIDGED_MIGRATIONS_H

typedef struct ridged_migration {
    int version;      /* the NNNN prefix */
    const char *name; /* file name */
    const char *sql;  /* NUL-terminated */
} ridged_migration;

extern const ridged_migration ridged_migrations[];
extern const int ridged_migration_count;

#endif
