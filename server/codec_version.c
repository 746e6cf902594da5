/* codec_version.c: version strings for provenance. */
#include "codec.h"
#include "embedded.h"
#include "engine.h"

const char *codec_engine_version(void) { return rg_engine_version(); }
const char *codec_git_commit(void) { return rg_git_commit; }
