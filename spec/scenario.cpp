#include "spec/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <toml++/toml.h>

#include "spec/input_check.hpp"
#include "spec/variant.hpp"
#include "spec/pagetable.hpp"

namespace hp {

ScenarioError::ScenarioError(const std::string& file, long line, const std::string& field, const std::string& msg)
    : std::runtime_error(line > 0 ? error_line(file, line, field, msg)
                                  : one_line(fmt::format("{}: {}: {}", file, field, msg))) {}

namespace {

struct Reader {
    std::string file;

    long line_of(const toml::node& n) const { return static_cast<long>(n.source().begin.line); }

    [[noreturn]] void fail(const toml::node& n, const std::string& field, const std::string& msg) const {
        throw ScenarioError(file, line_of(n), field, msg);
    }

    void only_keys(const toml::table& t, const std::string& where, std::initializer_list<const char*> keys) const {
        for (auto&& [k, v] : t) {
            const std::string key(k.str());
            if (std::find_if(keys.begin(), keys.end(), [&](const char* a) { return key == a; }) == keys.end())
                fail(v, where.empty() ? key : where + "." + key,
                     fmt::format("unknown key (allowed: {})", fmt::join(keys, ", ")));
        }
    }

    std::optional<std::string> str(const toml::table& t, const char* key, const std::string& field) const {
        const toml::node* n = t.get(key);
        if (!n) return std::nullopt;
        if (auto v = n->value<std::string>()) return *v;
        fail(*n, field, "expected a string");
    }

    // Integers may be written as numbers or as strings ("0x100000"); every field states the
    // range the model holds, so nothing is truncated later.
    std::optional<std::uint64_t> uint(const toml::table& t, const char* key, const std::string& field, Range r) const {
        const toml::node* n = t.get(key);
        if (!n) return std::nullopt;
        return uint_node(*n, field, r);
    }
    std::uint64_t uint_node(const toml::node& n, const std::string& field, Range r) const {
        std::uint64_t v = 0;
        if (auto i = n.value_exact<std::int64_t>()) {
            if (*i < 0) fail(n, field, "must not be negative");
            v = static_cast<std::uint64_t>(*i);
        } else if (auto s = n.value_exact<std::string>()) {
            auto p = parse_uint_text(*s);
            if (!p) fail(n, field, fmt::format("'{}' is not a non-negative integer (decimal or 0x hex)", *s));
            v = *p;
        } else {
            fail(n, field, "expected an integer");
        }
        if (const std::string e = range_error(v, r); !e.empty()) fail(n, field, e);
        return v;
    }
    // The line of a dotted field path ("dimm[1].base_pfn"), else of its nearest parent.
    long line_of_path(const toml::table& doc, std::string field) const {
        while (!field.empty()) {
            if (const toml::node* n = doc.at_path(field).node()) return std::max(1L, line_of(*n));
            const auto cut = field.find_last_of(".[");
            field = cut == std::string::npos ? "" : field.substr(0, cut);
        }
        return 1;
    }

    std::optional<bool> boolean(const toml::table& t, const char* key, const std::string& field) const {
        const toml::node* n = t.get(key);
        if (!n) return std::nullopt;
        if (auto v = n->value<bool>()) return *v;
        fail(*n, field, "expected true or false");
    }

    const toml::table* table(const toml::table& t, const char* key) const {
        const toml::node* n = t.get(key);
        if (!n) return nullptr;
        if (!n->is_table()) fail(*n, key, "expected a table");
        return n->as_table();
    }
};

bool parse_zone(const std::string& s, unsigned& z) {
    for (unsigned i = 0; i < MAX_NR_ZONES; ++i)
        if (s == zone_name(i)) {
            z = i;
            return true;
        }
    return false;
}

bool parse_fault(const std::string& s, FaultKind& f) {
    for (int i = 1; i < static_cast<int>(FaultKind::COUNT); ++i)
        if (s == fault_name(static_cast<FaultKind>(i))) {
            f = static_cast<FaultKind>(i);
            return true;
        }
    return false;
}

bool parse_errno(const std::string& s, int& e) {
    for (int v : {0, E2BIG, ENOMEM, EBUSY, EEXIST, ENODEV, EINVAL, EHWPOISON, EIO, ENXIO})
        if (s == errno_name(v)) {
            e = v;
            return true;
        }
    return false;
}

// QEMU's pc machine below 4 GiB, as a 6.1 guest reports it (docs/kernel-reference.md §9.3):
// DMA [1, 4096) and DMA32 up to the end of low RAM; RAM beyond 3 GiB goes above 4 GiB
// into ZONE_NORMAL.
void x86_boot_layout(Machine& m, std::uint64_t ram_mb) {
    const std::uint64_t pages = ram_mb << 8;  // 4 KiB pages
    const std::uint64_t low = std::min<std::uint64_t>(pages, 3ull << 18);
    m.boot.push_back({0, ZONE_DMA, 1, 4096, 3998, 3840});
    const std::uint64_t dma32_end = low - (low == pages ? 32 : 0);  // the top 128 KiB is reserved by the BIOS
    m.boot.push_back({0, ZONE_DMA32, 4096, dma32_end, dma32_end - 4096, dma32_end - 4096});
    if (pages > low) m.boot.push_back({0, ZONE_NORMAL, 1ull << 20, (1ull << 20) + pages - low, pages - low, pages - low});
}

}  // namespace

void validate_machine(const Machine& m, const std::string& file,
                      const std::function<long(const std::string& field)>& line_of) {
    auto fail = [&](const std::string& field, const std::string& msg) {
        throw ScenarioError(file, line_of ? line_of(field) : 1, field, msg);
    };
    if (auto e = validate_geometry(m.geo)) fail("geometry." + e->field, e->message);
    if (m.nr_nodes < 1 || m.nr_nodes > MAX_NODES) fail("nodes", fmt::format("1..{} nodes are supported", MAX_NODES));
    if (m.dimms.size() > MAX_DIMMS) fail("dimm", fmt::format("at most {} DIMMs are supported", MAX_DIMMS));
    // Counted from the DIMM table, before finalize() allocates a BlockInfo per block.
    std::uint64_t nr_blocks = 0;
    for (size_t d = 0; d < m.dimms.size(); ++d) {
        nr_blocks += m.dimms[d].nr_blocks;  // each <= 2^32, at most MAX_DIMMS of them: no wrap
        if (nr_blocks > MAX_BLOCKS)
            fail(fmt::format("dimm[{}]", d),
                 fmt::format("at most {} hot-pluggable memory blocks are supported, the DIMMs have {} or more", MAX_BLOCKS,
                             nr_blocks));
    }
    for (size_t i = 0; i < m.boot.size(); ++i) {
        const BootZone& z = m.boot[i];
        const std::string f = fmt::format("boot[{}]", i);
        if (z.node < 0 || z.node >= m.nr_nodes) fail(f + ".node", fmt::format("node {} does not exist", z.node));
        if (z.end_pfn <= z.start_pfn) fail(f + ".end_pfn", "end_pfn must be above start_pfn");
        if (z.present > z.end_pfn - z.start_pfn) fail(f + ".present", "present exceeds the span");
        if (z.managed > z.present) fail(f + ".managed", "managed exceeds present");
        if (i && z.start_pfn < m.boot[i - 1].end_pfn) fail(f + ".start_pfn", "boot zones overlap");
    }
    const std::uint64_t ppb = m.geo.pages_per_block;
    for (size_t d = 0; d < m.dimms.size(); ++d) {
        const Dimm& dm = m.dimms[d];
        const std::string f = fmt::format("dimm[{}]", d);
        if (dm.node < 0 || dm.node >= m.nr_nodes) fail(f + ".node", fmt::format("node {} does not exist", dm.node));
        if (dm.nr_blocks == 0) fail(f + ".size_mb", "a DIMM needs at least one memory block");
        if (dm.base_pfn % ppb)
            fail(f + ".base_pfn", fmt::format("{:#x} is not aligned to the memory block size ({} pages)", dm.base_pfn, ppb));
        if (dm.base_pfn >= (1ull << 32)) fail(f + ".base_pfn", "the model keeps pfns below 2^32");
        const pfn_t end = dm.base_pfn + dm.nr_blocks * ppb;  // < 2^32 + 32 * 2^32: no wrap
        if (end >= (1ull << 32)) fail(f + ".base_pfn", "the model keeps pfns below 2^32");
        for (const BootZone& z : m.boot)
            if (dm.base_pfn < z.end_pfn && z.start_pfn < end)
                fail(f + ".base_pfn", fmt::format("overlaps boot memory [{:#x}, {:#x})", z.start_pfn, z.end_pfn));
        for (size_t o = 0; o < d; ++o) {
            const Dimm& other = m.dimms[o];
            if (dm.base_pfn < other.base_pfn + other.nr_blocks * ppb && other.base_pfn < end)
                fail(f + ".base_pfn", fmt::format("overlaps {}", other.name));
            if (other.name == dm.name) fail(f + ".name", fmt::format("duplicate DIMM name '{}'", dm.name));
        }
    }
    // [[device]]: ZONE_DEVICE ranges (spec/ops/subsection.cpp)
    if (m.devices.size() > MAX_DEVICES) fail("device", fmt::format("at most {} devices are supported", MAX_DEVICES));
    if (!m.devices.empty() && !m.params.sparsemem_vmemmap)
        fail("device", "CONFIG_ZONE_DEVICE depends on CONFIG_SPARSEMEM_VMEMMAP (kernel.sparsemem_vmemmap = false)");
    const std::uint64_t ppss = m.geo.pages_per_subsection, pps = m.geo.pages_per_section;
    if (!m.devices.empty() && pps / ppss > MAX_SUBSECTIONS_PER_SECTION)
        fail("device", fmt::format("devices need at most {} subsections per section (this geometry has {})",
                                   MAX_SUBSECTIONS_PER_SECTION, pps / ppss));
    std::vector<std::uint64_t> sections;
    for (size_t d = 0; d < m.devices.size(); ++d) {
        const Device& dv = m.devices[d];
        const std::string f = fmt::format("device[{}]", d);
        if (dv.node < 0 || dv.node >= m.nr_nodes) fail(f + ".node", fmt::format("node {} does not exist", dv.node));
        if (dv.base_pfn % ppss)
            fail(f + ".base_pfn", fmt::format("{:#x} is not aligned to a subsection ({} pages)", dv.base_pfn, ppss));
        if (dv.nr_pages == 0 || dv.nr_pages % ppss) fail(f + ".subsections", "a device is a whole number of subsections, at least one");
        const std::uint64_t end = dv.base_pfn + dv.nr_pages;
        if (end >= (1ull << 32)) fail(f + ".base_pfn", "the model keeps pfns below 2^32");
        if (dv.altmap && dv.altmap_reserve + dv.altmap_free >= dv.nr_pages)
            fail(f + ".altmap", "the altmap (reserve + memmap) leaves no page for data");
        for (const BootZone& z : m.boot)
            if (dv.base_pfn < z.end_pfn && z.start_pfn < end)
                fail(f + ".base_pfn", fmt::format("overlaps boot memory [{:#x}, {:#x}): region_intersects() refuses it",
                                                  z.start_pfn, z.end_pfn));
        for (const Dimm& dm : m.dimms)
            if (dv.base_pfn < dm.base_pfn + dm.nr_blocks * ppb && dm.base_pfn < end)
                fail(f + ".base_pfn", fmt::format("overlaps the slot of {}", dm.name));
        for (size_t o = 0; o < d; ++o) {
            const Device& other = m.devices[o];
            if (dv.base_pfn < other.base_pfn + other.nr_pages && other.base_pfn < end)
                fail(f + ".base_pfn", fmt::format("overlaps {}", other.name));
            if (other.name == dv.name) fail(f + ".name", fmt::format("duplicate device name '{}'", dv.name));
        }
        for (std::uint64_t s = dv.base_pfn / pps; s <= (end - 1) / pps; ++s) {
            if (std::find(sections.begin(), sections.end(), s) == sections.end()) sections.push_back(s);
            if (sections.size() > MAX_DEV_SECTIONS)
                fail(f + ".subsections", fmt::format("devices may touch at most {} sections", MAX_DEV_SECTIONS));
        }
    }
}

namespace {
// The widest value each kind of field may hold: pfns and page counts below 2^32 (the
// model's pfn range), sizes in MiB up to 1 TiB.
constexpr std::uint64_t kPfnMax = (1ull << 32) - 1;
constexpr Range kPfn{0, kPfnMax}, kPages{0, 1ull << 32}, kGeoPages{1, 1ull << 32};
// A DIMM name is a QEMU device id (QEMU's id_wellformed()): it reaches QMP commands and
// shell scripts, so nothing else is accepted.
bool qemu_id(const std::string& s) {
    if (s.empty() || s.size() > 64 || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') return false;
    return true;
}
}  // namespace

namespace {
// The virtio_mem = "name" of a vmem_plug / vmem_unplug step.
std::uint8_t virtio_mem_target(const Reader& r, const toml::table& t, const std::string& f, const Machine& m) {
    const std::string n = r.str(t, "virtio_mem", f + ".virtio_mem").value_or("");
    auto it = std::find_if(m.virtio_mems.begin(), m.virtio_mems.end(), [&](const VirtioMem& v) { return v.name == n; });
    if (it == m.virtio_mems.end()) r.fail(t, f + ".virtio_mem", fmt::format("no virtio-mem device named '{}'", n));
    return static_cast<std::uint8_t>(it - m.virtio_mems.begin());
}

// One hotplug operation written as an inline table {op, dimm | block, count}.
Action parse_op(const Reader& r, const toml::table& t, const std::string& f, const Machine& m) {
    r.only_keys(t, f, {"op", "dimm", "block", "count", "virtio_mem"});
    Action a;
    const std::string op = r.str(t, "op", f + ".op").value_or("");
    if (!parse_action_kind(op, a.kind)) r.fail(t, f + ".op", fmt::format("unknown op '{}'", op));
    if (virtio_mem_action(a.kind)) {
        a.target = virtio_mem_target(r, t, f, m);
        return a;
    }
    if (a.kind == ActionKind::DIMM_ADD || a.kind == ActionKind::DIMM_EJECT) {
        const std::string dn = r.str(t, "dimm", f + ".dimm").value_or("");
        auto it = std::find_if(m.dimms.begin(), m.dimms.end(), [&](const Dimm& d) { return d.name == dn; });
        if (it == m.dimms.end()) r.fail(t, f + ".dimm", fmt::format("no DIMM named '{}'", dn));
        a.target = static_cast<std::uint8_t>(it - m.dimms.begin());
        return a;
    }
    auto id = r.uint(t, "block", f + ".block", {0, ~0ull});
    if (!id) r.fail(t, f + ".block", "the memory block number (memoryN) is required");
    auto it = std::find_if(m.blocks.begin(), m.blocks.end(), [&](const BlockInfo& b) { return b.memory_block_id == *id; });
    if (it == m.blocks.end())
        r.fail(*t.get("block"), f + ".block", fmt::format("memory{} is not hot-pluggable memory of this machine", *id));
    a.target = static_cast<std::uint8_t>(it - m.blocks.begin());
    a.count = static_cast<std::uint8_t>(r.uint(t, "count", f + ".count", {1, MAX_BLOCKS}).value_or(1));
    if (a.kind == ActionKind::REMOVE_MEMORY && it->index_in_dimm + a.count > m.dimms[it->dimm].nr_blocks)
        r.fail(t, f + ".count", "the range must stay inside one DIMM");
    return a;
}

std::vector<Action> parse_op_list(const Reader& r, const toml::node& n, const std::string& f, const Machine& m) {
    const toml::array* a = n.as_array();
    if (!a) r.fail(n, f, "expected an array of {op = ..., dimm | block = ...} tables");
    std::vector<Action> out;
    for (size_t i = 0; i < a->size(); ++i) {
        const toml::table* t = (*a)[i].as_table();
        if (!t) r.fail((*a)[i], fmt::format("{}[{}]", f, i), "expected a table {op = ..., dimm | block = ...}");
        out.push_back(parse_op(r, *t, fmt::format("{}[{}]", f, i), m));
    }
    return out;
}

template <class E, class Name>
E parse_enum(const Reader& r, const toml::table& t, const char* key, const std::string& f, E dflt, int count, Name name) {
    const auto v = r.str(t, key, f);
    if (!v) return dflt;
    std::string known;
    for (int i = 0; i < count; ++i) {
        if (*v == name(static_cast<E>(i))) return static_cast<E>(i);
        known += (i ? ", " : "") + std::string(name(static_cast<E>(i)));
    }
    r.fail(*t.get(key), f, fmt::format("unknown value '{}' (known: {})", *v, known));
}

// `setup = [...]` and `[[threads]]` (docs/interleavings.md).
void parse_threads(const Reader& r, const toml::table& doc, Scenario& sc) {
    const Machine& m = sc.machine;
    const toml::node* n = doc.get("threads");
    if (!n) return;
    const toml::array* a = n->as_array();
    if (!a || a->empty()) r.fail(*n, "threads", "expected [[threads]] tables");
    if (a->size() > MAX_THREADS) r.fail(*n, "threads", fmt::format("at most {} threads (one per CPU)", MAX_THREADS));
    if (const toml::node* s = doc.get("setup")) sc.threads.setup = parse_op_list(r, *s, "setup", m);
    for (size_t i = 0; i < a->size(); ++i) {
        const toml::table* t = (*a)[i].as_table();
        const std::string f = fmt::format("threads[{}]", i);
        if (!t) r.fail((*a)[i], f, "expected a table");
        r.only_keys(*t, f, {"kind", "name", "ops", "pfn", "check", "lock", "pfn_valid_rcu", "read_page", "zone"});
        ThreadSpec ts;
        ts.line = r.line_of(*t);
        ts.kind = parse_enum(r, *t, "kind", f + ".kind", ThreadKind::HOTPLUG, 6, thread_kind_name);
        if (!t->get("kind")) r.fail(*t, f + ".kind", "every thread needs a kind (hotplug, pfn_walker, memory_failure, vmalloc, span_reader, ptdump)");
        ts.name = r.str(*t, "name", f + ".name").value_or(fmt::format("cpu{}", i));
        if (ts.kind == ThreadKind::HOTPLUG) {
            const toml::node* ops = t->get("ops");
            if (!ops) r.fail(*t, f + ".ops", "a hotplug thread needs ops = [{op = ..., ...}, ...]");
            ts.ops = parse_op_list(r, *ops, f + ".ops", m);
            if (ts.ops.empty() || ts.ops.size() > 16) r.fail(*ops, f + ".ops", "between 1 and 16 operations");
        } else if (t->get("ops")) {
            r.fail(*t->get("ops"), f + ".ops", "only hotplug threads run operations");
        }
        if (ts.kind == ThreadKind::SPAN_READER) {
            const std::string z = r.str(*t, "zone", f + ".zone").value_or("");
            const auto slash = z.find('/');
            unsigned zi = 0;
            const auto node = parse_uint_text(z.substr(0, slash == std::string::npos ? 0 : slash));
            if (slash == std::string::npos || !node || !parse_zone(z.substr(slash + 1), zi) ||
                *node >= static_cast<std::uint64_t>(m.nr_nodes))
                r.fail(t->get("zone") ? *t->get("zone") : static_cast<const toml::node&>(*t), f + ".zone",
                       "a span reader needs zone = \"<node>/<Zone>\" of this machine, e.g. \"0/Movable\"");
            ts.node = static_cast<int>(*node);
            ts.zone = zi;
        } else if (t->get("zone")) {
            r.fail(*t->get("zone"), f + ".zone", "only a span_reader thread has a zone");
        }
        if (ts.kind == ThreadKind::SPAN_READER || ts.kind == ThreadKind::PTDUMP) {
            ts.lock = parse_enum(r, *t, "lock", f + ".lock", ReaderLock::NONE, ts.kind == ThreadKind::SPAN_READER ? 4 : 3,
                                 reader_lock_name);
            if (t->get("pfn") || t->get("check")) r.fail(*t, f, "a span reader / ptdump thread takes no pfn and no check");
        } else if (ts.kind == ThreadKind::PFN_WALKER || ts.kind == ThreadKind::MEMORY_FAILURE) {
            const auto pfn = r.uint(*t, "pfn", f + ".pfn", kPfn);
            if (!pfn) r.fail(*t, f + ".pfn", "a pfn walker / memory_failure thread needs the pfn it reads");
            ts.pfn = *pfn;
        }
        if (ts.kind == ThreadKind::PFN_WALKER) {
            ts.check = parse_enum(r, *t, "check", f + ".check", PfnCheck::PFN_TO_ONLINE_PAGE, 4, pfn_check_name);
            ts.lock = parse_enum(r, *t, "lock", f + ".lock", ReaderLock::NONE, 3, reader_lock_name);  // no seqlock
        } else if (ts.kind != ThreadKind::SPAN_READER && ts.kind != ThreadKind::PTDUMP) {
            for (const char* k : {"check", "lock"})
                if (t->get(k)) r.fail(*t->get(k), f + "." + k, "only a pfn_walker, span_reader or ptdump thread has this setting");
        }
        if (ts.kind == ThreadKind::MEMORY_FAILURE) ts.check = PfnCheck::PFN_TO_ONLINE_PAGE;  // mm/memory-failure.c
        if (ts.kind == ThreadKind::PFN_WALKER) ts.read_page = r.boolean(*t, "read_page", f + ".read_page").value_or(true);
        ts.pfn_valid_rcu = r.boolean(*t, "pfn_valid_rcu", f + ".pfn_valid_rcu").value_or(true);
        sc.threads.threads.push_back(ts);
    }
}

// [memblock] (seed 003, spec/boot.hpp): memblock.memory is the boot memory (not hotpluggable)
// plus the [[memblock.coldplug]] regions SRAT marks hot pluggable (cold-plugged DIMMs).
BootInput read_memblock(const Reader& r, const toml::table& t, Machine& m) {
    r.only_keys(t, "memblock", {"kernel_image_mb", "kernelcore_mb", "movablecore_mb", "kernelcore_mirror", "mirror", "coldplug", "alloc"});
    BootInput in;
    in.movable_node = m.params.movable_node;
    const std::uint64_t mib = m.geo.mib_to_pages(1);
    for (const BootZone& z : m.boot) in.memory.push_back({z.node, z.start_pfn, z.end_pfn, false, "boot RAM"});
    in.kernel_start_pfn = 16 * mib;  // x86_64 CONFIG_PHYSICAL_START
    in.kernel_end_pfn = in.kernel_start_pfn + r.uint(t, "kernel_image_mb", "memblock.kernel_image_mb", {1, 1024}).value_or(32) * mib;
    in.kernelcore_pages = r.uint(t, "kernelcore_mb", "memblock.kernelcore_mb", {0, 1u << 24}).value_or(0) * mib;
    in.movablecore_pages = r.uint(t, "movablecore_mb", "memblock.movablecore_mb", {0, 1u << 24}).value_or(0) * mib;
    in.kernelcore_mirror = r.boolean(t, "kernelcore_mirror", "memblock.kernelcore_mirror").value_or(false);
    if (in.kernelcore_mirror && (in.kernelcore_pages || in.movablecore_pages || in.movable_node))
        r.fail(*t.get("kernelcore_mirror"), "memblock.kernelcore_mirror",
               "kernelcore=mirror is one kernelcore= value: not with kernelcore_mb, and the model does not combine it "
               "with movablecore_mb or movable_node");
    const Range node_range{0, static_cast<std::uint64_t>(m.nr_nodes - 1)};
    if (const toml::node* n = t.get("coldplug")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "memblock.coldplug", "expected [[memblock.coldplug]] tables");
        for (size_t i = 0; i < a->size(); ++i) {
            const std::string f = fmt::format("memblock.coldplug[{}]", i);
            const toml::table* c = (*a)[i].as_table();
            if (!c) r.fail((*a)[i], f, "expected a table");
            r.only_keys(*c, f, {"name", "node", "base_pfn", "size_mb"});
            MemblockRegion reg;
            reg.hotplug = true;
            reg.nid = static_cast<int>(r.uint(*c, "node", f + ".node", node_range).value_or(0));
            reg.what = "cold-plugged DIMM " + r.str(*c, "name", f + ".name").value_or(fmt::format("coldplug{}", i));
            const auto base = r.uint(*c, "base_pfn", f + ".base_pfn", kPfn);
            const auto size = r.uint(*c, "size_mb", f + ".size_mb", {1, 1u << 20});
            if (!base || !size) r.fail(*c, f, "base_pfn and size_mb are required");
            reg.base_pfn = *base;
            reg.end_pfn = *base + *size * mib;
            if (reg.end_pfn > kPfnMax) r.fail(*c->get("size_mb"), f + ".size_mb", "the model keeps pfns below 2^32");
            for (const MemblockRegion& o : in.memory)
                if (reg.base_pfn < o.end_pfn && o.base_pfn < reg.end_pfn)
                    r.fail(*c->get("base_pfn"), f + ".base_pfn", fmt::format("overlaps {} [{:#x}, {:#x})", o.what, o.base_pfn, o.end_pfn));
            for (const Dimm& d : m.dimms)
                if (reg.base_pfn < d.base_pfn + d.nr_blocks * m.geo.pages_per_block && d.base_pfn < reg.end_pfn)
                    r.fail(*c->get("base_pfn"), f + ".base_pfn", fmt::format("overlaps the hot-plugged DIMM {}", d.name));
            in.memory.push_back(reg);
            // The same memory as the explorer sees it: a DIMM present at boot (Dimm::coldplug).
            Dimm d;
            d.name = reg.what.substr(std::string("cold-plugged DIMM ").size());
            if (!qemu_id(d.name))
                r.fail(*c, f + ".name", "a DIMM name is a QEMU id: a letter, then letters, digits, '-', '.' or '_' (at most 64)");
            d.node = reg.nid;
            d.base_pfn = reg.base_pfn;
            const std::uint64_t pages = reg.end_pfn - reg.base_pfn;
            if (pages % m.geo.pages_per_block || reg.base_pfn % m.geo.pages_per_block)
                r.fail(*c->get("size_mb"), f + ".size_mb",
                       fmt::format("a cold-plugged DIMM is whole memory blocks ({} MiB each), block aligned",
                                   m.geo.pages_to_mib(m.geo.pages_per_block)));
            d.nr_blocks = static_cast<unsigned>(pages / m.geo.pages_per_block);
            d.coldplug = true;
            m.dimms.push_back(d);
        }
    }
    std::sort(in.memory.begin(), in.memory.end(), [](const MemblockRegion& a, const MemblockRegion& b) { return a.base_pfn < b.base_pfn; });
    // [[memblock.mirror]]: the ranges the EFI memory map marks EFI_MEMORY_MORE_RELIABLE
    // (efi_find_mirror() -> memblock_mark_mirror(), which marks only under kernelcore=mirror).
    if (const toml::node* n = t.get("mirror")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "memblock.mirror", "expected [[memblock.mirror]] tables");
        if (!in.kernelcore_mirror)
            r.fail(*n, "memblock.mirror", "mirrored ranges count only with kernelcore_mirror = true (memblock_mark_mirror())");
        for (size_t i = 0; i < a->size(); ++i) {
            const std::string f = fmt::format("memblock.mirror[{}]", i);
            const toml::table* c = (*a)[i].as_table();
            if (!c) r.fail((*a)[i], f, "expected a table");
            r.only_keys(*c, f, {"base_pfn", "size_mb"});
            const auto base = r.uint(*c, "base_pfn", f + ".base_pfn", kPfn);
            const auto size = r.uint(*c, "size_mb", f + ".size_mb", {1, 1u << 20});
            if (!base || !size) r.fail(*c, f, "base_pfn and size_mb are required");
            if (*base + *size * mib > kPfnMax) r.fail(*c->get("size_mb"), f + ".size_mb", "the model keeps pfns below 2^32");
            memblock_mark_mirror(in, *base, *base + *size * mib);
        }
    }
    if (const toml::node* n = t.get("alloc")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "memblock.alloc", "expected [[memblock.alloc]] tables");
        for (size_t i = 0; i < a->size(); ++i) {
            const std::string f = fmt::format("memblock.alloc[{}]", i);
            const toml::table* c = (*a)[i].as_table();
            if (!c) r.fail((*a)[i], f, "expected a table");
            r.only_keys(*c, f, {"name", "pages", "before_srat", "node"});
            EarlyAlloc e;
            e.name = r.str(*c, "name", f + ".name").value_or(fmt::format("alloc{}", i));
            e.pages = r.uint(*c, "pages", f + ".pages", {1, 1u << 24}).value_or(1);
            e.before_srat = r.boolean(*c, "before_srat", f + ".before_srat").value_or(false);
            if (auto nd = r.uint(*c, "node", f + ".node", node_range)) e.nid = static_cast<int>(*nd);
            in.allocs.push_back(e);
        }
    } else {
        // The x86 order: before SRAT init_mem_mapping()'s page tables and setup_log_buf();
        // after it, per node NODE_DATA (alloc_node_data) and the boot memmap (sparse_init).
        in.allocs.push_back({"page tables (init_mem_mapping)", 512, true});
        in.allocs.push_back({"log_buf (setup_log_buf)", 64, true});
        for (int nid = 0; nid < m.nr_nodes; ++nid) in.allocs.push_back({fmt::format("NODE_DATA({})", nid), 16, false, nid});
        for (int nid = 0; nid < m.nr_nodes; ++nid) {
            std::uint64_t pages = 0;
            for (const MemblockRegion& reg : in.memory)
                if (reg.nid == nid) pages += reg.end_pfn - reg.base_pfn;
            if (pages) in.allocs.push_back({fmt::format("memmap of node {} (sparse_init)", nid), m.geo.memmap_bytes(pages) / m.geo.page_size, false, nid});
        }
    }
    return in;
}
}  // namespace

Scenario load_scenario(const std::string& path) {
    const InputScope scope(path);
    Reader r{path};
    toml::table doc;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw ScenarioError(path, 1, "file", std::filesystem::exists(path, ec) ? "not a regular file" : "cannot be read");
    if (std::filesystem::file_size(path, ec) > (1u << 20))  // the suite's largest is 4 KiB
        throw ScenarioError(path, 1, "file", "larger than 1 MiB: not a scenario");
    try {
        doc = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        const auto& src = e.source();
        if (src.begin.line == 0 && std::string(e.description()).find("open") != std::string::npos)
            throw ScenarioError(path, 1, "file", "cannot be read");
        throw ScenarioError(path, std::max(1L, static_cast<long>(src.begin.line)), "syntax", std::string(e.description()));
    }
    r.only_keys(doc, "", {"name", "description", "variant", "expect", "invariants", "geometry", "kernel", "nodes",
                          "cpus_per_node", "boot_ram_mb", "boot", "dimm", "device", "virtio_mem", "explore", "step", "tags",
                          "memblock", "setup", "threads", "boot_blocks"});
    Scenario sc;
    sc.path = path;
    for (auto&& [k, v] : doc) sc.key_lines[std::string(k.str())] = r.line_of(v);
    sc.name = r.str(doc, "name", "name").value_or("");
    if (sc.name.empty()) throw ScenarioError(path, sc.line_of("name"), "name", "every scenario needs a name");
    sc.description = r.str(doc, "description", "description").value_or("");
    sc.variant = r.str(doc, "variant", "variant").value_or("v6.1");
    sc.expect = r.str(doc, "expect", "expect").value_or("pass");
    if (sc.expect != "pass" && sc.expect != "violation" && sc.expect.rfind("violation: ", 0) != 0)
        r.fail(*doc.get("expect"), "expect", "must be \"pass\", \"violation\" or \"violation: <invariant>\"");

    Machine& m = sc.machine;
    // [geometry]: a preset plus overrides.
    m.geo = *geometry_preset("x86_64");
    if (const toml::table* g = r.table(doc, "geometry")) {
        r.only_keys(*g, "geometry", {"preset", "page_size", "pages_per_subsection", "pages_per_section",
                                     "pages_per_block", "pageblock_nr_pages", "struct_page_size", "pmd_pages",
                                     "block_size_mb", "section_size_mb"});
        if (auto p = r.str(*g, "preset", "geometry.preset")) {
            auto preset = geometry_preset(*p);
            if (!preset)
                r.fail(*g->get("preset"), "geometry.preset",
                       fmt::format("unknown geometry '{}' (known: {})", *p, fmt::join(geometry_preset_names(), ", ")));
            m.geo = *preset;
        }
        bool custom = false;
        auto over = [&](const char* key, std::uint64_t& field, Range range = kGeoPages) {
            if (auto v = r.uint(*g, key, std::string("geometry.") + key, range)) {
                field = *v;
                custom = true;
            }
        };
        over("page_size", m.geo.page_size, {4096, 1u << 20});
        if (g->get("page_size")) m.geo.pages_per_subsection = (2ull << 20) / std::max<std::uint64_t>(m.geo.page_size, 1);
        over("pages_per_subsection", m.geo.pages_per_subsection);
        over("pages_per_section", m.geo.pages_per_section);
        over("pages_per_block", m.geo.pages_per_block);
        over("pageblock_nr_pages", m.geo.pageblock_nr_pages);
        over("struct_page_size", m.geo.struct_page_size, {8, 4096});
        over("pmd_pages", m.geo.pmd_pages);
        if (auto v = r.uint(*g, "block_size_mb", "geometry.block_size_mb", {1, 1u << 20})) {
            m.geo.pages_per_block = m.geo.mib_to_pages(*v);
            custom = true;
        }
        if (auto v = r.uint(*g, "section_size_mb", "geometry.section_size_mb", {1, 1u << 20})) {
            m.geo.pages_per_section = m.geo.mib_to_pages(*v);
            custom = true;
        }
        if (custom) m.geo.preset += "+custom";
        if (auto e = validate_geometry(m.geo)) {
            const toml::node* n = g->get(e->field);
            throw ScenarioError(path, n ? r.line_of(*n) : r.line_of(*g), "geometry." + e->field, e->message);
        }
    }
    // [kernel]
    if (const toml::table* k = r.table(doc, "kernel")) {
        r.only_keys(*k, "kernel", {"memmap_on_memory", "movable_node", "default_online_type", "online_policy",
                                   "auto_movable_ratio", "auto_movable_numa_aware", "vmalloc_vmemmap_overlap",
                                   "pagetables", "hugetlb_optimize_vmemmap", "sparsemem_vmemmap", "rodata_full",
                                   "direct_gbpages"});
        m.params.rodata_full = r.boolean(*k, "rodata_full", "kernel.rodata_full").value_or(true);
        m.params.direct_gbpages = r.boolean(*k, "direct_gbpages", "kernel.direct_gbpages").value_or(false);
        if (m.params.direct_gbpages && m.geo.preset.rfind("x86_64", 0) != 0)
            r.fail(*k->get("direct_gbpages"), "kernel.direct_gbpages",
                   "direct_gbpages is x86's (1 GiB PUD leaves in the linear map); this preset has none");
        m.params.pagetables = r.boolean(*k, "pagetables", "kernel.pagetables").value_or(false);
        m.params.hugetlb_optimize_vmemmap =
            r.boolean(*k, "hugetlb_optimize_vmemmap", "kernel.hugetlb_optimize_vmemmap").value_or(false);
        if (m.params.hugetlb_optimize_vmemmap) {
            // HVO lives in the page tables; the model has it for x86_64 (64-byte struct pages, 4K).
            m.params.pagetables = true;
            if (m.geo.preset.rfind("x86_64", 0) != 0 || m.geo.page_size != 4096 || m.geo.struct_page_size != 64)
                r.fail(*k->get("hugetlb_optimize_vmemmap"), "kernel.hugetlb_optimize_vmemmap",
                       "HVO is modelled for x86_64 with 4K pages and 64-byte struct pages");
        }
        m.params.sparsemem_vmemmap = r.boolean(*k, "sparsemem_vmemmap", "kernel.sparsemem_vmemmap").value_or(true);
        m.params.vmalloc_vmemmap_overlap =
            r.boolean(*k, "vmalloc_vmemmap_overlap", "kernel.vmalloc_vmemmap_overlap").value_or(false);
        if (const toml::node* n = k->get("memmap_on_memory")) {
            if (auto b = n->value<bool>()) m.params.memmap_on_memory = *b ? MemmapMode::ENABLE : MemmapMode::DISABLE;
            else if (n->value<std::string>() == std::optional<std::string>("force")) m.params.memmap_on_memory = MemmapMode::FORCE;
            else r.fail(*n, "kernel.memmap_on_memory", "expected true, false or \"force\"");
        }
        m.params.movable_node = r.boolean(*k, "movable_node", "kernel.movable_node").value_or(false);
        if (auto t = r.str(*k, "default_online_type", "kernel.default_online_type")) {
            int found = -1;
            for (int i = MMOP_OFFLINE; i <= MMOP_ONLINE_MOVABLE; ++i)
                if (*t == online_type_name(i)) found = i;
            if (found < 0)
                r.fail(*k->get("default_online_type"), "kernel.default_online_type",
                       "expected offline, online, online_kernel or online_movable");
            m.params.default_online_type = static_cast<OnlineType>(found);
        }
        if (auto p = r.str(*k, "online_policy", "kernel.online_policy")) {
            if (*p == "auto-movable") m.params.online_policy = OnlinePolicy::AUTO_MOVABLE;
            else if (*p != "contig-zones")
                r.fail(*k->get("online_policy"), "kernel.online_policy", "expected \"contig-zones\" or \"auto-movable\"");
        }
        // memory_hotplug.auto_movable_ratio is an unsigned int percentage (default 301).
        if (auto v = r.uint(*k, "auto_movable_ratio", "kernel.auto_movable_ratio", {0, 100000}))
            m.params.auto_movable_ratio = static_cast<unsigned>(*v);
        m.params.auto_movable_numa_aware =
            r.boolean(*k, "auto_movable_numa_aware", "kernel.auto_movable_numa_aware").value_or(true);
    }
    // Nodes and boot memory.
    m.nr_nodes = static_cast<int>(r.uint(doc, "nodes", "nodes", {1, MAX_NODES}).value_or(1));
    const Range node_range{0, static_cast<std::uint64_t>(m.nr_nodes - 1)};
    m.cpus_per_node.assign(m.nr_nodes, 0);
    m.cpus_per_node[0] = 1;
    if (const toml::node* n = doc.get("cpus_per_node")) {
        const toml::array* a = n->as_array();
        if (!a || a->size() != static_cast<size_t>(m.nr_nodes))
            r.fail(*n, "cpus_per_node", fmt::format("expected an array of {} integers", m.nr_nodes));
        for (size_t i = 0; i < a->size(); ++i)
            m.cpus_per_node[i] = static_cast<int>(r.uint_node((*a)[i], fmt::format("cpus_per_node[{}]", i), {0, 4096}));
    }
    if (const toml::node* n = doc.get("boot")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "boot", "expected [[boot]] tables");
        for (size_t i = 0; i < a->size(); ++i) {
            const toml::table* t = (*a)[i].as_table();
            const std::string f = fmt::format("boot[{}]", i);
            if (!t) r.fail((*a)[i], f, "expected a table");
            r.only_keys(*t, f, {"node", "zone", "start_pfn", "end_pfn", "present", "managed"});
            BootZone z;
            z.node = static_cast<int>(r.uint(*t, "node", f + ".node", node_range).value_or(0));
            const std::string zn = r.str(*t, "zone", f + ".zone").value_or("");
            unsigned zi = 0;
            if (!parse_zone(zn, zi)) r.fail(*t, f + ".zone", fmt::format("unknown zone '{}' (DMA, DMA32, Normal, Movable)", zn));
            z.zone = static_cast<ZoneIdx>(zi);
            auto start = r.uint(*t, "start_pfn", f + ".start_pfn", kPfn), end = r.uint(*t, "end_pfn", f + ".end_pfn", kPages);
            if (!start || !end) r.fail(*t, f, "start_pfn and end_pfn are required");
            z.start_pfn = *start;
            z.end_pfn = *end;
            if (z.end_pfn <= z.start_pfn) r.fail(*t->get("end_pfn"), f + ".end_pfn", "end_pfn must be above start_pfn");
            z.present = r.uint(*t, "present", f + ".present", kPages).value_or(z.end_pfn - z.start_pfn);
            z.managed = r.uint(*t, "managed", f + ".managed", kPages).value_or(z.present);
            m.boot.push_back(z);
        }
    } else if (auto ram = r.uint(doc, "boot_ram_mb", "boot_ram_mb", {32, 1u << 22})) {  // DMA + DMA32 .. 4 TiB
        if (m.geo.page_size != 4096)
            r.fail(*doc.get("boot_ram_mb"), "boot_ram_mb", "the boot_ram_mb shorthand is the x86 PC layout; use [[boot]]");
        x86_boot_layout(m, *ram);
    } else {
        x86_boot_layout(m, 1024);
    }
    std::sort(m.boot.begin(), m.boot.end(), [](auto& a, auto& b) { return a.start_pfn < b.start_pfn; });
    // DIMMs: first-fit from the hotplug area like QEMU (4 GiB, or above boot memory).
    pfn_t next_base = 0;
    {
        pfn_t boot_end = 0;
        for (const BootZone& z : m.boot) boot_end = std::max(boot_end, z.end_pfn);
        const pfn_t four_gib = (4ull << 30) / m.geo.page_size, gib = (1ull << 30) / m.geo.page_size;
        next_base = std::max(four_gib, (boot_end + gib - 1) / gib * gib);
    }
    if (const toml::node* n = doc.get("dimm")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "dimm", "expected [[dimm]] tables");
        for (size_t i = 0; i < a->size(); ++i) {
            const toml::table* t = (*a)[i].as_table();
            const std::string f = fmt::format("dimm[{}]", i);
            if (!t) r.fail((*a)[i], f, "expected a table");
            r.only_keys(*t, f, {"name", "node", "size_mb", "blocks", "base_pfn"});
            Dimm d;
            d.name = r.str(*t, "name", f + ".name").value_or(fmt::format("dimm{}", i));
            if (!qemu_id(d.name))
                r.fail(*t->get("name"), f + ".name",
                       "a DIMM name is a QEMU id: a letter, then letters, digits, '-', '.' or '_' (at most 64)");
            d.node = static_cast<int>(r.uint(*t, "node", f + ".node", node_range).value_or(0));
            const std::uint64_t block_mib = m.geo.pages_to_mib(m.geo.pages_per_block);
            if (auto mb = r.uint(*t, "size_mb", f + ".size_mb", {1, MAX_BLOCKS * std::max<std::uint64_t>(block_mib, 1)})) {
                const std::uint64_t pages = m.geo.mib_to_pages(*mb);
                if (pages == 0 || pages % m.geo.pages_per_block)
                    r.fail(*t->get("size_mb"), f + ".size_mb",
                           fmt::format("{} MiB is not a whole number of memory blocks ({} MiB each)", *mb,
                                       m.geo.pages_to_mib(m.geo.pages_per_block)));
                d.nr_blocks = static_cast<unsigned>(pages / m.geo.pages_per_block);
            } else {
                d.nr_blocks = static_cast<unsigned>(r.uint(*t, "blocks", f + ".blocks", {1, MAX_BLOCKS}).value_or(1));
            }
            d.base_pfn = r.uint(*t, "base_pfn", f + ".base_pfn", kPfn).value_or(next_base);
            next_base = std::max(next_base, d.base_pfn + d.nr_blocks * m.geo.pages_per_block);
            m.dimms.push_back(d);
        }
    }
    if (const toml::node* n = doc.get("device")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "device", "expected [[device]] tables");
        for (size_t i = 0; i < a->size(); ++i) {
            const toml::table* t = (*a)[i].as_table();
            const std::string f = fmt::format("device[{}]", i);
            if (!t) r.fail((*a)[i], f, "expected a table");
            r.only_keys(*t, f, {"name", "node", "base_pfn", "subsections", "altmap", "altmap_reserve"});
            Device d;
            d.name = r.str(*t, "name", f + ".name").value_or(fmt::format("pmem{}", i));
            if (!qemu_id(d.name))
                r.fail(*t->get("name"), f + ".name", "a device name: a letter, then letters, digits, '-', '.' or '_' (at most 64)");
            d.node = static_cast<int>(r.uint(*t, "node", f + ".node", node_range).value_or(0));
            const auto base = r.uint(*t, "base_pfn", f + ".base_pfn", kPfn);
            if (!base) r.fail(*t, f + ".base_pfn", "the device's first pfn is required");
            d.base_pfn = *base;
            const auto subs = r.uint(*t, "subsections", f + ".subsections", {1, 1u << 16});
            if (!subs) r.fail(*t, f + ".subsections", "the size in subsections is required");
            d.nr_pages = *subs * m.geo.pages_per_subsection;
            d.altmap = r.boolean(*t, "altmap", f + ".altmap").value_or(false);
            // nd_pfn: info_block_reserve() = 8 KiB before the memmap
            d.altmap_reserve = r.uint(*t, "altmap_reserve", f + ".altmap_reserve", {0, 1u << 16})
                                   .value_or(d.altmap ? (8192 + m.geo.page_size - 1) / m.geo.page_size : 0);
            if (!d.altmap) d.altmap_reserve = 0;
            // vmem_altmap.free: the struct pages of every section chunk of the range
            const std::uint64_t pps = m.geo.pages_per_section;
            for (std::uint64_t p = d.base_pfn, end = d.base_pfn + d.nr_pages; d.altmap && p < end;) {
                const std::uint64_t cur = std::min<std::uint64_t>(end - p, pps - p % pps);
                d.altmap_free += (m.geo.memmap_bytes(cur) + m.geo.page_size - 1) / m.geo.page_size;
                p += cur;
            }
            m.devices.push_back(d);
        }
    }
    // [[virtio_mem]]: virtio-mem devices in Big Block Mode (spec/ops/virtio_mem.cpp); each big
    // block becomes a Dimm entry after the [[dimm]]s, placed first-fit after them like QEMU's
    // memory devices (aligned to the big block).
    if (const toml::node* n = doc.get("virtio_mem")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "virtio_mem", "expected [[virtio_mem]] tables");
        for (size_t i = 0; i < a->size(); ++i) {
            const toml::table* t = (*a)[i].as_table();
            const std::string f = fmt::format("virtio_mem[{}]", i);
            if (!t) r.fail((*a)[i], f, "expected a table");
            r.only_keys(*t, f, {"name", "node", "size_mb", "block_size_mb", "base_pfn", "force_bbm"});
            VirtioMem vm;
            vm.name = r.str(*t, "name", f + ".name").value_or(fmt::format("vm{}", i));
            if (!qemu_id(vm.name))
                r.fail(*t->get("name"), f + ".name",
                       "a virtio-mem name is a QEMU id: a letter, then letters, digits, '-', '.' or '_' (at most 64)");
            for (const VirtioMem& o : m.virtio_mems)
                if (o.name == vm.name) r.fail(*t->get("name"), f + ".name", fmt::format("duplicate virtio-mem name '{}'", vm.name));
            vm.node = static_cast<int>(r.uint(*t, "node", f + ".node", node_range).value_or(0));
            const auto size = r.uint(*t, "size_mb", f + ".size_mb", {1, 1u << 20});
            if (!size) r.fail(*t, f + ".size_mb", "the region size (QEMU memory-backend size) is required");
            vm.region_pages = m.geo.mib_to_pages(*size);
            const std::uint64_t block_mib = m.geo.pages_to_mib(m.geo.pages_per_block);
            vm.device_block_pages =
                m.geo.mib_to_pages(r.uint(*t, "block_size_mb", f + ".block_size_mb", {1, 1u << 20}).value_or(block_mib));
            vm.force_bbm = r.boolean(*t, "force_bbm", f + ".force_bbm").value_or(false);
            const std::uint64_t bb = std::max<std::uint64_t>(vm.device_block_pages, m.geo.pages_per_block);
            vm.base_pfn = r.uint(*t, "base_pfn", f + ".base_pfn", kPfn).value_or((next_base + bb - 1) / bb * bb);
            if (const std::string e = m.add_virtio_mem(vm); !e.empty()) r.fail(*t, f, e);
            next_base = std::max(next_base, vm.base_pfn + vm.region_pages);
        }
    }
    validate_machine(m, path, [&](const std::string& field) {
        // a big block's DIMM entry is reported at its [[virtio_mem]] table
        if (field.rfind("dimm[", 0) == 0) {
            const size_t d = std::stoul(field.substr(5));
            if (d < m.dimms.size() && m.dimms[d].virtio_mem >= 0)
                return r.line_of_path(doc, fmt::format("virtio_mem[{}]", m.dimms[d].virtio_mem));
        }
        return r.line_of_path(doc, field);
    });
    // Without CONFIG_SPARSEMEM_VMEMMAP there is no CONFIG_MHP_MEMMAP_ON_MEMORY:
    // mhp_memmap_on_memory() is false whatever the command line says.
    if (!m.params.sparsemem_vmemmap) m.params.memmap_on_memory = MemmapMode::DISABLE;
    // Without CONFIG_SPARSEMEM_VMEMMAP there is no vmemmap to map.
    if (m.params.pagetables && !m.params.sparsemem_vmemmap)
        throw ScenarioError(path, r.line_of_path(doc, "kernel.pagetables"), "kernel.pagetables",
                            "there are no vmemmap page tables without sparsemem_vmemmap");
    // boot_blocks: boot RAM memory blocks the explorer offlines and onlines (spec/boot.hpp).
    if (const toml::node* n = doc.get("boot_blocks")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "boot_blocks", "expected an array of memory block ids (memoryN)");
        if (m.params.online_policy == OnlinePolicy::AUTO_MOVABLE)
            r.fail(*n, "boot_blocks", "not modelled with online_policy=auto-movable (zone->present_early_pages of boot memory)");
        for (size_t i = 0; i < a->size(); ++i) {
            const auto id = (*a)[i].value<std::int64_t>();
            if (!id || *id < 0) r.fail((*a)[i], fmt::format("boot_blocks[{}]", i), "expected a memory block id (memoryN)");
            for (std::uint64_t o : m.boot_block_ids)
                if (o == static_cast<std::uint64_t>(*id)) r.fail((*a)[i], fmt::format("boot_blocks[{}]", i), "listed twice");
            m.boot_block_ids.push_back(static_cast<std::uint64_t>(*id));
        }
        if (m.dimms.size() + m.boot_block_ids.size() > MAX_DIMMS)
            r.fail(*n, "boot_blocks", fmt::format("at most {} DIMMs and boot blocks together", MAX_DIMMS));
    }
    m.finalize();
    if (const toml::table* mb = r.table(doc, "memblock")) {
        sc.memblock = read_memblock(r, *mb, m);
        validate_machine(m, path, [&](const std::string& field) {
            return r.line_of_path(doc, field.rfind("dimm", 0) == 0 ? "memblock.coldplug" : field);
        });
        m.finalize();
        // Boot zones and pinned blocks of the cold-plugged DIMMs under the scenario's variant
        // (run_scenario() redoes it when --variant picks another allocation direction or
        // kernelcore=mirror behaviour). kernelcore= / movablecore= / movable_node /
        // kernelcore=mirror: ZONE_MOVABLE out of boot RAM.
        const Variant* v = find_variant(sc.variant);
        sc.boot_bottom_up = v ? v->memblock_bottom_up_for_movable_node : true;
        sc.boot_mirror_needs_mirror = v && v->kernelcore_mirror_needs_mirrored_memory;
        sc.boot_uncarved = m.boot;
        if (const std::string e = layout_boot(m, sc.boot_uncarved, *sc.memblock, sc.boot_bottom_up, sc.boot_mirror_needs_mirror);
            !e.empty()) {
            // carve_boot_blocks() names a boot block ("memoryN ..."), apply_boot_layout() a DIMM.
            const char* field = e.rfind("memory", 0) == 0 ? "boot_blocks" : "memblock.coldplug";
            throw ScenarioError(path, r.line_of_path(doc, field), field, e);
        }
    }
    if (!sc.memblock && !m.boot_block_ids.empty())  // with [memblock], layout_boot() carved them
        if (const std::string e = carve_boot_blocks(m); !e.empty()) r.fail(*doc.get("boot_blocks"), "boot_blocks", e);
    if (const std::string why = compute_pt_layout(m, m.params.pagetables); !why.empty())
        throw ScenarioError(path, r.line_of_path(doc, "kernel.pagetables"), "kernel.pagetables", why);
    // [explore]
    if (const toml::table* e = r.table(doc, "explore")) {
        r.only_keys(*e, "explore", {"actions", "faults", "max_depth"});
        auto list = [&](const char* key, auto&& parse_one) {
            const toml::node* n = e->get(key);
            if (!n) return;
            const toml::array* a = n->as_array();
            if (!a) r.fail(*n, std::string("explore.") + key, "expected an array of strings");
            for (size_t i = 0; i < a->size(); ++i) {
                auto s = (*a)[i].value<std::string>();
                if (!s) r.fail((*a)[i], fmt::format("explore.{}[{}]", key, i), "expected a string");
                parse_one((*a)[i], *s, fmt::format("explore.{}[{}]", key, i));
            }
        };
        list("actions", [&](const toml::node& n, const std::string& s, const std::string& f) {
            ActionKind k;
            if (!parse_action_kind(s, k))
                r.fail(n, f, fmt::format("unknown action '{}' (add, eject, online, online_kernel, online_movable, "
                                         "offline, remove, hugetlb_alloc, hugetlb_free, memremap, memunmap, "
                                         "soft_offline_page)", s));
            if ((k == ActionKind::HUGETLB_ALLOC || k == ActionKind::HUGETLB_FREE) && !m.params.pagetables)
                r.fail(n, f, "hugetlb_alloc/hugetlb_free need [kernel] pagetables = true (or hugetlb_optimize_vmemmap)");
            sc.actions.push_back(k);
        });
        list("faults", [&](const toml::node& n, const std::string& s, const std::string& f) {
            FaultKind k;
            if (!parse_fault(s, k))
                r.fail(n, f, fmt::format("unknown fault '{}' (unmovable-pages, notifier-veto-online, "
                                         "notifier-veto-offline, section-enomem, memory-block-enomem, notifier-veto-prepare-online, "
                                         "memmap-enomem)", s));
            sc.faults.push_back(k);
        });
        sc.max_depth = static_cast<unsigned>(r.uint(*e, "max_depth", "explore.max_depth", {0, 1u << 16}).value_or(0));
    }
    if (const toml::node* n = doc.get("invariants")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "invariants", "expected an array of invariant names");
        for (size_t i = 0; i < a->size(); ++i) {
            auto s = (*a)[i].value<std::string>();
            if (!s) r.fail((*a)[i], fmt::format("invariants[{}]", i), "expected a string");
            sc.invariants.push_back(*s);  // names are checked against the registry by the checker
        }
    }
    // tags = ["...", ...]: free labels for `hpcheck suite --tag`.
    if (const toml::node* n = doc.get("tags")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "tags", "expected an array of strings");
        for (size_t i = 0; i < a->size(); ++i) {
            auto s = (*a)[i].value<std::string>();
            if (!s || s->empty()) r.fail((*a)[i], fmt::format("tags[{}]", i), "expected a non-empty string");
            sc.tags.push_back(*s);
        }
    }
    // [[step]]: a litmus test.
    if (const toml::node* n = doc.get("step")) {
        const toml::array* a = n->as_array();
        if (!a) r.fail(*n, "step", "expected [[step]] tables");
        for (size_t i = 0; i < a->size(); ++i) {
            const toml::table* t = (*a)[i].as_table();
            const std::string f = fmt::format("step[{}]", i);
            if (!t) r.fail((*a)[i], f, "expected a table");
            r.only_keys(*t, f, {"op", "dimm", "block", "device", "virtio_mem", "count", "fault", "fault_index", "expect_rc", "expect_zone",
                                "expect_state", "expect_valid_zones"});
            LitmusStep st;
            st.line = r.line_of(*t);
            const std::string op = r.str(*t, "op", f + ".op").value_or("");
            if (!parse_action_kind(op, st.action.kind)) r.fail(*t, f + ".op", fmt::format("unknown op '{}'", op));
            if (virtio_mem_action(st.action.kind)) {
                st.action.target = virtio_mem_target(r, *t, f, m);
            } else if (st.action.kind == ActionKind::DIMM_ADD || st.action.kind == ActionKind::DIMM_EJECT) {
                const std::string dn = r.str(*t, "dimm", f + ".dimm").value_or("");
                auto it = std::find_if(m.dimms.begin(), m.dimms.end(), [&](const Dimm& d) { return d.name == dn; });
                if (it == m.dimms.end()) r.fail(*t, f + ".dimm", fmt::format("no DIMM named '{}'", dn));
                st.action.target = static_cast<std::uint8_t>(it - m.dimms.begin());
            } else if (device_action(st.action.kind)) {
                const std::string dn = r.str(*t, "device", f + ".device").value_or("");
                auto it = std::find_if(m.devices.begin(), m.devices.end(), [&](const Device& d) { return d.name == dn; });
                if (it == m.devices.end()) r.fail(*t, f + ".device", fmt::format("no device named '{}'", dn));
                st.action.target = static_cast<std::uint8_t>(it - m.devices.begin());
            } else {
                auto id = r.uint(*t, "block", f + ".block", {0, ~0ull});
                if (!id) r.fail(*t, f + ".block", "the memory block number (memoryN) is required");
                auto it = std::find_if(m.blocks.begin(), m.blocks.end(),
                                       [&](const BlockInfo& b) { return b.memory_block_id == *id; });
                if (it == m.blocks.end())
                    r.fail(*t->get("block"), f + ".block", fmt::format("memory{} is not hot-pluggable memory of this machine", *id));
                st.action.target = static_cast<std::uint8_t>(it - m.blocks.begin());
                st.action.count = static_cast<std::uint8_t>(r.uint(*t, "count", f + ".count", {1, MAX_BLOCKS}).value_or(1));
                if (st.action.kind == ActionKind::REMOVE_MEMORY &&
                    it->index_in_dimm + st.action.count > m.dimms[it->dimm].nr_blocks)
                    r.fail(*t, f + ".count", "the range must stay inside one DIMM");
            }
            if (auto fs = r.str(*t, "fault", f + ".fault")) {
                if (!parse_fault(*fs, st.action.fault.kind)) r.fail(*t->get("fault"), f + ".fault", fmt::format("unknown fault '{}'", *fs));
                st.action.fault.index = static_cast<std::uint8_t>(
                    r.uint(*t, "fault_index", f + ".fault_index", {0, 255})
                        .value_or(st.action.fault.kind == FaultKind::UNMOVABLE_PAGES ? st.action.target : 0));
                if (st.action.fault.kind == FaultKind::UNMOVABLE_PAGES && st.action.fault.index >= m.blocks.size())
                    r.fail(*t, f + ".fault_index", "unmovable-pages names a block index of this machine");
            }
            if (auto rc = r.str(*t, "expect_rc", f + ".expect_rc")) {
                int e = 0;
                if (!parse_errno(*rc, e)) r.fail(*t->get("expect_rc"), f + ".expect_rc", fmt::format("unknown errno '{}'", *rc));
                st.expect_rc = e;
            }
            st.expect_state = r.str(*t, "expect_state", f + ".expect_state");
            st.expect_valid_zones = r.str(*t, "expect_valid_zones", f + ".expect_valid_zones");
            if (const toml::table* ez = r.table(*t, "expect_zone")) {
                for (auto&& [k, v] : *ez) {
                    const std::string key(k.str()), ff = f + ".expect_zone." + key;
                    const toml::table* zt = v.as_table();
                    if (!zt) r.fail(v, ff, "expected a table {start_pfn, spanned, present, managed}");
                    r.only_keys(*zt, ff, {"start_pfn", "spanned", "present", "managed"});
                    ZoneExpect ze;
                    const auto slash = key.find('/');
                    unsigned zi = 0;
                    const auto node = parse_uint_text(key.substr(0, slash == std::string::npos ? 0 : slash));
                    if (slash == std::string::npos || !node || !parse_zone(key.substr(slash + 1), zi))
                        r.fail(v, ff, "keys are \"<node>/<Zone>\", e.g. \"0/Movable\"");
                    if (*node >= static_cast<std::uint64_t>(m.nr_nodes)) r.fail(v, ff, "no such node");
                    ze.node = static_cast<int>(*node);
                    ze.zone = zi;
                    ze.start_pfn = r.uint(*zt, "start_pfn", ff + ".start_pfn", kPfn);
                    ze.spanned = r.uint(*zt, "spanned", ff + ".spanned", kPages);
                    ze.present = r.uint(*zt, "present", ff + ".present", kPages);
                    ze.managed = r.uint(*zt, "managed", ff + ".managed", kPages);
                    st.expect_zones.push_back(ze);
                }
            }
            sc.steps.push_back(st);
        }
    }
    parse_threads(r, doc, sc);
    if (sc.threads.enabled()) {
        if (!sc.steps.empty() || !sc.actions.empty())
            throw ScenarioError(path, sc.line_of("threads"), "threads",
                                "a threaded scenario has no [explore] and no [[step]]: its threads are what runs");
        return sc;
    }
    if (doc.get("setup")) throw ScenarioError(path, sc.line_of("setup"), "setup", "setup is only for [[threads]] scenarios");
    if (sc.steps.empty() && sc.actions.empty())
        throw ScenarioError(path, r.line_of_path(doc, "explore.actions"), "explore.actions",
                            "a scenario needs [[step]]s or an [explore] action list");
    if (!sc.steps.empty() && !sc.actions.empty())
        throw ScenarioError(path, r.line_of_path(doc, "explore"), "explore",
                            "a scenario is either a litmus test ([[step]]) or an exploration ([explore])");
    return sc;
}

}  // namespace hp
