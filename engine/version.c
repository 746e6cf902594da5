/* version.c: the engine version, set by the build from the project version. */
#include "engine.h"

#ifndef RIDGE_ENGINE_VERSION
#define RIDGE_ENGINE_VERSION "0.0.0"
#endif

const char *rg_engine_version(void) { return RIDGE_ENGINE_VERSION; }
