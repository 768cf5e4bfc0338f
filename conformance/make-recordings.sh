#!/usr/bin/env bash
# Reproduces the recordings in conformance/recordings/. Usage: make-recordings.sh [6.1|6.12|all]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
which="${1:-all}"
R="python3 record.py"
out=recordings
mkdir -p "$out"
if [ "$which" = 6.1 ] || [ "$which" = all ]; then
  $R --kernel 6.1 --memmap-on-memory 1 --steps sequences/basic.json     -o $out/r61-basic-mom1.jsonl
  $R --kernel 6.1 --memmap-on-memory 1 --steps sequences/two-dimms.json -o $out/r61-two-dimms-mom1.jsonl
  $R --kernel 6.1 --memmap-on-memory 1 --steps sequences/1g-dimm.json   -o $out/r61-1g-dimm-mom1.jsonl
  $R --kernel 6.1 --memmap-on-memory 0 --steps sequences/mom0.json      -o $out/r61-mom0.jsonl
  $R --kernel 6.1 --memmap-on-memory 1 --boot-ram-mb 4096 --steps sequences/4g-boot.json -o $out/r61-4g-boot.jsonl
  $R --kernel 6.1 --memmap-on-memory 1 --random 1 --length 40 --seed 1 -o $out/r61-random-s1.jsonl
  $R --kernel 6.1 --memmap-on-memory 1 --random 4 --length 15 --seed 2 -o $out/r61-random-s2.jsonl
  $R --kernel 6.1 --memmap-on-memory 1 --online-policy auto-movable --random 2 --length 25 --seed 3 -o $out/r61-random-s3-automovable.jsonl
fi
if [ "$which" = 6.12 ] || [ "$which" = all ]; then
  $R --kernel 6.12 --memmap-on-memory 1 --steps sequences/basic.json     -o $out/r612-basic-mom1.jsonl
  $R --kernel 6.12 --memmap-on-memory 1 --steps sequences/two-dimms.json -o $out/r612-two-dimms-mom1.jsonl
  $R --kernel 6.12 --memmap-on-memory 1 --steps sequences/1g-dimm.json   -o $out/r612-1g-dimm-mom1.jsonl
  $R --kernel 6.12 --memmap-on-memory 0 --steps sequences/mom0.json      -o $out/r612-mom0.jsonl
  $R --kernel 6.12 --memmap-on-memory 1 --boot-ram-mb 4096 --steps sequences/4g-boot.json -o $out/r612-4g-boot.jsonl
  $R --kernel 6.12 --memmap-on-memory 1 --random 1 --length 40 --seed 1 -o $out/r612-random-s1.jsonl
  $R --kernel 6.12 --memmap-on-memory 1 --online-policy auto-movable --random 2 --length 25 --seed 3 -o $out/r612-random-s3-automovable.jsonl
fi
