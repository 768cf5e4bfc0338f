// v6.1 — the baseline: Linux 6.1.192 (Debian linux-source-6.1), the 5.13-6.5 semantics.
#include "spec/ops/base.hpp"
#include "spec/variants/registry.hpp"

namespace hp::HP_DOMAIN::variants {

Variant v6_1() {
    Variant v;
    v.name = "v6.1";
    v.source = "Linux 6.1.192 (Debian linux-source-6.1): mm/memory_hotplug.c, mm/sparse.c, drivers/base/memory.c, "
               "drivers/acpi/acpi_memhotplug.c";
    v.description =
        "memmap_on_memory as merged in 5.13 (a08a2ae34613): one altmap per add request, allowed only for a "
        "single memory block whose memmap fills whole PMDs; vmemmap pages join the zone at online through "
        "mhp_init_memmap_on_memory() and count as present but never managed; removal of memory with vmemmap "
        "pages only one block at a time. Zones shrink at offline (feee6b298916) in subsection steps.";
    v.ops = base::ops();
    return v;
}

}  // namespace hp::HP_DOMAIN::variants
