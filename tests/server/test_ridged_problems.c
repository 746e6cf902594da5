/* test_ridged_problems.c: every row of the status table (engine/status.h)
 * is a problem type with a distinct name, an HTTP error status and its
 * documentation page (api_problems.c). */
#include <string.h>

#include "api.h"
#include "testutil.h"

int main(void) {
    int n = rg_status_count();
    CHECK(n > 20);
    CHECK_EQ_INT(rg_status_at(0), RG_OK);
    for (int i = 1; i < n; i++) {
        int c = rg_status_at(i);
        int http = rg_status_http(c);
        CHECK_MSG(http >= 400 && http < 600, "%s maps to HTTP %d", rg_status_name(c), http);
        CHECK_MSG(api_problem_documented(c), "%s has no documentation page", rg_status_name(c));
        const char *t = rg_status_type(c);
        CHECK_MSG(t[0] && strspn(t, "abcdefghijklmnopqrstuvwxyz-") == strlen(t), "type \"%s\"", t);
        for (int j = 1; j < i; j++)
            CHECK_MSG(strcmp(t, rg_status_type(rg_status_at(j))) != 0, "type %s used twice", t);
    }
    CHECK_STR(rg_status_type(RG_EORIGIN), "cross-origin");
    CHECK_EQ_INT(rg_status_http(RG_EMEDIA), 415);
    return tu_status("test_ridged_problems");
}
