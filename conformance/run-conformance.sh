#!/usr/bin/env bash
# The model against the real kernel, end to end: a fixed, seeded set of random operation
# sequences is recorded on Debian's kernels under QEMU/TCG (conformance/record.py, batched into
# few boots) and replayed through the model (`hpcheck conformance --runs`), for 1 GiB and 4 GiB
# boot RAM, memmap_on_memory on and off. 6.12 is included once the model has its variant (v6.8).
#
# Usage: conformance/run-conformance.sh [HPCHECK] [--quick]
#   HPCHECK  the hpcheck binary (default: build/hpcheck)
#   --quick  one configuration only
# Exit: 0 full agreement, 1 a mismatch (or the recorder failed although QEMU starts),
#       77 skipped: QEMU (or python3) cannot start here (CTest SKIP_RETURN_CODE).
# Recordings are kept in $HPCHECK_CONFORMANCE_OUT (default: a temporary directory, named at the end).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
hp="$here/../build/hpcheck"
quick=0
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    *) hp="$a" ;;
  esac
done
skip() { echo "run-conformance: SKIPPED: $*"; exit 77; }

[ -x "$hp" ] || { echo "run-conformance: $hp is not executable" >&2; exit 2; }
command -v python3 >/dev/null || skip "python3 is missing"
if ! command -v qemu-system-x86_64 >/dev/null; then
  "$here/setup.sh" --kernel 6.1 --quiet >/dev/null 2>&1 || skip "qemu-system-x86_64 is missing and conformance/setup.sh could not install it"
fi
# Can QEMU start a TCG machine at all (no KVM needed)?
echo quit | timeout 60 qemu-system-x86_64 -machine pc -accel tcg -nodefaults -display none -S -monitor stdio \
  >/dev/null 2>&1 || skip "qemu-system-x86_64 -accel tcg does not start"
# The kernel packages and the initramfs (quick when already there).
"$here/setup.sh" --kernel 6.1 --quiet >/dev/null 2>&1 || skip "conformance/setup.sh --kernel 6.1 failed (no Debian archive?)"

out="${HPCHECK_CONFORMANCE_OUT:-$(mktemp -d /tmp/hpcheck-conformance.XXXXXX)}"
mkdir -p "$out"

# kernel boot_ram_mb memmap_on_memory runs length seed
configs=(
  "6.1 1024 1 3 15 601"
  "6.1 1024 0 2 12 602"
  "6.1 4096 1 2 15 603"
  "6.1 4096 0 2 12 604"
)
if "$hp" list variants | grep -q '^v6\.8 '; then
  if "$here/setup.sh" --kernel 6.12 --quiet >/dev/null 2>&1; then
    configs+=("6.12 1024 1 2 15 1201" "6.12 4096 1 2 12 1202")
  else
    echo "run-conformance: 6.12 not run: conformance/setup.sh --kernel 6.12 failed"
  fi
else
  echo "run-conformance: 6.12 not run: the model has no variant v6.8 yet"
fi
[ "$quick" = 1 ] && configs=("${configs[0]}")

fail=0
start=$(date +%s.%N)
for c in "${configs[@]}"; do
  read -r k ram mom runs len seed <<<"$c"
  rec="$out/k$k-ram$ram-mom$mom-seed$seed.jsonl"
  echo "=== kernel $k, boot RAM $ram MiB, memmap_on_memory=$mom: $runs sequences x $len ops, seed $seed"
  "$hp" conformance --runs "$runs" --length "$len" --seed "$seed" --kernel "$k" --boot-ram-mb "$ram" \
    --memmap-on-memory "$mom" --recorder "$here/record.py" --keep "$rec"
  rc=$?
  case $rc in
    0) ;;
    1) echo "run-conformance: MISMATCH in $rec"; fail=1 ;;
    *) echo "run-conformance: failed (exit $rc) for $c"; fail=1 ;;
  esac
done
end=$(date +%s.%N)
ls "$out"/*.jsonl >/dev/null 2>&1 && "$hp" conformance --recording "$out" --max-mismatches 5 | sed -n '/^conformance:/,$p'
echo "run-conformance: total wall $(python3 -c "print(f'{$end-$start:.1f}')") s; recordings in $out"
exit $fail
