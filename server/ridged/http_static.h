/* http_static.h: the dashboard's files, served from the web directory at /
 * for GET and HEAD outside /api (see http_static.c). */
#ifndef RIDGED_HTTP_STATIC_H
#define RIDGED_HTTP_STATIC_H

#include "http.h"

/* Answers the request with the file at its path, or 404. */
void http_static(http_req *r);

#endif
