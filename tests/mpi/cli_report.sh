#!/bin/sh
# hpcheck-mpi under mpirun -np 2 prints the report hpcheck prints (--threads 1), writes the
# same JSON once, and exits with the same code: on a violation with a trace, a pass, and a
# threaded scenario. Times and bytes per state are blanked (they depend on the machine).
# Usage: cli_report.sh MPIRUN HPCHECK_MPI HPCHECK   (run from the source tree)
set -u
MPIRUN=$1 HPMPI=$2 HP=$3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
blank() { sed -E 's/[0-9.]+ s, [0-9]+ bytes\/state/X s, X bytes\/state/; s/"(seconds|bytes_per_state)": [0-9.e+-]+/"\1": X/'; }
fail=0
for sc in spec/scenarios/bug-shrink-zone-span-pfn-valid.toml spec/scenarios/19-four-dimms-explore.toml \
          $(ls spec/scenarios/*.toml | grep -m1 -- '-race\|thread'); do
    [ -f "$sc" ] || { echo "missing $sc"; fail=1; continue; }
    "$HP" check "$sc" --threads 1 --json "$tmp/one.json" > "$tmp/one.txt" 2> "$tmp/one.err"; rc1=$?
    "$MPIRUN" -np 2 --oversubscribe "$HPMPI" check "$sc" --json "$tmp/mpi.json" > "$tmp/mpi.txt" 2> "$tmp/mpi.err"; rc2=$?  # stderr: mpirun's own notes
    if [ "$rc1" != "$rc2" ]; then echo "$sc: exit $rc2, expected $rc1"; fail=1; fi
    for k in txt json; do
        blank < "$tmp/one.$k" > "$tmp/a"; blank < "$tmp/mpi.$k" > "$tmp/b"
        if ! cmp -s "$tmp/a" "$tmp/b"; then echo "$sc: .$k differs"; diff "$tmp/a" "$tmp/b" | head -20; fail=1; fi
    done
    n=$(ls "$tmp" | grep -c '^mpi.json') ; [ "$n" = 1 ] || { echo "$sc: $n JSON files"; fail=1; }
    rm -f "$tmp"/mpi.json.tmp.* "$tmp/one.json" "$tmp/mpi.json"
    [ "$fail" = 0 ] && echo "$sc: exit $rc2, report identical"
done
exit $fail
