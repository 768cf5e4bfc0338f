#!/bin/sh
# Builds the two kernels of the `hpcheck conformance --kernel-image` demo from Debian's
# linux-source-6.1 (docs/conformance-kernel-image.md): an unmodified one and one with a single
# broken line (remove_pfn_range_from_zone() no longer calls shrink_zone_span(): offline leaves
# the zone spanning the offline memory). A small config (tinyconfig + what the harness needs,
# checker/kernel_config.cpp) so that it builds on few cores.
#
# Usage: conformance/build-test-kernels.sh [WORKDIR]   (default /tmp/hpcheck-kernels)
# Prints the two bzImage paths. Needs: apt-get install linux-source-6.1 build-essential bc bison flex libelf-dev
set -eu
work=${1:-/tmp/hpcheck-kernels}
mkdir -p "$work"
cd "$work"
[ -d linux-source-6.1 ] || tar -xf /usr/src/linux-source-6.1.tar.xz
cd linux-source-6.1
if [ ! -f .config ]; then
  make -s tinyconfig
  scripts/config -e 64BIT -e PRINTK -e TTY -e SERIAL_8250 -e SERIAL_8250_CONSOLE -e BLK_DEV_INITRD -e RD_GZIP \
    -e BINFMT_ELF -e BINFMT_SCRIPT -e PROC_FS -e SYSFS -e DEVTMPFS -e PCI -e ACPI -e SPARSEMEM_MANUAL \
    -e SPARSEMEM_VMEMMAP -e MEMORY_HOTPLUG -e MEMORY_HOTREMOVE -e MIGRATION -e MHP_MEMMAP_ON_MEMORY \
    -e ACPI_HOTPLUG_MEMORY -e NUMA -e MULTIUSER -e FUTEX -e EPOLL -e SHMEM -e TMPFS -e HUGETLBFS
  make -s olddefconfig
fi
nice -n 19 make -s -j"$(nproc)" bzImage
cp arch/x86/boot/bzImage "$work/bzImage-unmodified"
cp .config "$work/config"
# The one broken line (mm/memory_hotplug.c:489 in 6.1.192).
sed -i 's/^\tshrink_zone_span(zone, start_pfn, start_pfn + nr_pages);$/\t\/* hpcheck demo: shrink_zone_span() removed *\//' mm/memory_hotplug.c
grep -q 'hpcheck demo: shrink_zone_span() removed' mm/memory_hotplug.c
nice -n 19 make -s -j"$(nproc)" bzImage
cp arch/x86/boot/bzImage "$work/bzImage-broken"
# Leave the tree unmodified again.
sed -i 's/^\t\/\* hpcheck demo: shrink_zone_span() removed \*\/$/\tshrink_zone_span(zone, start_pfn, start_pfn + nr_pages);/' mm/memory_hotplug.c
echo "$work/bzImage-unmodified"
echo "$work/bzImage-broken"
