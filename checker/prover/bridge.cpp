#include "checker/prover/bridge.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hp::prover {

const std::vector<VariantSpec>& known_variant_specs() {
    static const std::vector<VariantSpec> specs = [] {
        std::vector<VariantSpec> v;
        v.push_back({"v6.1", SupportsRule::V6_1, VmemmapCount::ALLOC_PER_SECTION, false});
        v.push_back({"no-vmemmap-alignment-check", SupportsRule::NO_CHECK, VmemmapCount::ALLOC_PER_SECTION, false});
        v.push_back({"hocko-2021", SupportsRule::V6_1, VmemmapCount::ALLOC_PER_SECTION, true});
        // single-block DIMMs: 6.8's per-block altmap behaves as 6.1's; what differs is the
        // check (no size argument, pageblock multiple, != block) and V = altmap->free
        v.push_back({"v6.8", SupportsRule::V6_8, VmemmapCount::EXACT, false});
        return v;
    }();
    return specs;
}

const VariantSpec* find_variant_spec(const std::string& name) {
    for (const VariantSpec& v : known_variant_specs())
        if (v.name == name) return &v;
    return nullptr;
}

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

CModel concrete_model(const GeoParams& p, unsigned nblocks, const VariantSpec& v) {
    static const ConcreteDomain dom;
    const std::uint64_t params[6] = {p.page_shift, p.section_bits, p.spb_log, p.pageblock_order, p.pmd_order,
                                     p.struct_page};
    return CModel(dom, nblocks, v, params);
}

Machine prover_machine(const Geometry& g, unsigned nblocks) {
    Machine m;
    m.geo = g;
    m.nr_nodes = 1;
    m.cpus_per_node = {1};
    m.boot.push_back({0, ZONE_DMA32, 16, 4096, 4096 - 16, 4096 - 16});
    m.params.memmap_on_memory = MemmapMode::ENABLE;
    const std::uint64_t base = std::max<std::uint64_t>((4ull << 30) / g.page_size, g.pages_per_block);
    for (unsigned i = 0; i < nblocks; ++i) {
        Dimm d;
        d.name = fmt::format("dimm{}", i);
        d.node = 0;
        d.base_pfn = base + i * g.pages_per_block;
        d.nr_blocks = 1;
        m.dimms.push_back(d);
    }
    m.finalize();
    return m;
}

std::uint64_t to_relative(const Machine& m, std::uint64_t pfn) {
    if (pfn == 0) return 0;
    return pfn - m.dimms[0].base_pfn + m.geo.pages_per_block;
}
std::uint64_t to_absolute(const Machine& m, std::uint64_t rel) {
    if (rel == 0) return 0;
    return rel + m.dimms[0].base_pfn - m.geo.pages_per_block;
}

namespace {
std::optional<std::uint64_t> memmap_code(std::uint8_t mm) {
    if (mm == Memmap::POISONED) return Z_NONE;
    if (Memmap::nid(mm) != 0) return std::nullopt;
    if (Memmap::zone(mm) == ZONE_NORMAL) return Z_NORMAL;
    if (Memmap::zone(mm) == ZONE_MOVABLE) return Z_MOVABLE;
    return std::nullopt;
}
}  // namespace

std::optional<CModel::State> abstract_of(const Machine& m, const CModel& am, const KernelState& s, std::string* why) {
    auto fail = [&](std::string w) -> std::optional<CModel::State> {
        if (why) *why = std::move(w);
        return std::nullopt;
    };
    CModel::State a = am.initial();
    const unsigned spb = static_cast<unsigned>(m.geo.sections_per_block());
    const std::uint16_t all = static_cast<std::uint16_t>((1u << spb) - 1);
    for (unsigned i = 0; i < am.N; ++i) {
        const BlockState& bs = s.blocks[i];
        CModel::Block& b = a.b[i];
        b.st = bs.state;
        b.plugged = s.dimm_plugged >> i & 1;
        if (((s.dimm_enabled >> i) & 1) != ((s.dimm_plugged >> i) & 1))
            return fail(fmt::format("block {}: dimm_enabled != dimm_plugged", i));
        b.mom = bs.nr_vmemmap_pages != 0;
        if (b.mom && bs.nr_vmemmap_pages != am.g.V)
            return fail(fmt::format("block {}: nr_vmemmap_pages {} != V {}", i, bs.nr_vmemmap_pages, am.g.V));
        b.zone = bs.zone == NO_ZONE ? Z_NONE : bs.zone == ZONE_NORMAL ? Z_NORMAL : bs.zone == ZONE_MOVABLE ? Z_MOVABLE : 99;
        if (b.zone == 99) return fail(fmt::format("block {}: mem->zone {}", i, bs.zone));
        auto mr = memmap_code(bs.memmap_rest);
        auto mv = memmap_code(bs.memmap_vmemmap);
        if (!mr) return fail(fmt::format("block {}: memmap_rest {}", i, bs.memmap_rest));
        b.mmr = *mr;
        if (b.mom) {
            if (!mv) return fail(fmt::format("block {}: memmap_vmemmap {}", i, bs.memmap_vmemmap));
            b.mmv = *mv;
        } else {
            b.mmv = b.mmr;  // no vmemmap run: the abstraction mirrors remove_memory_block()
        }
        if (bs.section_valid != 0 && bs.section_valid != all)
            return fail(fmt::format("block {}: partially valid sections {:#x}", i, bs.section_valid));
        b.valid = bs.section_valid == all;
        const unsigned A = static_cast<unsigned>(am.Aof(b));
        const std::uint16_t maskA = static_cast<std::uint16_t>((1u << A) - 1), maskB = all & ~maskA;
        const std::uint16_t on = bs.section_online & all;
        if ((on & maskA) != 0 && (on & maskA) != maskA)
            return fail(fmt::format("block {}: vmemmap sections half online {:#x}", i, on));
        if ((on & maskB) != 0 && (on & maskB) != maskB)
            return fail(fmt::format("block {}: sections half online {:#x}", i, on));
        b.onA = maskA && (on & maskA) == maskA;
        b.onB = maskB && (on & maskB) == maskB;
        a.gk[i] = s.groups[i].present_kernel_pages;
        a.gm[i] = s.groups[i].present_movable_pages;
    }
    const unsigned zones[2] = {ZONE_NORMAL, ZONE_MOVABLE};
    for (unsigned k = 0; k < 2; ++k) {
        const ZoneState& z = s.zone(0, zones[k]);
        a.z[k].start = to_relative(m, z.zone_start_pfn);
        a.z[k].spanned = z.spanned_pages;
        a.z[k].present = z.present_pages - m.boot_present(0, zones[k]);
        a.z[k].managed = z.managed_pages - m.boot_managed(0, zones[k]);
    }
    std::uint64_t boot = 0;
    for (unsigned z = 0; z < MAX_NR_ZONES; ++z) boot += m.boot_present(0, z);
    a.node_present = s.nodes[0].node_present_pages - boot;
    return a;
}

bool same_state(const CModel& am, const CModel::State& a, const CModel::State& b, std::string* diff) {
    auto bad = [&](std::string what) {
        if (diff) *diff = std::move(what);
        return false;
    };
    for (unsigned i = 0; i < am.N; ++i) {
        const CModel::Block &x = a.b[i], &y = b.b[i];
#define HP_CMP(f) \
    if (x.f != y.f) return bad(fmt::format("block {}: " #f " {} vs {}", i, static_cast<std::uint64_t>(x.f), static_cast<std::uint64_t>(y.f)))
        HP_CMP(st);
        HP_CMP(plugged);
        HP_CMP(mom);
        HP_CMP(zone);
        HP_CMP(mmr);
        if (x.mom) HP_CMP(mmv);
        HP_CMP(valid);
        if (am.Aof(x)) HP_CMP(onA);
        HP_CMP(onB);
#undef HP_CMP
        if (a.gk[i] != b.gk[i] || a.gm[i] != b.gm[i])
            return bad(fmt::format("group {}: kernel {} movable {} vs {} {}", i, a.gk[i], a.gm[i], b.gk[i], b.gm[i]));
    }
    static const char* names[2] = {"Normal", "Movable"};
    for (unsigned k = 0; k < 2; ++k) {
        const auto &x = a.z[k], &y = b.z[k];
        // an empty zone's stale start does not matter (zone_is_empty() tests spanned)
        if (x.spanned != y.spanned || (x.spanned && x.start != y.start) || x.present != y.present ||
            x.managed != y.managed)
            return bad(fmt::format("{}: start {} spanned {} present {} managed {} vs {} {} {} {}", names[k], x.start,
                                   x.spanned, x.present, x.managed, y.start, y.spanned, y.present, y.managed));
    }
    if (a.node_present != b.node_present) return bad(fmt::format("node_present {} vs {}", a.node_present, b.node_present));
    return true;
}

std::vector<Action> prover_alphabet(const Machine& m) {
    std::vector<Action> out;
    const unsigned n = static_cast<unsigned>(m.blocks.size());
    auto push = [&](ActionKind k, unsigned t, FaultKind f = FaultKind::NONE, unsigned idx = 0) {
        out.push_back(Action{k, static_cast<std::uint8_t>(t), 1, Fault{f, static_cast<std::uint8_t>(idx)}});
    };
    for (unsigned b = 0; b < n; ++b) push(ActionKind::DIMM_ADD, b);
    for (unsigned b = 0; b < n; ++b) {
        push(ActionKind::DIMM_EJECT, b);
        push(ActionKind::DIMM_EJECT, b, FaultKind::UNMOVABLE_PAGES, b);
        push(ActionKind::DIMM_EJECT, b, FaultKind::NOTIFIER_VETO_OFFLINE, 0);
    }
    for (ActionKind k : {ActionKind::ONLINE, ActionKind::ONLINE_KERNEL, ActionKind::ONLINE_MOVABLE})
        for (unsigned b = 0; b < n; ++b) {
            push(k, b);
            push(k, b, FaultKind::NOTIFIER_VETO_ONLINE, 0);
        }
    for (unsigned b = 0; b < n; ++b) {
        push(ActionKind::OFFLINE, b);
        push(ActionKind::OFFLINE, b, FaultKind::UNMOVABLE_PAGES, b);
        push(ActionKind::OFFLINE, b, FaultKind::NOTIFIER_VETO_OFFLINE, 0);
    }
    for (unsigned b = 0; b < n; ++b) push(ActionKind::REMOVE_MEMORY, b);
    return out;
}

bool dropped_from_solver(const Action& a) {
    if (a.kind == ActionKind::ONLINE) return true;
    if ((a.kind == ActionKind::OFFLINE || a.kind == ActionKind::DIMM_EJECT) && a.fault.kind != FaultKind::NONE) return true;
    return false;
}

std::vector<Action> solver_alphabet(const Machine& m) {
    std::vector<Action> out;
    for (const Action& a : prover_alphabet(m))
        if (!dropped_from_solver(a)) out.push_back(a);
    return out;
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

}  // namespace hp::prover
