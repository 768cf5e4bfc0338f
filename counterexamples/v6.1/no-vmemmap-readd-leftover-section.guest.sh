#!/bin/sh
# hpcheck 0.1.0 reproducer (guest side) for no-vmemmap-readd-leftover-section.itf.json
# scenario no-vmemmap-readd-leftover-section (spec/scenarios/98-no-vmemmap-readd-leftover-section.toml), model variant v6.1
# the model's verdict at the end: section-memmap: node0: 8704 pages of node memory hold memmaps, the present sections need 8192
#
# Run as root in the guest (busybox sh is enough). Boot the guest as in conformance/ and
# docs/kernel-reference.md §9:
#   qemu-system-x86_64 -machine pc -accel tcg -m 128M,slots=1,maxmem=8G ... -serial stdio \
#     -serial unix:HOSTCHAN,server=on,wait=off -qmp unix:QMPSOCK,server=on,wait=off \
#     -append 'console=ttyS0 memhp_default_state=offline memory_hotplug.memmap_on_memory=0'
# DIMM steps are done by the host (the .host.qmp file): the guest prints HPCHECK-HOST-STEP <n> on the
# console and waits for a line on /dev/ttyS1 (HPCHECK_CHAN) before it checks the result.
# The model assumes QEMU places DIMMs where the scenario says (first fit from 4 GiB).
# Exit status: 0 when every check matched the model, 1 otherwise.

set -u
CHAN=${HPCHECK_CHAN:-/dev/ttyS1}
MEM=/sys/devices/system/memory
fail=0
STEP=0

# zone NODE ZONE FIELD: a value from /proc/zoneinfo (FIELD: start_pfn: spanned present managed)
zone() {
  awk -v n="$1," -v z="$2" -v f="$3" '$1=="Node" { cur = ($2==n && $4==z) }
    cur && $1==f { print $2; exit }' /proc/zoneinfo
}
check() { # WHAT GOT WANT
  if [ "$2" = "$3" ]; then echo "ok   step $STEP: $1 = $3"; else echo "FAIL step $STEP: $1 = $2, the model says $3"; fail=1; fi
}
expect_zone() { # NODE ZONE START SPANNED PRESENT [MANAGED]
  check "node $1 $2 start_pfn" "$(zone $1 $2 start_pfn:)" "$3"
  check "node $1 $2 spanned" "$(zone $1 $2 spanned)" "$4"
  check "node $1 $2 present" "$(zone $1 $2 present)" "$5"
  [ $# -ge 6 ] && check "node $1 $2 managed" "$(zone $1 $2 managed)" "$6"
  return 0
}
write() { # FILE VALUE EXPECTED(ok|error text)
  if echo "$2" > "$1" 2>/tmp/hpcheck.err; then got=ok; else got=$(sed 's/.*: //' /tmp/hpcheck.err); fi
  check "echo $2 > $1" "$got" "$3"
}
host_step() { # N: let the host run its QMP commands for step N
  echo "HPCHECK-HOST-STEP $1"
  read -r line < "$CHAN"
  sleep 1
}


# step 1: add dimm0 [fault section-enomem#1]  (model: -ENOMEM)
STEP=1
echo "note step 1: the model injects fault section-enomem here; a real kernel cannot be forced to, so the result may differ"
host_step 1
check "memory2 exists" "$([ -e $MEM/memory2 ] && echo yes || echo no)" "no"

# step 2: eject dimm0  (model: success)
STEP=2
host_step 2
check "memory2 state" "$(cat $MEM/memory2/state 2>/dev/null || echo absent)" "absent"

# step 3: add dimm0  (model: success)
STEP=3
host_step 3
check "memory2 exists" "$([ -e $MEM/memory2 ] && echo yes || echo no)" "yes"

if [ $fail = 0 ]; then echo "HPCHECK-REPRO: the kernel behaved as the model says"; else echo "HPCHECK-REPRO: the kernel differs from the model (see FAIL lines)"; fi
exit $fail
