#!/bin/sh
# The reports of every counterexample (issue 5): for each known-bad scenario of
# spec/scenarios (expect = "violation..."), into counterexamples/<variant>/:
#   <scenario>.itf.json      the trace in ITF (docs/itf-trace.schema.json); `hpcheck replay` re-executes it
#   <scenario>.explain.txt   the story in kernel terms (`hpcheck explain`)
#   <scenario>.svg/.html     the memory map and the teaching page
#   <scenario>.guest.sh/.host.qmp  a reproducer for a real kernel under QEMU (`hpcheck repro`)
# Deterministic: running it twice gives the same bytes.
#   counterexamples/reports.sh [path/to/hpcheck]      (default: build/hpcheck)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${1:-"$root/build/hpcheck"}
case $bin in /*) ;; *) bin="$(pwd)/$bin" ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"   # scenario paths in the traces are relative to the repository
for f in spec/scenarios/*.toml; do
    grep -q '^expect = "violation' "$f" || continue
    name=$(sed -n 's/^name = "\(.*\)"/\1/p' "$f" | head -1)
    rc=0
    "$bin" --scenarios spec/scenarios check "$f" --trace-dir "$tmp" >/dev/null || rc=$?
    if [ "$rc" != 1 ]; then echo "reports.sh: $f: expected a violation (exit 1), got exit $rc" >&2; exit 1; fi
    # A boot-layout violation (spec/boot.hpp) holds before any hotplug step: no ITF trace to report.
    if ! ls "$tmp"/"$name"-*.itf.json >/dev/null 2>&1; then
        echo "counterexamples: $name: boot-layout violation, no hotplug trace (text and JSON only)"
        continue
    fi
    itf=$(ls "$tmp"/"$name"-*.itf.json)
    variant=$(basename "$itf" .itf.json); variant=${variant#"$name"-}
    out="$here/$variant"
    mkdir -p "$out"
    cp "$itf" "$out/$name.itf.json"
    "$bin" explain "$out/$name.itf.json" > "$out/$name.explain.txt"
    "$bin" svg "$out/$name.itf.json"
    "$bin" html "$out/$name.itf.json"
    if grep -q '^\[\[threads\]\]' "$f"; then
        # A race has no QEMU reproducer (the CPUs would have to stop at the model's points).
        rm -f "$tmp"/*
        echo "counterexamples/$variant/$name: itf, explain, svg, html (threaded: no repro)"
        continue
    fi
    "$bin" repro "$out/$name.itf.json" --out-dir "$out"
    rm -f "$tmp"/*
    echo "counterexamples/$variant/$name: itf, explain, svg, html, repro"
done
