#include "checker/prover/prover_machine.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "checker/kernel_model.hpp"

namespace hp::prover {

Geometry to_geometry(const GeoParams& p) {
    Geometry g;
    g.preset = "custom";
    g.page_size = 1ull << p.page_shift;
    g.pages_per_subsection = (2ull << 20) >> p.page_shift;
    g.pages_per_section = 1ull << (p.section_bits - p.page_shift);
    g.pages_per_block = g.pages_per_section << p.spb_log;
    g.pageblock_nr_pages = 1ull << p.pageblock_order;
    g.struct_page_size = p.struct_page;
    g.pmd_pages = 1ull << p.pmd_order;
    return g;
}

namespace {
std::optional<unsigned> log2_exact(std::uint64_t v) {
    if (v == 0 || (v & (v - 1))) return std::nullopt;
    unsigned l = 0;
    while ((1ull << l) != v) ++l;
    return l;
}
}  // namespace

std::optional<GeoParams> from_geometry(const Geometry& g) {
    auto ps = log2_exact(g.page_size), pps = log2_exact(g.pages_per_section), spb = log2_exact(g.sections_per_block()),
         pb = log2_exact(g.pageblock_nr_pages), pmd = log2_exact(g.pmd_pages);
    if (!ps || !pps || !spb || !pb || !pmd || g.pages_per_block != g.pages_per_section << *spb) return std::nullopt;
    GeoParams p;
    p.page_shift = *ps;
    p.section_bits = *ps + *pps;
    p.spb_log = *spb;
    p.pageblock_order = *pb;
    p.pmd_order = *pmd;
    p.struct_page = static_cast<unsigned>(g.struct_page_size);
    return p;
}

std::string describe(const GeoParams& p) {
    const Geometry g = to_geometry(p);
    const std::uint64_t per = ((std::uint64_t(p.struct_page) << (p.section_bits - p.page_shift)) + g.page_size - 1) >>
                              p.page_shift;
    return fmt::format(
        "PAGE_SIZE {} KiB (PAGE_SHIFT {}), section {} MiB (SECTION_SIZE_BITS {}, {} pages), {} section(s) per block "
        "(block {} MiB = {} pages), subsection {} pages, pageblock {} pages (order {}), PMD {} pages, "
        "sizeof(struct page) {} => vmemmap pages per block: {} (altmap, section by section), {} (exact)",
        g.page_size >> 10, p.page_shift, g.pages_to_mib(g.pages_per_section), p.section_bits, g.pages_per_section,
        g.sections_per_block(), g.pages_to_mib(g.pages_per_block), g.pages_per_block, g.pages_per_subsection,
        g.pageblock_nr_pages, p.pageblock_order, g.pmd_pages, p.struct_page, per << p.spb_log,
        g.memory_block_memmap_pages());
}

std::uint64_t prover_hotplug_base(const Geometry& g) {
    return std::max<std::uint64_t>((4ull << 30) / g.page_size, g.pages_per_block);
}

Machine prover_machine(const Geometry& g, const ProverLayout& layout) {
    Machine m;
    m.geo = g;
    m.nr_nodes = static_cast<int>(layout.nodes);
    m.cpus_per_node.assign(layout.nodes, 0);
    m.cpus_per_node[0] = 1;
    m.boot.push_back({0, ZONE_DMA32, 16, 4096, 4096 - 16, 4096 - 16});
    m.params.memmap_on_memory = MemmapMode::ENABLE;
    std::uint64_t base = prover_hotplug_base(g);
    for (unsigned i = 0; i < layout.dimm_blocks.size(); ++i) {
        Dimm d;
        d.name = fmt::format("dimm{}", i);
        d.node = static_cast<int>(i % layout.nodes);
        d.base_pfn = base;
        d.nr_blocks = layout.dimm_blocks[i];
        base += d.nr_blocks * g.pages_per_block;
        m.dimms.push_back(d);
    }
    m.finalize();
    return m;
}

std::vector<Action> prover_alphabet(const ProverLayout& layout, const std::vector<FaultKind>& faults) {
    GeoParams widest;  // 16 sections per block: every section-enomem index a geometry can reach
    widest.spb_log = 4;
    widest.section_bits = 21;
    const Machine m = prover_machine(to_geometry(widest), layout);
    std::vector<ActionKind> kinds;
    for (int k = 0; k < static_cast<int>(ActionKind::COUNT); ++k) kinds.push_back(static_cast<ActionKind>(k));
    return expand_alphabet(m, kinds, faults);
}

std::string scenario_toml(const Machine& m, const std::string& name, const std::string& description,
                          const std::string& variant, const std::string& invariant, const std::vector<Action>& trace,
                          const std::vector<int>& rcs, bool expect_violation) {
    const Geometry& g = m.geo;
    std::string s;
    s += fmt::format("name = \"{}\"\n", name);
    s += fmt::format("description = \"{}\"\n", description);
    s += fmt::format("variant = \"{}\"\n", variant);
    s += fmt::format("expect = \"{}\"\n", expect_violation ? "violation: " + invariant : std::string("pass"));
    s += fmt::format("invariants = [\"{}\"]\n\n", invariant);
    s += "[geometry]\n";
    s += fmt::format("page_size = {}\npages_per_subsection = {}\npages_per_section = {}\npages_per_block = {}\n",
                     g.page_size, g.pages_per_subsection, g.pages_per_section, g.pages_per_block);
    s += fmt::format("pageblock_nr_pages = {}\nstruct_page_size = {}\npmd_pages = {}\n\n", g.pageblock_nr_pages,
                     g.struct_page_size, g.pmd_pages);
    s += "[kernel]\nmemmap_on_memory = true\n\n";
    for (const BootZone& z : m.boot)
        s += fmt::format("[[boot]]\nnode = {}\nzone = \"{}\"\nstart_pfn = {}\nend_pfn = {}\n\n", z.node,
                         zone_name(z.zone), z.start_pfn, z.end_pfn);
    for (const Dimm& d : m.dimms)
        s += fmt::format("[[dimm]]\nname = \"{}\"\nnode = {}\nblocks = {}\nbase_pfn = {:#x}\n\n", d.name, d.node,
                         d.nr_blocks, d.base_pfn);
    for (size_t i = 0; i < trace.size(); ++i) {
        const Action& a = trace[i];
        s += fmt::format("[[step]]\nop = \"{}\"\n", action_kind_name(a.kind));
        if (a.kind == ActionKind::DIMM_ADD || a.kind == ActionKind::DIMM_EJECT)
            s += fmt::format("dimm = \"{}\"\n", m.dimms[a.target].name);
        else
            s += fmt::format("block = {}\n", m.blocks[a.target].memory_block_id);
        if (a.kind == ActionKind::REMOVE_MEMORY) s += fmt::format("count = {}\n", a.count);
        if (a.fault.kind != FaultKind::NONE) {
            s += fmt::format("fault = \"{}\"\n", fault_name(a.fault.kind));
            s += fmt::format("fault_index = {}\n", a.fault.index);
        }
        if (i < rcs.size()) s += fmt::format("expect_rc = \"{}\"\n", errno_name(rcs[i]));
        s += "\n";
    }
    return s;
}

std::string explore_scenario_toml(const Machine& m, const std::string& variant, const std::vector<FaultKind>& faults) {
    std::string toml = scenario_toml(m, "prover-machine-" + variant,
                                     "The prover's machine, explored by the explicit model (hpcheck prove --emit-machine).",
                                     variant, "", {}, {}, false);
    const std::string no_list = "invariants = [\"\"]\n";
    toml.replace(toml.find(no_list), no_list.size(), "");  // every invariant
    toml += "[explore]\nactions = [\"add\", \"eject\", \"online\", \"online_kernel\", \"online_movable\", \"offline\", "
            "\"remove\"]\nfaults = [";
    for (size_t i = 0; i < faults.size(); ++i) toml += fmt::format("{}\"{}\"", i ? ", " : "", fault_name(faults[i]));
    toml += "]\n";
    return toml;
}

}  // namespace hp::prover
