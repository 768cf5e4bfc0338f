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
# Issue 13: NUMA, cold-plugged DIMMs, movable_node, kernelcore=/movablecore=, memhp_default_state,
# auto-movable with a ratio, on both kernel lines (every sequence with cold-plugged DIMMs boots anew).
for k in 6.1 6.12; do
  if [ "$which" != all ] && [ "$which" != "$k" ]; then continue; fi
  p=r$(echo $k | tr -d .)
  $R --kernel $k --numa 768,256,0 --steps sequences/numa.json -o $out/$p-numa.jsonl
  $R --kernel $k --coldplug c1:256 --coldplug c2:128 --steps sequences/coldplug.json -o $out/$p-coldplug.jsonl
  $R --kernel $k --numa 1024,0 --coldplug c1:256:1 --steps sequences/coldplug.json -o $out/$p-coldplug-numa.jsonl
  $R --kernel $k --extra-cmdline movable_node --steps sequences/movable-node.json -o $out/$p-movable-node.jsonl
  $R --kernel $k --extra-cmdline movable_node --random 2 --length 20 --seed 11 -o $out/$p-rnd-movable-node-11.jsonl
  $R --kernel $k --boot-ram-mb 4096 --extra-cmdline movablecore=256M --random 2 --length 20 --seed 12 -o $out/$p-rnd-movablecore-12.jsonl
  $R --kernel $k --boot-ram-mb 4096 --extra-cmdline kernelcore=3584M --random 2 --length 20 --seed 13 -o $out/$p-rnd-kernelcore-13.jsonl
  # kernelcore=mirror on a machine with no mirrored memory: 6.1 makes all memory above 4 GiB
  # ZONE_MOVABLE, 6.6+ ignores it (0db31d63f27e); QEMU has no EFI_MEMORY_MORE_RELIABLE ranges.
  # Boot memory blocks offlined and onlined by id (hpcheck's boot_blocks), next to a boot ZONE_MOVABLE.
  $R --kernel $k --boot-ram-mb 4096 --extra-cmdline kernelcore=3584M --steps sequences/boot-blocks.json -o $out/$p-boot-blocks-kernelcore.jsonl
  $R --kernel $k --boot-ram-mb 4096 --extra-cmdline kernelcore=mirror --random 2 --length 20 --seed 17 -o $out/$p-rnd-kernelcore-mirror-17.jsonl
  $R --kernel $k --default-state online_kernel --random 2 --length 20 --seed 14 -o $out/$p-rnd-online_kernel-14.jsonl
  $R --kernel $k --online-policy auto-movable --extra-cmdline memory_hotplug.auto_movable_ratio=100 --default-state online --random 2 --length 20 --seed 15 -o $out/$p-rnd-automovable-ratio100-15.jsonl
  $R --kernel $k --numa 512,512 --random-nodes 2 --online-policy auto-movable --random 2 --length 20 --seed 16 -o $out/$p-rnd-numa-automovable-16.jsonl
done
# virtio-mem (Big Block Mode, then Sub Block Mode): a 512 MiB region with 128 MiB device blocks next to a pc-dimm, and
# a 1 GiB region with 256 MiB blocks (big blocks of two memory blocks: the dynamic group's
# unit_pages) under auto-movable. Needs the virtio modules in the initramfs (setup.sh --virtio-mem,
# run by record.py); an unplug that does not finish within --vmem-unplug-wait (5 s) is EBUSY.
for k in 6.1 6.12; do
  if [ "$which" != all ] && [ "$which" != "$k" ]; then continue; fi
  p=r$(echo $k | tr -d .)
  $R --kernel $k --memmap-on-memory 1 --virtio-mem vm0:512:128 --steps sequences/vmem-bbm.json -o $out/$p-vmem-bbm.jsonl
  $R --kernel $k --memmap-on-memory 1 --online-policy auto-movable --virtio-mem vm0:1024:256 --steps sequences/vmem-automovable.json -o $out/$p-vmem-automovable.jsonl
  $R --kernel $k --memmap-on-memory 1 --online-policy auto-movable --default-state online --extra-cmdline memory_hotplug.auto_movable_ratio=20 --virtio-mem vm0:1024:256 --steps sequences/vmem-autoonline.json -o $out/$p-vmem-autoonline-ratio20.jsonl
  # Sub Block Mode: 64 MiB (two sub-blocks per memory block) and 32 MiB (four) device blocks
  $R --kernel $k --memmap-on-memory 1 --virtio-mem vm0:256:64 --steps sequences/vmem-sbm.json -o $out/$p-vmem-sbm.jsonl
  $R --kernel $k --memmap-on-memory 1 --online-policy auto-movable --default-state online --virtio-mem vm0:384:32 --steps sequences/vmem-sbm-autoonline.json -o $out/$p-vmem-sbm-autoonline.jsonl
  $R --kernel $k --memmap-on-memory 1 --numa 512,512 --online-policy auto-movable --default-state online --virtio-mem vm0:512:256:1 --virtio-mem vm1:512:128:0 --steps sequences/vmem-numa-two-devices.json -o $out/$p-vmem-numa-two-devices.jsonl
done
