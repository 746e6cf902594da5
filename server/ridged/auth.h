/* auth.h: API tokens. A token is "rg_" + 64 random hex digits, shown once
 * at creation; the database keeps only its SHA-256, with a name (the author
 * recorded in provenance) and a role (read or write). */
#ifndef RIDGED_AUTH_H
#define RIDGED_AUTH_H

#include <stdbool.h>

#include "db.h"
#include "http.h"

/* Authenticates the request (Authorization: Bearer). Returns false after
 * answering 401/403 when the route needs a role the caller lacks. */
bool auth_check(http_req *r, bool write);

/* Creates a token; writes it (NUL-terminated) into `token` (at least 68
 * bytes). Returns 0, or -1 with a message in errbuf. */
int auth_token_create(PGconn *pg, const char *name, const char *role, char *token, char *errbuf, size_t cap);

#endif
