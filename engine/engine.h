/* engine.h: Ridge's engine, one include for its users. */
#ifndef RG_ENGINE_H
#define RG_ENGINE_H

#include "assumptions.h"
#include "energy.h"
#include "formats.h"
#include "result.h"
#include "silicon.h"
#include "spec.h"
#include "status.h"
#include "evaluate.h"

/* The engine's semantic version ("0.1.0"); stored with every result. */
const char *rg_engine_version(void);

#endif
