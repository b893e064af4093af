// base/version.h: snug's version, reported by `snug --version` and GET /api/version.
#pragma once
#define SNUG_VERSION_STRING "0.1.0"
