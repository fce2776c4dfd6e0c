#!/usr/bin/env bash
# The C unit tests (tests/unit.c); they read tests/data relative to the top directory.
cd "$(dirname "$0")/.." && exec ./tests/unit
