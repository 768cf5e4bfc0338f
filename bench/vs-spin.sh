#!/usr/bin/env bash
# hpcheck's explorer against SPIN's exact search on the same model (bench/toy.pml), one
# run after the other, in CPU seconds (user + system, so neighbours on a shared machine
# matter less): states and transitions per CPU-second and bytes per state for each.
# The last line is `toy: hpcheck/SPIN states per CPU-second: R`.
#
# Usage: bench/vs-spin.sh [BUILD_DIR] [THREADS]   (default build, 1 thread)
# SPIN: pan built with gcc -O2 -DSAFETY -DNOCLAIM -DNOREDUCE, run as ./pan -w23 -m10000000.
# (-m raises pan's depth bound: with the default 10,000 it stops at depth 9,999 of the
# 234,655 its DFS reaches and reports 5.5 M of the 8,051,785 states.)
# Bytes per state: SPIN's "total actual memory usage" / states stored; hpcheck's visited
# set (index slots, tree tables, BFS order, level lists) / states.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
threads="${2:-1}"

missing=()
while read -r pkg; do
  case "$pkg" in ''|'#'*) continue ;; esac
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done < "$root/scripts/packages-bench.txt"
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -x "$build/bench/bench_toy" ] || ninja -C "$build" bench/bench_toy >/dev/null

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/bench/toy.pml" "$work/"
(cd "$work" && spin -a toy.pml >/dev/null && gcc -O2 -DSAFETY -DNOCLAIM -DNOREDUCE -o pan pan.c)

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
(cd "$work" && /usr/bin/time -f "cpu %U %S" -o time.txt ./pan -w23 -m10000000 > pan.txt)
spin_cpu=$(awk '{print $2 + $3}' "$work/time.txt")
spin_states=$(awk '/states, stored/ {print $1}' "$work/pan.txt")
spin_trans=$(awk '/transitions \(= stored\+matched\)/ {print $1}' "$work/pan.txt")
spin_mb=$(awk '/total actual memory usage/ {print $1}' "$work/pan.txt")
grep -q "errors: 0" "$work/pan.txt" || { echo "vs-spin: pan reported errors" >&2; cat "$work/pan.txt" >&2; exit 1; }
awk -v c="$spin_cpu" -v s="$spin_states" -v t="$spin_trans" -v m="$spin_mb" 'BEGIN {
  printf "SPIN    toy: cpu_s=%.2f states=%d transitions=%d states_per_cpu_s=%.0f transitions_per_cpu_s=%.0f bytes_per_state=%.1f\n",
         c, s, t, s / c, t / c, m * 1048576 / s }'

line=$("$build/bench/bench_toy" "$threads")
echo "$line"
hp_rate=$(sed -n 's/.* states_per_cpu_s=\([0-9.]*\).*/\1/p' <<<"$line")
awk -v h="$hp_rate" -v c="$spin_cpu" -v s="$spin_states" \
  'BEGIN { printf "toy: hpcheck/SPIN states per CPU-second: %.2f\n", h / (s / c) }'
