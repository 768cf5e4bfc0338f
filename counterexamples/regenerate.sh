#!/bin/sh
# Regenerate counterexamples/<variant>/<scenario>.trace.{txt,json}: the shortest violating
# trace of every known-bad scenario of spec/scenarios (expect = "violation: ..."), found by
# breadth-first exploration. One command; deterministic output (tests/test_variants.cpp
# regenerates the same text in memory and compares it with these files).
#   counterexamples/regenerate.sh [path/to/hpcheck]      (default: build/hpcheck)
#   counterexamples/regenerate.sh BIN --check            (compare only, exit 1 if stale)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${1:-"$root/build/hpcheck"}
[ $# -gt 0 ] && shift
"$bin" --scenarios "$root/spec/scenarios" counterexamples --out "$here" "$@"

# Issue 5: ITF, explanation, SVG, HTML and reproducer per counterexample
# (counterexamples/<variant>/<scenario>.{itf.json,explain.txt,svg,html,guest.sh,host.qmp}).
"$here/reports.sh" "$bin"
