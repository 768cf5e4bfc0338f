// Subsection hot-add (issue 10 item 3; spec/ops/subsection.cpp): ZONE_DEVICE ranges in
// sections of their own and in sections shared with boot RAM, step by step under v6.1.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "spec/scenario.hpp"
#include "spec/variant.hpp"

using namespace hp;

namespace {
std::string scenario_path(const std::string& file) { return std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file; }
const KernelOps& v61() { return find_variant("v6.1")->ops; }
int step(const Machine& m, KernelState& s, ActionKind k, unsigned dev, const KernelOps& ops = v61()) {
    const StepResult r = apply_action(m, ops, s, Action{k, static_cast<std::uint8_t>(dev), 1, {}});
    CHECK(r.nobs == 0);  // no kernel path made an observation an invariant would judge
    return r.rc;
}
bool online_page(const Machine& m, KernelState& s, pfn_t pfn) {
    Kernel k(m, v61(), s);
    return k.ops.pfn_to_online_page(k, pfn);
}
bool valid(const Machine& m, KernelState& s, pfn_t pfn) {
    Kernel k(m, v61(), s);
    return k.ops.pfn_valid(k, pfn);
}
std::string write_temp(const std::string& name, const std::string& text) {
    const std::string p = (std::filesystem::temp_directory_path() / ("hpcheck-test-" + name)).string();
    std::ofstream(p) << text;
    return p;
}
}  // namespace

TEST_CASE("zone-device: the early section shared by boot RAM and two namespaces") {
    const Scenario sc = load_scenario(scenario_path("52-pmem-mixed-sections-explore.toml"));
    const Machine& m = sc.machine;
    REQUIRE(m.dev_sections.size() == 2);
    CHECK(m.dev_sections[0].start_pfn == 0x1f8000);
    CHECK(m.dev_sections[0].early);
    CHECK(m.dev_sections[0].boot_map == 0xffffffffull);  // [0x1f8000, 0x1fc000): 32 subsections of boot RAM
    CHECK_FALSE(m.dev_sections[1].early);
    KernelState s = initial_state(m);
    CHECK(s.dev_sections[0].flags == (SEC_VALID | SEC_ONLINE | SEC_USAGE));
    CHECK(s.dev_sections[1].flags == 0);
    // Before memremap_pages(): early sections answer pfn_valid() for the whole section, but the
    // pmem subsections are not online pages.
    CHECK(valid(m, s, 0x1fc000));
    CHECK_FALSE(online_page(m, s, 0x1fc000));
    CHECK(online_page(m, s, 0x1fbe00));  // boot RAM of the same section

    CHECK(step(m, s, ActionKind::DEV_MAP, 0) == 0);
    CHECK(s.dev_sections[0].subsection_map == 0xffffffffull + (0xffffull << 32));
    CHECK((s.dev_sections[0].flags & SEC_TAINT_ZONE_DEVICE) != 0);  // the range starts inside the section
    CHECK(s.dev_zone[0].zone_start_pfn == 0x1fc000);
    CHECK(s.dev_zone[0].spanned_pages == 0x2000);
    CHECK(s.nodes[0].node_start_pfn + s.nodes[0].node_spanned_pages == 0x1fe000);  // resize_pgdat_range()
    CHECK(s.buddy_vmemmap_pages[0] == 0);  // early section: the boot memmap is reused, nothing populated
    CHECK(s.devices[0].memmap == DEV_MEMMAP_REST);
    CHECK_FALSE(online_page(m, s, 0x1fc000));  // tainted: get_dev_pagemap() finds namespace0
    CHECK(online_page(m, s, 0x1fbe00));
    CHECK(step(m, s, ActionKind::SOFT_OFFLINE, 0) == -EIO);

    // namespace1: the rest of the early section and 4 MiB of the next one, memmap on the device.
    CHECK(step(m, s, ActionKind::DEV_MAP, 1) == 0);
    CHECK(s.dev_sections[0].subsection_map == ~0ull);
    CHECK(s.dev_sections[1].subsection_map == 3);
    CHECK(s.dev_sections[1].flags == (SEC_VALID | SEC_TAINT_ZONE_DEVICE | SEC_USAGE));
    CHECK(s.devices[1].altmap_alloc == 16);  // only the non-early chunk is populated: 1024 struct pages * 64 B
    CHECK(s.devices[1].memmap == (DEV_MEMMAP_ALTMAP | DEV_MEMMAP_REST));
    CHECK(s.dev_zone[0].spanned_pages == 0x200400 - 0x1fc000);

    CHECK(step(m, s, ActionKind::DEV_UNMAP, 0) == 0);
    CHECK(s.dev_sections[0].subsection_map == ~0ull - (0xffffull << 32));
    CHECK(s.dev_sections[0].memmap_mapped == ~0ull);  // ef69bc9f689d: the early section keeps its memmap
    CHECK(s.dev_zone[0].spanned_pages == 0x200400 - 0x1fc000);  // ZONE_DEVICE never shrinks
    CHECK(step(m, s, ActionKind::DEV_UNMAP, 1) == 0);
    CHECK(s.devices[1].altmap_alloc == 0);
    CHECK(s.dev_sections[1].flags == 0);  // empty: usage freed, section_mem_map = NULL
    CHECK(s.dev_sections[0].subsection_map == 0xffffffffull);
    CHECK((s.dev_sections[0].flags & SEC_TAINT_ZONE_DEVICE) != 0);  // "never cleared once set"
    // Map again: the same answers as the first time.
    CHECK(step(m, s, ActionKind::DEV_MAP, 0) == 0);
    CHECK_FALSE(online_page(m, s, 0x1fc000));
}

TEST_CASE("zone-device: boot RAM ending inside a subsection keeps that subsection, the device takes the next") {
    const std::string p = write_temp("zd-midsub.toml", R"(name = "zd-midsub"
[[boot]]
node = 0
zone = "Normal"
start_pfn = 0x100000
end_pfn = 0x1fc100
[[device]]
name = "ns"
base_pfn = 0x1fc200
subsections = 2
[[step]]
op = "memremap"
device = "ns"
)");
    const Scenario sc = load_scenario(p);
    KernelState s = initial_state(sc.machine);
    // subsection_map_init() marks the subsection where boot RAM ends (0x1fc000-0x1fc200).
    CHECK(sc.machine.dev_sections[0].boot_map == 0x1ffffffffull);
    CHECK(step(sc.machine, s, ActionKind::DEV_MAP, 0) == 0);
    CHECK(s.dev_sections[0].subsection_map == 0x7ffffffffull);
    // A range starting below the end of boot RAM is refused by the loader (region_intersects()).
    const std::string p2 = write_temp("zd-overlap.toml", R"(name = "zd-overlap"
[[boot]]
node = 0
zone = "Normal"
start_pfn = 0x100000
end_pfn = 0x1fc100
[[device]]
name = "ns"
base_pfn = 0x1fc000
subsections = 2
[[step]]
op = "memremap"
device = "ns"
)");
    CHECK_THROWS_AS(load_scenario(p2), ScenarioError);
}

TEST_CASE("zone-device: bad [[device]] input names the file, line and field") {
    const std::string p = write_temp("zd-bad.toml", R"(name = "zd-bad"
[[boot]]
node = 0
zone = "Normal"
start_pfn = 0x100000
end_pfn = 0x1fc000
[[device]]
name = "ns"
base_pfn = 0x1fc100
subsections = 2
[[step]]
op = "memremap"
device = "ns"
)");
    try {
        load_scenario(p);
        FAIL("expected a ScenarioError");
    } catch (const ScenarioError& e) {
        const std::string w = e.what();
        CHECK(w.find("zd-bad.toml:9") != std::string::npos);
        CHECK(w.find("device[0].base_pfn") != std::string::npos);
        CHECK(w.find("subsection") != std::string::npos);
    }
}

TEST_CASE("zone-device: an injected allocation failure leaves subsections behind (scenario 53)") {
    const Scenario sc = load_scenario(scenario_path("53-pmem-add-enomem-leftover-explore.toml"));
    const Machine& m = sc.machine;
    KernelState s = initial_state(m);
    Action a{ActionKind::DEV_MAP, 0, 1, {FaultKind::SECTION_ENOMEM, 0}};
    const StepResult r = apply_action(m, v61(), s, a);
    CHECK(r.rc == -ENOMEM);
    CHECK(r.error_leaves_changes != nullptr);  // x86 __add_pages() does not undo the first chunk
    CHECK(s.dev_sections[0].subsection_map == (0xffffffffull | (0xffffull << 48)));  // boot + the first chunk
    CHECK(s.devices[0].mapped == 0);
    CHECK((s.dev_sections[0].flags & SEC_TAINT_ZONE_DEVICE) == 0);
    CHECK(online_page(m, s, 0x1fe000));  // what online-page reports
}

TEST_CASE("no-vmemmap: the memmap comes from node memory per section, memmap_on_memory does not exist") {
    const Scenario sc = load_scenario(scenario_path("54-no-vmemmap-explore.toml"));
    const Machine& m = sc.machine;
    CHECK_FALSE(m.params.sparsemem_vmemmap);
    CHECK(m.params.memmap_on_memory == MemmapMode::DISABLE);  // asked for, but CONFIG_MHP_MEMMAP_ON_MEMORY is off
    KernelState s = initial_state(m);
    const StepResult r = apply_action(m, v61(), s, Action{ActionKind::DIMM_ADD, 0, 1, {}});
    CHECK(r.rc == 0);
    CHECK(s.blocks[0].nr_vmemmap_pages == 0);
    CHECK(s.blocks[0].vmemmap_backing == BACKING_BUDDY);
    CHECK(s.buddy_vmemmap_pages[0] == 512);  // 32768 struct pages * 64 B, kvmalloc_node()
    // pfn_section_valid() is 1 without reading ms->usage: no observation even for a pfn of a
    // section whose usage is gone.
    KernelState t = s;
    t.blocks[0].section_usage = 0;
    Kernel k(m, v61(), t);
    CHECK(k.ops.pfn_section_valid(k, m.blocks[0].start_pfn));
    CHECK(k.nobs == 0);
    // With VMEMMAP the same read is observed (I17).
    Machine mv = m;
    mv.params.sparsemem_vmemmap = true;
    Kernel kv(mv, v61(), t);
    CHECK_FALSE(kv.ops.pfn_section_valid(kv, m.blocks[0].start_pfn));
    CHECK(kv.nobs == 1);
}

TEST_CASE("no-vmemmap: a [[device]] is refused (CONFIG_ZONE_DEVICE depends on SPARSEMEM_VMEMMAP)") {
    const std::string p = write_temp("zd-novmemmap.toml", R"(name = "zd-novmemmap"
[kernel]
sparsemem_vmemmap = false
[[boot]]
node = 0
zone = "Normal"
start_pfn = 0x100000
end_pfn = 0x1fc000
[[device]]
name = "ns"
base_pfn = 0x1fc000
subsections = 2
[[step]]
op = "memremap"
device = "ns"
)");
    try {
        load_scenario(p);
        FAIL("expected a ScenarioError");
    } catch (const ScenarioError& e) {
        CHECK(std::string(e.what()).find("CONFIG_ZONE_DEVICE") != std::string::npos);
    }
}
