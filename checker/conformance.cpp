#include "checker/conformance.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "checker/json_input.hpp"
#include "spec/action.hpp"
#include "spec/input_check.hpp"
#include "spec/scenario.hpp"
#include "spec/sysfs.hpp"
#include "spec/variant.hpp"

namespace hp::conformance {

using json = nlohmann::json;

RecordingError::RecordingError(const std::string& file, long line, const std::string& field, const std::string& msg)
    : std::runtime_error(error_line(file, std::max(1L, line), field, msg)) {}

namespace {

// ---------------------------------------------------------------------------------------
// The recording, parsed and checked.

struct ZoneRec {
    int node = 0;
    std::string zone;
    std::optional<std::uint64_t> start_pfn;  // null: no present pages
    std::uint64_t spanned = 0, present = 0, managed = 0;
};

struct BlockRec {
    std::string state, valid_zones;
};

struct StepRec {
    long line = 0;
    int seq = 0, step = 0;
    std::string op;
    std::string slot;                 // dimm_add / dimm_eject
    int node = 0;                     // dimm_add: args.node (the pc-dimm's node property)
    std::uint64_t size_mb = 0;        // dimm_add
    std::int64_t block = -1;          // online* / offline
    int rc = 0;
    std::string err;                  // "ok" or the errno name
    std::optional<std::uint64_t> base_pfn;
    std::vector<std::uint64_t> dimm_blocks;
    bool cleanup = false;
    std::map<std::uint64_t, BlockRec> blocks;
    std::vector<ZoneRec> zones;       // in file order
    std::uint64_t memtotal_kb = 0;
};

struct ColdplugRec {  // a pc-dimm on QEMU's command line (record.py --coldplug)
    std::string slot;
    std::uint64_t size_mb = 0, base_pfn = 0;
    int node = 0;
};

struct VirtioMemRec {  // a virtio-mem-pci device on QEMU's command line (record.py --virtio-mem)
    std::string id;
    int node = 0;
    std::uint64_t size_mb = 0, block_size_mb = 0, base_pfn = 0;
    bool force_bbm = false;
};

struct Header {
    std::vector<VirtioMemRec> virtio_mem;
    std::string kernel;
    std::string cmdline;
    unsigned numa_nodes = 0;          // record.py --numa: number of nodes (0: not given)
    std::vector<ColdplugRec> coldplug;
    std::uint64_t boot_ram_mb = 0, block_pages = 0;
    std::string memmap_on_memory;
    std::optional<std::string> online_policy, auto_online_blocks, auto_movable_ratio, auto_movable_numa_aware;
    std::vector<ZoneRec> boot_zones;
    std::uint64_t boot_memtotal_kb = 0;
    unsigned boots = 0, steps = 0;
    double wall_seconds = 0;
};

// Ranges of the recorded numbers: pfns and page counts as the model holds them (below 2^32),
// counters that fit an int.
constexpr Range kPfn{0, (1ull << 32) - 1}, kPages{0, 1ull << 32}, kCount{0, 1u << 30}, kKiB{0, 1ull << 44};

struct Parser {
    std::string file;
    long line = 0;

    [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
        throw RecordingError(file, line, field, msg);
    }
    const json& get(const json& o, const char* key, const std::string& field) const {
        if (!o.is_object()) fail(field, "expected an object");
        auto it = o.find(key);
        if (it == o.end()) fail(field, "missing");
        return *it;
    }
    std::uint64_t uint(const json& o, const char* key, const std::string& field, Range range) const {
        const json& v = get(o, key, field);
        if (!v.is_number_unsigned()) fail(field, "expected a non-negative integer");
        const std::uint64_t n = v.get<std::uint64_t>();
        if (const std::string e = range_error(n, range); !e.empty()) fail(field, e);
        return n;
    }
    std::int64_t sint(const json& o, const char* key, const std::string& field) const {
        const json& v = get(o, key, field);
        if (!v.is_number_integer()) fail(field, "expected an integer");
        return v.get<std::int64_t>();
    }
    std::string str(const json& o, const char* key, const std::string& field) const {
        const json& v = get(o, key, field);
        if (!v.is_string()) fail(field, "expected a string");
        return v.get<std::string>();
    }
    std::optional<std::string> str_or_null(const json& o, const char* key, const std::string& field) const {
        if (!o.contains(key) || o.at(key).is_null()) return std::nullopt;
        return str(o, key, field);
    }
    ZoneRec zone(const json& z, const std::string& field) const {
        ZoneRec r;
        const json& sp = get(z, "start_pfn", field + ".start_pfn");
        if (!sp.is_null()) r.start_pfn = uint(z, "start_pfn", field + ".start_pfn", kPfn);
        r.spanned = uint(z, "spanned", field + ".spanned", kPages);
        r.present = uint(z, "present", field + ".present", kPages);
        r.managed = uint(z, "managed", field + ".managed", kPages);
        return r;
    }
};

json parse_line(const Parser& p, const std::string& text) {
    json j;
    try {
        j = parse_json_limited(text, 16);  // a recording line nests 4 deep
    } catch (const JsonInputError& e) {
        p.fail("json", e.message);
    }
    if (!j.is_object()) p.fail("line", "expected a JSON object");
    return j;
}

Header parse_header(Parser& p, const json& h) {
    Header r;
    if (p.str(h, "format", "format") != "hpcheck-recording/1") p.fail("format", "expected \"hpcheck-recording/1\"");
    r.kernel = p.str(h, "kernel", "kernel");
    if (h.contains("cmdline") && h["cmdline"].is_string()) r.cmdline = h["cmdline"].get<std::string>();
    if (h.contains("numa_node_mb")) {
        const json& n = h["numa_node_mb"];
        if (!n.is_array() || n.empty() || n.size() > MAX_NODES)
            p.fail("numa_node_mb", fmt::format("expected a list of 1..{} sizes", MAX_NODES));
        r.numa_nodes = static_cast<unsigned>(n.size());
    }
    if (h.contains("coldplug")) {
        const json& c = h["coldplug"];
        if (!c.is_array() || c.size() > MAX_DIMMS) p.fail("coldplug", fmt::format("expected a list of at most {} DIMMs", MAX_DIMMS));
        for (size_t i = 0; i < c.size(); ++i) {
            const std::string f = fmt::format("coldplug[{}]", i);
            ColdplugRec d;
            d.slot = p.str(c[i], "slot", f + ".slot");
            d.size_mb = p.uint(c[i], "size_mb", f + ".size_mb", {1, MAX_BLOCKS * (16u << 10)});
            d.base_pfn = p.uint(c[i], "base_pfn", f + ".base_pfn", kPfn);
            d.node = static_cast<int>(p.uint(c[i], "node", f + ".node", {0, MAX_NODES - 1}));
            r.coldplug.push_back(d);
        }
    }
    if (h.contains("virtio_mem")) {
        const json& c = h["virtio_mem"];
        if (!c.is_array() || c.size() > MAX_DIMMS) p.fail("virtio_mem", fmt::format("expected a list of at most {} devices", MAX_DIMMS));
        for (size_t i = 0; i < c.size(); ++i) {
            const std::string f = fmt::format("virtio_mem[{}]", i);
            VirtioMemRec d;
            d.id = p.str(c[i], "id", f + ".id");
            d.node = static_cast<int>(p.uint(c[i], "node", f + ".node", {0, MAX_NODES - 1}));
            d.size_mb = p.uint(c[i], "size_mb", f + ".size_mb", {1, MAX_BLOCKS * (16u << 10)});
            d.block_size_mb = p.uint(c[i], "block_size_mb", f + ".block_size_mb", {1, 16u << 10});
            d.base_pfn = p.uint(c[i], "base_pfn", f + ".base_pfn", kPfn);
            const json& fb = p.get(c[i], "force_bbm", f + ".force_bbm");
            if (!fb.is_boolean()) p.fail(f + ".force_bbm", "expected true or false");
            d.force_bbm = fb.get<bool>();
            r.virtio_mem.push_back(d);
        }
    }
    r.boot_ram_mb = p.uint(h, "boot_ram_mb", "boot_ram_mb", {0, 1u << 22});
    r.block_pages = p.uint(h, "block_pages", "block_pages", {1, 1u << 22});  // blocks up to 16 GiB
    if (p.uint(h, "block_size_bytes", "block_size_bytes", {0, ~0ull}) != r.block_pages * 4096)
        p.fail("block_size_bytes", "is not block_pages * 4096");
    r.memmap_on_memory = p.str(h, "memmap_on_memory", "memmap_on_memory");
    r.online_policy = p.str_or_null(h, "online_policy", "online_policy");
    r.auto_online_blocks = p.str_or_null(h, "auto_online_blocks", "auto_online_blocks");
    if (h.contains("auto_movable_ratio")) r.auto_movable_ratio = p.str_or_null(h, "auto_movable_ratio", "auto_movable_ratio");
    if (h.contains("auto_movable_numa_aware"))
        r.auto_movable_numa_aware = p.str_or_null(h, "auto_movable_numa_aware", "auto_movable_numa_aware");
    const json& bz = p.get(h, "boot_zones", "boot_zones");
    if (!bz.is_array()) p.fail("boot_zones", "expected a list");
    for (size_t i = 0; i < bz.size(); ++i) {
        const std::string f = fmt::format("boot_zones[{}]", i);
        ZoneRec z = p.zone(bz[i], f);
        z.node = static_cast<int>(p.uint(bz[i], "node", f + ".node", {0, MAX_NODES - 1}));
        z.zone = p.str(bz[i], "zone", f + ".zone");
        r.boot_zones.push_back(z);
    }
    r.boot_memtotal_kb = p.uint(h, "boot_memtotal_kb", "boot_memtotal_kb", kKiB);
    r.boots = static_cast<unsigned>(p.uint(h, "boots", "boots", kCount));
    r.steps = static_cast<unsigned>(p.uint(h, "steps", "steps", kCount));
    if (h.contains("wall_seconds") && h["wall_seconds"].is_number()) r.wall_seconds = h["wall_seconds"].get<double>();
    return r;
}

const std::vector<std::string> kOps{"dimm_add",       "dimm_eject", "online",   "online_kernel",
                                    "online_movable", "offline",    "vmem_plug", "vmem_unplug"};

StepRec parse_step(Parser& p, const json& j) {
    StepRec s;
    s.line = p.line;
    s.seq = static_cast<int>(p.uint(j, "seq", "seq", kCount));
    s.step = static_cast<int>(p.uint(j, "step", "step", kCount));
    s.op = p.str(j, "op", "op");
    if (std::find(kOps.begin(), kOps.end(), s.op) == kOps.end())
        p.fail("op", fmt::format("unknown op '{}' (expected {})", s.op, fmt::join(kOps, ", ")));
    const json& args = p.get(j, "args", "args");
    const std::int64_t rc = p.sint(j, "rc", "rc");
    if (rc != 0 && rc != -1) p.fail("rc", "expected 0 or -1");
    s.rc = static_cast<int>(rc);
    const auto err = p.str_or_null(j, "err", "err");
    if ((rc == 0) != !err) p.fail("err", "must be null exactly when rc is 0");
    s.err = err.value_or("ok");
    if (s.op == "vmem_plug" || s.op == "vmem_unplug") {
        s.slot = p.str(args, "id", "args.id");  // the virtio-mem device's QEMU id
    } else if (s.op == "dimm_add" || s.op == "dimm_eject") {
        s.slot = p.str(args, "slot", "args.slot");
        if (s.op == "dimm_add") {
            if (args.contains("node")) s.node = static_cast<int>(p.uint(args, "node", "args.node", {0, MAX_NODES - 1}));
            // At most MAX_BLOCKS blocks of at most 16 GiB: the model cannot hold more, and the
            // size is checked here, before any table is sized by it.
            s.size_mb = p.uint(args, "size_mb", "args.size_mb", {1, MAX_BLOCKS * (16u << 10)});
            if (rc == 0) {
                s.base_pfn = p.uint(j, "dimm_base_pfn", "dimm_base_pfn", kPfn);
                const json& db = p.get(j, "dimm_blocks", "dimm_blocks");
                if (!db.is_array()) p.fail("dimm_blocks", "expected a list of block numbers");
                if (db.size() > MAX_BLOCKS) p.fail("dimm_blocks", fmt::format("more than {} blocks", MAX_BLOCKS));
                for (const json& b : db) {
                    if (!b.is_number_unsigned()) p.fail("dimm_blocks", "expected a list of block numbers");
                    s.dimm_blocks.push_back(b.get<std::uint64_t>());
                }
            }
        }
    } else {
        if (!args.contains("block") && s.err == "ENOENT") s.block = -1;  // unresolved relative block
        else s.block = static_cast<std::int64_t>(p.uint(args, "block", "args.block", {0, 1ull << 32}));
    }
    s.cleanup = j.contains("cleanup") && j["cleanup"].is_boolean() && j["cleanup"].get<bool>();
    const json& blocks = p.get(j, "blocks", "blocks");
    if (!blocks.is_object()) p.fail("blocks", "expected an object keyed by block number");
    for (auto it = blocks.begin(); it != blocks.end(); ++it) {
        const std::string f = "blocks." + it.key();
        const auto id = parse_uint_text(it.key());
        if (!id) p.fail(f, "keys are block numbers");
        s.blocks[*id] = BlockRec{p.str(*it, "state", f + ".state"), p.str(*it, "valid_zones", f + ".valid_zones")};
    }
    const json& zones = p.get(j, "zones", "zones");
    if (!zones.is_object()) p.fail("zones", "expected an object keyed \"<node>/<Zone>\"");
    for (auto it = zones.begin(); it != zones.end(); ++it) {
        const std::string f = "zones." + it.key();
        ZoneRec z = p.zone(*it, f);
        const auto slash = it.key().find('/');
        const auto node = parse_uint_text(it.key().substr(0, slash == std::string::npos ? 0 : slash));
        if (slash == std::string::npos || !node) p.fail(f, "keys are \"<node>/<Zone>\"");
        if (const std::string e = range_error(*node, {0, MAX_NODES - 1}); !e.empty()) p.fail(f, e);
        z.node = static_cast<int>(*node);
        z.zone = it.key().substr(slash + 1);
        s.zones.push_back(z);
    }
    s.memtotal_kb = p.uint(j, "memtotal_kb", "memtotal_kb", kKiB);
    return s;
}

int zone_index(const std::string& name) {
    for (unsigned z = 0; z < MAX_NR_ZONES; ++z)
        if (name == zone_name(z)) return static_cast<int>(z);
    return -1;
}

// ---------------------------------------------------------------------------------------
// The model side: a machine whose DIMMs are the DIMM instances QEMU placed.

struct Instance {
    std::string slot;
    pfn_t base_pfn = 0;
    unsigned nr_blocks = 0;
    int node = 0;
};

struct Model {
    Machine m;
    KernelState s;
    std::vector<Instance> inst;  // inst[i] is m.dimms[i]
};

// A DIMM instance can leave the machine once nothing of it is left in the model state.
bool instance_gone(const Model& md, unsigned d) {
    if (md.s.dimm_plugged >> d & 1) return false;
    const unsigned first = md.m.dimm_first_block[d];
    for (unsigned b = first; b < first + md.m.dimms[d].nr_blocks; ++b) {
        const BlockState& bs = md.s.blocks[b];
        if (bs.state != BLOCK_ABSENT || bs.section_valid || bs.altmap_alloc) return false;
    }
    return true;
}

// Rebuild the machine with the instances `keep` (old DIMM indices, in order) plus `added`
// (not plugged yet); the state of kept instances is carried over. QEMU reuses freed
// address ranges and slots, so a model DIMM exists only while the DIMM instance does:
// the machine is re-derived at every dimm_add rather than declaring every instance upfront
// (which would overlap and exceed MAX_DIMMS / MAX_BLOCKS).
void rebuild(Model& md, const Machine& base, const std::vector<unsigned>& keep, const Instance& added,
             const std::string& file) {
    Model nm;
    nm.m = base;
    nm.m.dimms.clear();
    nm.m.virtio_mems.clear();
    for (unsigned d : keep) nm.inst.push_back(md.inst[d]);
    nm.inst.push_back(added);
    for (const Instance& in : nm.inst) {
        Dimm dm;
        dm.name = in.slot;
        dm.node = in.node;
        dm.base_pfn = in.base_pfn;
        dm.nr_blocks = in.nr_blocks;
        nm.m.dimms.push_back(dm);
    }
    // The virtio-mem devices exist for the whole boot: their big blocks follow the DIMM
    // instances, carried over below like a kept instance.
    for (const VirtioMem& vm : base.virtio_mems)
        if (const std::string e = nm.m.add_virtio_mem(vm); !e.empty()) throw ScenarioError(file, 1, "virtio_mem", e);
    // Boot memory blocks (boot_blocks) exist for the whole boot, after everything else.
    for (const Dimm& d : base.dimms)
        if (d.boot_ram) nm.m.dimms.push_back(d);
    validate_machine(nm.m, file);  // throws ScenarioError when the model cannot hold the placement
    nm.m.finalize();
    nm.s = initial_state(nm.m);
    std::memcpy(nm.s.nodes, md.s.nodes, sizeof nm.s.nodes);
    std::memcpy(nm.s.buddy_vmemmap_pages, md.s.buddy_vmemmap_pages, sizeof nm.s.buddy_vmemmap_pages);
    std::vector<int> bmap(md.m.blocks.size(), -1);
    for (unsigned nd = 0; nd < keep.size(); ++nd) {
        const unsigned od = keep[nd];
        nm.s.groups[nd] = md.s.groups[od];
        if (md.s.dimm_plugged >> od & 1) nm.s.dimm_plugged |= 1u << nd;
        if (md.s.dimm_enabled >> od & 1) nm.s.dimm_enabled |= 1u << nd;
        for (unsigned j = 0; j < md.m.dimms[od].nr_blocks; ++j) {
            const unsigned ob = md.m.dimm_first_block[od] + j, nb = nm.m.dimm_first_block[nd] + j;
            nm.s.blocks[nb] = md.s.blocks[ob];
            bmap[ob] = static_cast<int>(nb);
        }
    }
    for (unsigned v = 0; v < base.virtio_mems.size(); ++v)
        for (unsigned i = 0; i < base.virtio_mems[v].nr_bbs; ++i) {
            const unsigned od = md.m.virtio_mems[v].first_dimm + i, nd = nm.m.virtio_mems[v].first_dimm + i;
            nm.s.groups[nd] = md.s.groups[od];
            if (md.s.dimm_plugged >> od & 1) nm.s.dimm_plugged |= 1u << nd;
            if (md.s.dimm_enabled >> od & 1) nm.s.dimm_enabled |= 1u << nd;
            for (unsigned j = 0; j < md.m.dimms[od].nr_blocks; ++j) {
                const unsigned ob = md.m.dimm_first_block[od] + j, nb = nm.m.dimm_first_block[nd] + j;
                nm.s.blocks[nb] = md.s.blocks[ob];
                nm.s.sbm_plugged[nb] = md.s.sbm_plugged[ob];
                bmap[ob] = static_cast<int>(nb);
            }
        }
    for (unsigned od = 0, nd = 0; od < md.m.dimms.size(); ++od) {  // boot blocks, in order
        if (!md.m.dimms[od].boot_ram) continue;
        while (!nm.m.dimms[nd].boot_ram) ++nd;
        const unsigned ob = md.m.dimm_first_block[od], nb = nm.m.dimm_first_block[nd];
        nm.s.blocks[nb] = md.s.blocks[ob];
        bmap[ob] = static_cast<int>(nb);
        ++nd;
    }
    for (unsigned b = 0; b < nm.m.blocks.size(); ++b) {
        std::uint8_t& back = nm.s.blocks[b].vmemmap_backing;
        if (back != BACKING_NONE && back != BACKING_BUDDY)
            back = bmap[back] >= 0 ? static_cast<std::uint8_t>(bmap[back]) : BACKING_NONE;
    }
    // Guard against KernelState fields this remapping does not know: keeping every instance
    // in place must reproduce the state exactly. (With virtio-mem the big blocks move behind
    // the added instance, so the two states are not laid out alike: they are carried over by
    // the same field list as the instances above, and their replays check the result.)
    bool identity = keep.size() == md.inst.size() && base.virtio_mems.empty() && base.boot_block_ids.empty();
    for (unsigned i = 0; identity && i < keep.size(); ++i) identity = keep[i] == i;
    if (identity && !(nm.s == md.s))
        throw std::logic_error("conformance: KernelState has a field rebuild() does not carry over (checker/conformance.cpp)");
    md = std::move(nm);
}

int find_slot(const Model& md, const std::string& slot) {
    for (int d = static_cast<int>(md.inst.size()) - 1; d >= 0; --d)
        if (md.inst[d].slot == slot) return d;
    return -1;
}

int find_block(const Model& md, std::int64_t id) {
    if (id < 0) return -1;
    for (unsigned b = 0; b < md.m.blocks.size(); ++b)
        if (md.m.blocks[b].memory_block_id == static_cast<std::uint64_t>(id) && md.s.blocks[b].state != BLOCK_ABSENT)
            return static_cast<int>(b);
    return -1;
}

struct FieldDiff {
    std::string field, kernel, model;
};

std::string opt_str(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : "null"; }

struct Comparer {
    const Header& h;
    const KernelOps& ops;
    std::uint64_t model_boot_managed_total = 0;

    // Compare the model state with the kernel's observation after a step.
    std::vector<FieldDiff> compare(const Model& md, const StepRec& st, const std::string& model_err,
                                   unsigned& fields) const {
        std::vector<FieldDiff> d;
        auto cmp = [&](const std::string& f, const std::string& k, const std::string& m) {
            ++fields;
            if (k != m) d.push_back({f, k, m});
        };
        cmp("result", st.err, model_err);
        // Blocks: every hot-plugged block either side knows.
        std::map<std::uint64_t, int> model_blocks;
        for (unsigned b = 0; b < md.m.blocks.size(); ++b)
            if (md.s.blocks[b].state != BLOCK_ABSENT) model_blocks[md.m.blocks[b].memory_block_id] = static_cast<int>(b);
        std::set<std::uint64_t> ids;
        for (auto& [id, _] : st.blocks) ids.insert(id);
        for (auto& [id, _] : model_blocks) ids.insert(id);
        for (std::uint64_t id : ids) {
            auto k = st.blocks.find(id);
            auto m = model_blocks.find(id);
            const std::string f = fmt::format("block {}", id);
            if (k == st.blocks.end() || m == model_blocks.end()) {
                cmp(f + ".exists", k != st.blocks.end() ? "yes" : "no", m != model_blocks.end() ? "yes" : "no");
                continue;
            }
            const unsigned b = static_cast<unsigned>(m->second);
            cmp(f + ".state", k->second.state, std::string(block_state_name(md.s.blocks[b].state)));
            cmp(f + ".valid_zones", k->second.valid_zones, valid_zones(md.m, ops, md.s, b));
        }
        // Nodes: /proc/zoneinfo lists the zones of online nodes only (for_each_online_pgdat), so
        // a node that try_online_node() brought up with its first DIMM appears, and one that
        // try_offline_node() took down with its last one disappears.
        for (int n = 0; n < md.m.nr_nodes; ++n) {
            bool listed = false;
            for (const ZoneRec& kz : st.zones) listed = listed || kz.node == n;
            cmp(fmt::format("node {}.online", n), listed ? "yes" : "no", md.s.nodes[n].online ? "yes" : "no");
        }
        // Zones.
        const std::uint64_t kb_per_page = md.m.geo.page_size / 1024;
        for (const ZoneRec& kz : st.zones) {
            const int zi = zone_index(kz.zone);
            if (zi < 0 || kz.node < 0 || kz.node >= md.m.nr_nodes) continue;  // listed as not predicted
            const ZoneState& z = md.s.zone(kz.node, static_cast<unsigned>(zi));
            const std::string f = fmt::format("zone {}/{}", kz.node, kz.zone);
            cmp(f + ".start_pfn", opt_str(kz.start_pfn),
                opt_str(z.present_pages ? std::optional<std::uint64_t>(z.zone_start_pfn) : std::nullopt));
            cmp(f + ".spanned", std::to_string(kz.spanned), std::to_string(z.spanned_pages));
            cmp(f + ".present", std::to_string(kz.present), std::to_string(z.present_pages));
            std::uint64_t boot_model = md.m.boot_managed(kz.node, static_cast<unsigned>(zi));
            for (const Dimm& bd : md.m.dimms)  // boot blocks: carved out of the boot zones, online at boot
                if (bd.boot_ram && bd.node == kz.node && bd.boot_zone == zi) boot_model += md.m.geo.pages_per_block;
            const ZoneRec* boot_kernel = nullptr;
            for (const ZoneRec& bz : h.boot_zones)
                if (bz.node == kz.node && bz.zone == kz.zone) boot_kernel = &bz;
            if (boot_kernel && boot_kernel->present) {
                // Managed of a zone with boot memory: the change since boot.
                cmp(f + ".managed(since boot)",
                    fmt::format("{:+}", static_cast<std::int64_t>(kz.managed) - static_cast<std::int64_t>(boot_kernel->managed)),
                    fmt::format("{:+}", static_cast<std::int64_t>(z.managed_pages) - static_cast<std::int64_t>(boot_model)));
            } else {
                cmp(f + ".managed", std::to_string(kz.managed), std::to_string(z.managed_pages));
            }
        }
        std::uint64_t managed = 0;
        for (int n = 0; n < md.m.nr_nodes; ++n)
            for (unsigned z = 0; z < MAX_NR_ZONES; ++z) managed += md.s.zone(n, z).managed_pages;
        cmp("memtotal_kb(since boot)",
            fmt::format("{:+}", static_cast<std::int64_t>(st.memtotal_kb) - static_cast<std::int64_t>(h.boot_memtotal_kb)),
            fmt::format("{:+}", (static_cast<std::int64_t>(managed) - static_cast<std::int64_t>(model_boot_managed_total)) *
                                    static_cast<std::int64_t>(kb_per_page)));
        return d;
    }
};

std::string model_err_name(int rc) { return rc == 0 ? "ok" : std::string(errno_name(rc)); }

// memparse()-style size ("256M", "3584M", "4G", plain bytes) in 4 KiB pages; nullopt for
// forms not modelled ("nn%"; "mirror" is not a size).
std::optional<std::uint64_t> cmdline_pages(const std::string& v) {
    if (v.empty() || v.back() == '%' || v == "mirror") return std::nullopt;
    size_t i = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) ++i;
    if (i == 0 || i + 1 < v.size()) return std::nullopt;
    std::uint64_t n = std::stoull(v.substr(0, i));
    if (i < v.size()) {
        const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(v[i])));
        const int shift = u == 'K' ? 10 : u == 'M' ? 20 : u == 'G' ? 30 : u == 'T' ? 40 : -1;
        if (shift < 0 || n > (1ull << (63 - shift))) return std::nullopt;
        n <<= shift;
    }
    return n / 4096;
}

// The boot half of issue 13: spec/boot.cpp's find_zone_movable_pfns_for_nodes() on the
// recorded boot RAM, with kernelcore= (a size or "mirror") / movablecore= / movable_node from the
// recorded command line, must put ZONE_MOVABLE where the kernel did (/proc/zoneinfo at boot).
// QEMU marks no memory mirrored (no EFI_MEMORY_MORE_RELIABLE), so kernelcore=mirror shows the
// variant's behaviour without mirrored memory: 6.1 makes all memory above 4 GiB ZONE_MOVABLE,
// 6.6+ ignores it (0db31d63f27e). memblock.memory is
// rebuilt from the boot zones: below 4 GiB only the page count matters (the walk counts those
// pages as kernel memory), so a zone is one range of `present` pages; above it the span.
void compare_boot_layout(const Header& h, const Machine& base, const Variant& variant, ReplayResult& res) {
    BootInput in;
    in.mirror_needs_mirrored_memory = variant.kernelcore_mirror_needs_mirrored_memory;
    std::istringstream words(h.cmdline);
    std::string w;
    bool any = false;
    while (words >> w) {
        const auto eq = w.find('=');
        const std::string key = w.substr(0, eq), val = eq == std::string::npos ? "" : w.substr(eq + 1);
        if (key == "movable_node") in.movable_node = any = true;
        if (key != "kernelcore" && key != "movablecore") continue;
        if (key == "kernelcore" && val == "mirror") {
            in.kernelcore_mirror = any = true;
            continue;
        }
        const auto pages = cmdline_pages(val);
        if (!pages) {
            res.not_predicted.push_back(fmt::format("boot ZONE_MOVABLE for {} (form not modelled)", w));
            return;
        }
        (key == "kernelcore" ? in.kernelcore_pages : in.movablecore_pages) = *pages;
        any = true;
    }
    if (!any) return;
    for (const ZoneRec& z : h.boot_zones) {
        if (!z.start_pfn || !z.present) continue;
        const std::uint64_t end = *z.start_pfn < (1ull << 20) ? *z.start_pfn + z.present : *z.start_pfn + z.spanned;
        in.memory.push_back({z.node, *z.start_pfn, end, false, z.zone});
    }
    std::sort(in.memory.begin(), in.memory.end(), [](const MemblockRegion& a, const MemblockRegion& b) { return a.base_pfn < b.base_pfn; });
    const BootResult r = memblock_boot(in, base.nr_nodes);
    for (int n = 0; n < base.nr_nodes; ++n) {
        std::optional<std::uint64_t> kernel;
        for (const ZoneRec& z : h.boot_zones)
            if (z.node == n && z.zone == "Movable" && z.present) kernel = z.start_pfn;
        const std::uint64_t model = r.zone_movable_pfn[n];
        ++res.fields;
        const std::string k = kernel ? std::to_string(*kernel) : "none", m = model ? std::to_string(model) : "none";
        if (k != m)
            res.mismatches.push_back({res.file, 0, -1, "boot (" + h.cmdline + ")", fmt::format("zone_movable_pfn[{}]", n), k, m, ""});
    }
}

}  // namespace

std::string variant_for_kernel(const std::string& uname_r) {
    unsigned major = 0, minor = 0;
    if (std::sscanf(uname_r.c_str(), "%u.%u", &major, &minor) != 2) return "v6.1";
    if (major == 6 && minor < 6) return "v6.1";
    if (major == 6 && minor < 9) return "v6.8";  // 6.6+: one altmap per memory block (docs/kernel-reference.md §3.1, §3.5)
    return "v6.12";  // 6.9+: MEM_PREPARE_ONLINE/MEM_FINISH_OFFLINE (spec/variants/v6_12.cpp)
}

ReplayResult replay_recording(const std::string& path, const ReplayOptions& opt) {
    const InputScope scope(path);
    ReplayResult res;
    res.file = std::filesystem::path(path).filename().string();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw RecordingError(path, 1, "file", "not a regular file");
    if (std::filesystem::file_size(path, ec) > (256u << 20))  // the largest real recording is < 1 MiB
        throw RecordingError(path, 1, "file", "larger than 256 MiB: not a recording");
    std::ifstream in(path);
    if (!in) throw RecordingError(path, 1, "file", "cannot be read");
    Parser p{path};
    std::string text;
    if (!std::getline(in, text)) {
        p.line = 1;
        p.fail("header", "the recording is empty");
    }
    p.line = 1;
    const Header h = parse_header(p, parse_line(p, text));
    std::vector<StepRec> steps;
    while (std::getline(in, text)) {
        ++p.line;
        if (text.empty()) p.fail("line", "blank line");
        steps.push_back(parse_step(p, parse_line(p, text)));
        if (steps.size() > 1) {
            const StepRec& a = steps[steps.size() - 2];
            const StepRec& b = steps.back();
            if (b.seq < a.seq || (b.seq == a.seq && b.step <= a.step)) p.fail("seq", "steps are not in execution order");
        }
    }
    if (steps.size() != h.steps) throw RecordingError(path, 1, "steps", fmt::format("header says {}, the file has {}", h.steps, steps.size()));
    res.kernel = h.kernel;
    res.boots = h.boots;
    res.recorded_steps = h.steps;
    res.wall_seconds = h.wall_seconds;

    // What the model does not claim to predict, listed in every report.
    res.not_predicted = {
        "free pages (not recorded)",
        "managed pages of zones with boot memory as absolute figures (memblock reservations; compared as the change since boot)",
        "MemTotal as an absolute figure (compared as the change since boot)",
        "state and valid_zones of boot memory blocks no step names (not recorded per step; those a sequence offlines or onlines by id are compared)",
        "ZONE_DEVICE (0/Device: not modelled)",
        "_OST status codes, QEMU events, timings (ms) and kernel log lines",
        "kernel answers when QEMU itself refused a dimm_add (QMP error)",
    };

    // Variant.
    std::string vname = opt.variant.empty() ? variant_for_kernel(h.kernel) : opt.variant;
    const Variant* v = find_variant(vname);
    if (!v) {
        if (!opt.variant.empty()) throw RecordingError(path, 1, "--variant", fmt::format("unknown variant '{}'", vname));
        res.variant_note = fmt::format("variant {} (the model of kernel {}) does not exist yet; compared against v6.1", vname, h.kernel);
        vname = "v6.1";
        v = find_variant(vname);
    }
    res.variant = vname;

    // Machine from the header.
    Machine base;
    if (h.online_policy && *h.online_policy == "auto-movable") {
        base.params.online_policy = OnlinePolicy::AUTO_MOVABLE;
        if (h.auto_movable_ratio) {
            const std::string& t = *h.auto_movable_ratio;
            if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos)
                throw RecordingError(path, 1, "auto_movable_ratio", fmt::format("not a percentage: '{}'", t));
            base.params.auto_movable_ratio = static_cast<unsigned>(std::stoul(t));
        }
        if (h.auto_movable_numa_aware) {
            const std::string& t = *h.auto_movable_numa_aware;
            if (t != "Y" && t != "N" && t != "1" && t != "0")
                throw RecordingError(path, 1, "auto_movable_numa_aware", fmt::format("expected Y or N, got '{}'", t));
            base.params.auto_movable_numa_aware = t == "Y" || t == "1";
        }
    } else if (h.online_policy && *h.online_policy != "contig-zones") {
        throw RecordingError(path, 1, "online_policy", fmt::format("unknown policy '{}'", *h.online_policy));
    }
    base.geo = *geometry_preset("x86_64");
    if (h.block_pages != base.geo.pages_per_block) {
        base.geo.pages_per_block = h.block_pages;
        base.geo.preset += "+custom";
    }
    if (h.memmap_on_memory == "Y" || h.memmap_on_memory == "1") base.params.memmap_on_memory = MemmapMode::ENABLE;
    else if (h.memmap_on_memory == "N" || h.memmap_on_memory == "0") base.params.memmap_on_memory = MemmapMode::DISABLE;
    else if (h.memmap_on_memory == "force") base.params.memmap_on_memory = MemmapMode::FORCE;
    else throw RecordingError(path, 1, "memmap_on_memory", fmt::format("unknown value '{}'", h.memmap_on_memory));
    if (h.auto_online_blocks) {
        int t = -1;
        for (int i = MMOP_OFFLINE; i <= MMOP_ONLINE_MOVABLE; ++i)
            if (*h.auto_online_blocks == online_type_name(i)) t = i;
        if (t < 0) throw RecordingError(path, 1, "auto_online_blocks", fmt::format("unknown value '{}'", *h.auto_online_blocks));
        base.params.default_online_type = static_cast<OnlineType>(t);
    }
    // movable_node on the kernel command line (default_zone_for_pfn() prefers ZONE_MOVABLE).
    {
        const std::string c = " " + h.cmdline + " ";
        base.params.movable_node = c.find(" movable_node ") != std::string::npos;
    }
    int max_node = static_cast<int>(h.numa_nodes) - 1;
    for (const ZoneRec& z : h.boot_zones) max_node = std::max(max_node, z.node);
    for (const StepRec& st : steps) max_node = std::max(max_node, st.node);
    for (const ColdplugRec& c : h.coldplug) max_node = std::max(max_node, c.node);
    for (const VirtioMemRec& v : h.virtio_mem) max_node = std::max(max_node, v.node);
    base.nr_nodes = max_node + 1;
    if (base.nr_nodes > MAX_NODES) throw RecordingError(path, 1, "boot_zones", "more nodes than the model supports");
    base.cpus_per_node.assign(base.nr_nodes, 0);
    base.cpus_per_node[0] = 1;  // -smp 1
    for (size_t i = 0; i < h.boot_zones.size(); ++i) {
        const ZoneRec& z = h.boot_zones[i];
        if (z.spanned == 0) continue;
        const int zi = zone_index(z.zone);
        if (zi < 0) {
            res.skipped = true;
            res.skip_reason = fmt::format("boot zone {}/{} is populated; the model has no boot {} zone", z.node, z.zone, z.zone);
            return res;
        }
        if (!z.start_pfn) throw RecordingError(path, 1, fmt::format("boot_zones[{}].start_pfn", i), "null for a spanned boot zone");
        base.boot.push_back({z.node, static_cast<ZoneIdx>(zi), *z.start_pfn, *z.start_pfn + z.spanned, z.present, z.managed});
    }
    // virtio-mem devices (record.py --virtio-mem): their big blocks are the machine's first
    // DIMM entries while no pc-dimm is plugged; rebuild() keeps them after the instances.
    for (const VirtioMemRec& r : h.virtio_mem) {
        VirtioMem vm;
        vm.name = r.id;
        vm.node = r.node;
        vm.base_pfn = r.base_pfn;
        vm.region_pages = r.size_mb * 256;
        vm.device_block_pages = r.block_size_mb * 256;
        vm.force_bbm = r.force_bbm;
        if (const std::string e = base.add_virtio_mem(vm); !e.empty()) throw RecordingError(path, 1, "virtio_mem", e);
    }
    // validate_machine() refuses DIMMs in boot memory (a hostile recording can place them
    // there) before finalize(), which treats that as an internal error.
    auto validate = [&] {
        try {
            validate_machine(base, path);
        } catch (const ScenarioError& e) {
            throw RecordingError(path, 1, "boot_zones", e.what());
        }
    };
    validate();
    base.finalize();
    // Boot memory blocks a sequence offlines or onlines by id (record.py reports them per
    // step): the model's boot_blocks (spec/boot.hpp carve_boot_blocks()), after every DIMM.
    for (const StepRec& st : steps) {
        if (st.block < 0 || st.op == "dimm_add" || st.op == "dimm_eject") continue;
        const std::uint64_t id = static_cast<std::uint64_t>(st.block), pfn = id * h.block_pages;
        if (!base.boot_zone_of_pfn(pfn)) continue;
        if (std::find(base.boot_block_ids.begin(), base.boot_block_ids.end(), id) == base.boot_block_ids.end())
            base.boot_block_ids.push_back(id);
    }
    if (!base.boot_block_ids.empty())
        if (const std::string e = carve_boot_blocks(base); !e.empty()) throw RecordingError(path, 1, "steps", e);
    validate();

    compare_boot_layout(h, base, *v, res);

    const Comparer cmp{h, v->ops, [&] {
                           std::uint64_t t = 0;
                           for (const BootZone& z : base.boot) t += z.managed;
                           for (const Dimm& d : base.dimms) t += d.boot_ram ? base.geo.pages_per_block : 0;
                           return t;
                       }()};

    Model md;
    int cur_seq = -1;
    bool seq_broken = false;  // the model could not follow the placement: skip the rest of the sequence
    for (const StepRec& st : steps) {
        if (st.seq != cur_seq) {
            cur_seq = st.seq;
            ++res.sequences;
            md = Model{};
            md.m = base;
            md.s = initial_state(md.m);
            seq_broken = false;
            // Cold-plugged pc-dimms are not e820 RAM: the guest's ACPI scan adds them at boot
            // through acpi_memory_device_add(), the hot-add path (memhp_default_state applies).
            for (const ColdplugRec& c : h.coldplug) {
                const std::uint64_t pages = c.size_mb * 256;
                if (pages == 0 || pages % h.block_pages)
                    throw RecordingError(path, 1, "coldplug.size_mb", "not a whole number of memory blocks");
                std::vector<unsigned> keep;
                for (unsigned d = 0; d < md.inst.size(); ++d) keep.push_back(d);
                try {
                    rebuild(md, base, keep, Instance{c.slot, c.base_pfn, static_cast<unsigned>(pages / h.block_pages), c.node},
                            path);
                } catch (const ScenarioError& e) {
                    throw RecordingError(path, 1, "coldplug", e.what());
                }
                const Action add{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(md.inst.size() - 1), 1, {}};
                if (apply_action(md.m, v->ops, md.s, add).rc != 0)
                    throw RecordingError(path, 1, "coldplug", fmt::format("the model refuses the boot-time add of {}", c.slot));
            }
        }
        if (seq_broken) {  // after a placement mismatch: counted, not compared
            ++res.abandoned_ops;
            continue;
        }
        auto mismatch = [&](const std::string& label, const FieldDiff& d, const std::string& choice) {
            res.mismatches.push_back({res.file, st.seq, st.step, label, d.field, d.kernel, d.model, choice});
        };

        // Translate the step into a model action.
        std::string label;
        std::optional<Action> action;
        std::string fixed_err;  // the model's answer when no kernel path runs (no sysfs file, no device)
        if (st.op == "dimm_add") {
            label = fmt::format("dimm_add {} {} MiB", st.slot, st.size_mb);
            if (st.rc != 0) {  // QEMU refused (QMP error, timeout): nothing reached the kernel
                ++res.not_modelled_ops;
                continue;
            }
            const std::uint64_t pages = st.size_mb * 256;  // 4 KiB pages
            if (pages == 0 || pages % h.block_pages)
                throw RecordingError(path, st.line, "args.size_mb", "not a whole number of memory blocks");
            Instance added{st.slot, *st.base_pfn, static_cast<unsigned>(pages / h.block_pages), st.node};
            label += fmt::format(" at pfn {}", added.base_pfn);
            std::vector<unsigned> keep;
            for (unsigned d = 0; d < md.inst.size(); ++d)
                if (!instance_gone(md, d)) keep.push_back(d);
            for (unsigned d : keep)
                if (md.inst[d].slot == st.slot) md.inst[d].slot += "'";  // the model still has an old instance
            try {
                rebuild(md, base, keep, added, path);
            } catch (const ScenarioError& e) {
                ++res.operations;
                mismatch(label, {"placement", fmt::format("DIMM at pfn {}", added.base_pfn), e.what()}, "");
                seq_broken = true;
                continue;
            }
            const unsigned d = static_cast<unsigned>(md.inst.size() - 1);
            std::vector<std::uint64_t> ids;
            for (unsigned j = 0; j < md.m.dimms[d].nr_blocks; ++j)
                ids.push_back(md.m.blocks[md.m.dimm_first_block[d] + j].memory_block_id);
            if (ids != st.dimm_blocks)
                throw RecordingError(path, st.line, "dimm_blocks", "do not match dimm_base_pfn and args.size_mb");
            action = Action{ActionKind::DIMM_ADD, static_cast<std::uint8_t>(d), 1, {}};
        } else if (st.op == "vmem_plug" || st.op == "vmem_unplug") {
            label = fmt::format("{} {}", st.op, st.slot);
            int v = -1;
            for (unsigned i = 0; i < md.m.virtio_mems.size(); ++i)
                if (md.m.virtio_mems[i].name == st.slot) v = static_cast<int>(i);
            if (v < 0) throw RecordingError(path, st.line, "args.id", fmt::format("no virtio-mem device '{}' in the header", st.slot));
            action = Action{st.op == "vmem_plug" ? ActionKind::VMEM_PLUG : ActionKind::VMEM_UNPLUG, static_cast<std::uint8_t>(v), 1, {}};
            if (!action_enabled(md.m, md.s, *action)) {
                // requested-size beyond the region or below zero: QEMU refuses the qom-set
                fixed_err = "QMP";
                action.reset();
            }
        } else if (st.op == "dimm_eject") {
            label = fmt::format("dimm_eject {}", st.slot);
            const int d = find_slot(md, st.slot);
            if (d < 0 || !(md.s.dimm_plugged >> d & 1)) fixed_err = "QMP";  // QEMU: no such device
            else action = Action{ActionKind::DIMM_EJECT, static_cast<std::uint8_t>(d), 1, {}};
        } else {
            label = st.block >= 0 ? fmt::format("{} memory{}", st.op, st.block) : st.op + " (unresolved block)";
            const int b = find_block(md, st.block);
            if (b < 0) {
                fixed_err = "ENOENT";  // no such sysfs file
            } else {
                ActionKind k = ActionKind::OFFLINE;
                parse_action_kind(st.op, k);
                action = Action{k, static_cast<std::uint8_t>(b), 1, {}};
            }
        }
        ++res.operations;

        if (!action) {
            unsigned fields = 0;
            for (const FieldDiff& d : cmp.compare(md, st, fixed_err, fields)) mismatch(label, d, "");
            res.fields += fields;
            continue;
        }

        // The model's choices: no fault first, then unmovable pages in each kernel-zone block
        // the operation offlines (offline: the block; eject: every block of the DIMM).
        struct Candidate {
            std::string name;
            Fault fault;
        };
        std::vector<Candidate> cands{{"no fault", {}}};
        if (action->kind == ActionKind::OFFLINE) {
            cands.push_back({"unmovable-pages in the block", {FaultKind::UNMOVABLE_PAGES, action->target}});
        } else if (action->kind == ActionKind::VMEM_UNPLUG) {
            const VirtioMem& vm = md.m.virtio_mems[action->target];
            const unsigned first = md.m.dimm_first_block[vm.first_dimm];
            const unsigned n = static_cast<unsigned>(vm.nr_bbs * (vm.bb_pages / md.m.geo.pages_per_block));
            for (unsigned j = 0; j < n; ++j)
                cands.push_back({fmt::format("unmovable-pages in block #{} of the device", j),
                                 {FaultKind::UNMOVABLE_PAGES, static_cast<std::uint8_t>(first + j)}});
        } else if (action->kind == ActionKind::DIMM_EJECT) {
            const unsigned first = md.m.dimm_first_block[action->target];
            for (unsigned j = 0; j < md.m.dimms[action->target].nr_blocks; ++j)
                cands.push_back({fmt::format("unmovable-pages in block #{} of the DIMM", j),
                                 {FaultKind::UNMOVABLE_PAGES, static_cast<std::uint8_t>(first + j)}});
        }
        struct Tried {
            size_t cand;
            KernelState s;
            std::string err;
            std::vector<FieldDiff> diffs;
            unsigned fields = 0;
        };
        std::vector<Tried> tried;
        std::optional<size_t> accepted;
        bool choice_point = false;
        for (size_t c = 0; c < cands.size(); ++c) {
            Model trial{md.m, md.s, {}};
            Action a = *action;
            a.fault = cands[c].fault;
            const StepResult r = apply_action(trial.m, v->ops, trial.s, a);
            if (c > 0 && !r.fault_fired) continue;  // the fault point was never reached: same as no fault
            if (c > 0) choice_point = true;
            Tried t{c, trial.s, model_err_name(r.rc), {}, 0};
            t.diffs = cmp.compare(trial, st, t.err, t.fields);
            tried.push_back(std::move(t));
            if (tried.back().diffs.empty() && !accepted) accepted = tried.size() - 1;
        }
        size_t pick = 0;  // no agreeing choice: the closest one with the kernel's result, else no fault
        if (accepted) {
            pick = *accepted;
        } else {
            size_t best = tried.size();
            for (size_t i = 0; i < tried.size(); ++i)
                if (tried[i].err == st.err && (best == tried.size() || tried[i].diffs.size() < tried[best].diffs.size()))
                    best = i;
            if (best < tried.size()) pick = best;
        }
        const Tried& t = tried[pick];
        const std::string choice = cands[t.cand].name;
        if (choice_point) ++res.choices[fmt::format("{} ({} in the kernel): {}", st.op, st.err, choice)];
        md.s = t.s;
        res.fields += t.fields;
        for (const FieldDiff& d : t.diffs) mismatch(label, d, choice_point ? choice : "");
    }
    return res;
}

std::string format_replay(const ReplayResult& r, unsigned max_mismatches) {
    std::string out;
    if (r.skipped) {
        out += fmt::format("{}: kernel {}: SKIPPED, not compared: {}\n", r.file, r.kernel, r.skip_reason);
        return out;
    }
    out += fmt::format("{}: kernel {} vs variant {}: {} sequences, {} operations, {} fields compared, {} mismatches{}\n",
                       r.file, r.kernel, r.variant, r.sequences, r.operations, r.fields, r.mismatches.size(),
                       r.mismatches.empty() ? " (agreement)" : "");
    if (!r.variant_note.empty()) out += fmt::format("  note: {}\n", r.variant_note);
    if (r.not_modelled_ops) out += fmt::format("  not compared: {} dimm_add steps QEMU refused\n", r.not_modelled_ops);
    if (r.abandoned_ops)
        out += fmt::format("  not compared: {} steps after a DIMM placement the model could not follow\n", r.abandoned_ops);
    for (const auto& [c, n] : r.choices) out += fmt::format("  choice {}: {}x\n", c, n);
    unsigned shown = 0;
    for (const Mismatch& m : r.mismatches) {
        if (max_mismatches && shown++ >= max_mismatches) {
            out += fmt::format("  ... {} more mismatches\n", r.mismatches.size() - max_mismatches);
            break;
        }
        out += fmt::format("  MISMATCH {} seq {} step {} ({}{}): {}: kernel {}, model {}\n", m.recording, m.seq, m.step,
                           m.op, m.choice.empty() ? "" : ", model chose " + m.choice, m.field, m.kernel, m.model);
    }
    return out;
}

std::string format_totals(const std::vector<ReplayResult>& rs) {
    unsigned seqs = 0, ops = 0, fields = 0, mism = 0, skipped = 0, boots = 0, steps = 0;
    double wall = 0;
    std::map<std::string, unsigned> choices;
    for (const ReplayResult& r : rs) {
        if (r.skipped) {
            ++skipped;
            continue;
        }
        seqs += r.sequences;
        ops += r.operations;
        fields += r.fields;
        mism += static_cast<unsigned>(r.mismatches.size());
        boots += r.boots;
        steps += r.recorded_steps;
        wall += r.wall_seconds;
        for (const auto& [c, n] : r.choices) choices[c] += n;
    }
    std::string out = fmt::format("conformance: {} recordings ({} skipped), {} sequences, {} operations, {} fields compared, "
                                  "{} mismatches\n",
                                  rs.size(), skipped, seqs, ops, fields, mism);
    if (steps)
        out += fmt::format("  recorded with {} boots, {:.1f} s wall for {} steps: {:.1f} boots and {:.1f} s per 100 operations\n",
                           boots, wall, steps, 100.0 * boots / steps, 100.0 * wall / steps);
    if (!rs.empty() && !rs.front().not_predicted.empty()) {
        out += "  not predicted by the model (not compared):\n";
        for (const std::string& n : rs.front().not_predicted) out += "    - " + n + "\n";
    }
    if (!choices.empty()) {
        out += "  the model's choices at kernel-zone offline/eject steps:\n";
        for (const auto& [c, n] : choices) out += fmt::format("    {}: {}x\n", c, n);
    }
    return out;
}

}  // namespace hp::conformance
