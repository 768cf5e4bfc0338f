#include "checker/report_explain.hpp"

#include <fmt/format.h>

#include "checker/report_text.hpp"
#include "checker/report_threaded.hpp"
#include "spec/memmap.hpp"
#include "spec/sysfs.hpp"

namespace hp {

namespace {

std::vector<std::string> split_dots(const std::string& s) {
    std::vector<std::string> out;
    size_t b = 0;
    for (size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == '.') {
            out.push_back(s.substr(b, i - b));
            b = i + 1;
        }
    return out;
}

bool is_zone_name(const std::string& z) {
    for (unsigned i = 0; i < MAX_NR_ZONES; ++i)
        if (z == zone_name(i)) return true;
    return false;
}

// "1048576" -> "1048576 (0x100000)" for pfns, so both /proc/zoneinfo and the code read it.
std::string pfn_value(const std::string& v) {
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos) return v;
    return fmt::format("{} ({:#x})", v, std::stoull(v));
}

}  // namespace

FieldInfo classify_field(const std::string& field) {
    const auto p = split_dots(field);
    if (p.size() == 3 && p[0].rfind("node", 0) == 0 && is_zone_name(p[1])) {
        const std::string where = fmt::format("Node {}, zone {:>8}", p[0].substr(4), p[1]);
        static const std::pair<const char*, const char*> names[] = {{"zone_start_pfn", "start_pfn:"},
                                                                    {"spanned_pages", "spanned"},
                                                                    {"present_pages", "present"},
                                                                    {"managed_pages", "managed"},
                                                                    {"contiguous", "zone->contiguous"}};
        for (auto& [k, n] : names)
            if (p[2] == k) return {FieldPlace::ZONEINFO, where, n};
        return {FieldPlace::ZONEINFO, where, p[2]};
    }
    if (p.size() == 2 && p[0].rfind("node", 0) == 0) return {FieldPlace::NODE, p[0], p[1]};
    if (p.size() >= 2 && p[0].rfind("memory", 0) == 0) {
        if (p[1] == "state" || p[1] == "valid_zones") return {FieldPlace::SYSFS, p[0], p[1]};
        std::string rest = p[1];
        for (size_t i = 2; i < p.size(); ++i) rest += "." + p[i];
        static const std::pair<const char*, const char*> names[] = {
            {"zone", "mem->zone"},
            {"online_type", "mem->online_type"},
            {"nr_vmemmap_pages", "mem->nr_vmemmap_pages"},
            {"sections_valid", "mem_section: SECTION_MARKED_PRESENT|HAS_MEM_MAP (bit per section)"},
            {"sections_online", "mem_section: SECTION_IS_ONLINE (bit per section)"},
            {"sections_usage", "mem_section: ms->usage allocated, subsection_map full (bit per section)"},
            {"memmap[vmemmap]", "struct pages of the vmemmap pages"},
            {"memmap", "struct pages of the other pages"},
            {"vmemmap_backing", "memmap backed by"},
            {"altmap.alloc", "vmem_altmap.alloc (pfns handed out as vmemmap)"}};
        for (auto& [k, n] : names)
            if (rest == k) return {FieldPlace::INTERNAL, p[0], n};
        return {FieldPlace::INTERNAL, p[0], rest};
    }
    if (p.size() >= 2) {
        std::string rest = p[1];
        for (size_t i = 2; i < p.size(); ++i) rest += "." + p[i];
        if (rest == "plugged") return {FieldPlace::PLATFORM, p[0], "plugged (QEMU pc-dimm present)"};
        if (rest.rfind("group.", 0) == 0) return {FieldPlace::INTERNAL, p[0], "memory_group->" + rest.substr(6)};
        return {FieldPlace::INTERNAL, p[0], rest};
    }
    return {FieldPlace::INTERNAL, "", field};
}

std::string format_state_summary(const Machine& m, const KernelState& s) {
    std::string out;
    for (int n = 0; n < m.nr_nodes; ++n) {
        const NodeState& node = s.nodes[n];
        out += fmt::format("  node {}: {} node_start_pfn {:#x} node_spanned_pages {} node_present_pages {}\n", n,
                           node.online ? "online " : "offline", node.node_start_pfn, node.node_spanned_pages,
                           node.node_present_pages);
        for (unsigned z = 0; z < MAX_NR_ZONES; ++z) {
            const ZoneState& zs = node.zones[z];
            if (zs.empty() && !zs.present_pages && !zs.managed_pages) continue;
            out += fmt::format("    Node {}, zone {:>8}  start_pfn {:#9x}  spanned {:>7}  present {:>7}  managed {:>7}{}\n",
                               n, zone_name(z), zs.zone_start_pfn, zs.spanned_pages, zs.present_pages, zs.managed_pages,
                               zs.contiguous ? "" : "  (not contiguous)");
        }
    }
    std::string blocks;
    for (unsigned b = 0; b < m.blocks.size(); ++b) {
        const BlockState& bs = s.blocks[b];
        std::string st(block_state_name(bs.state));
        if (bs.state == MEM_ONLINE && bs.zone != NO_ZONE) st += fmt::format("/{}", zone_name(bs.zone));
        if (bs.nr_vmemmap_pages) st += fmt::format(" ({} vmemmap)", bs.nr_vmemmap_pages);
        blocks += fmt::format("{}memory{} {}", blocks.empty() ? "" : ", ", m.blocks[b].memory_block_id, st);
    }
    if (!blocks.empty()) out += "  blocks: " + blocks + "\n";
    return out;
}

std::vector<FieldChange> valid_zones_changes(const Machine& m, const KernelOps& ops, const KernelState& a,
                                             const KernelState& b) {
    std::vector<FieldChange> out;
    for (unsigned i = 0; i < m.blocks.size(); ++i) {
        const std::string va = valid_zones(m, ops, a, i), vb = valid_zones(m, ops, b, i);
        if (va != vb)
            out.push_back({fmt::format("memory{}.valid_zones", m.blocks[i].memory_block_id),
                           va.empty() ? "(no file)" : "\"" + va + "\"", vb.empty() ? "(no file)" : "\"" + vb + "\""});
    }
    return out;
}

std::string describe_pfn(const Machine& m, const KernelState& s, pfn_t pfn) {
    const Geometry& g = m.geo;
    const PfnProbe p = probe_pfn(m, s, pfn);
    std::string out = fmt::format("pfn {:#x} (physical address {:#x}, section {}, subsection {} of it)", pfn,
                                  pfn * g.page_size, pfn / g.pages_per_section,
                                  (pfn % g.pages_per_section) / g.pages_per_subsection);
    if (p.block >= 0) {
        const BlockState& bs = s.blocks[p.block];
        const pfn_t start = m.blocks[p.block].start_pfn;
        out += fmt::format(" lies in memory{} [{:#x}, {:#x}) of {}, {} (pfn {} of the block)", m.blocks[p.block].memory_block_id,
                           start, m.block_end_pfn(p.block), m.dimms[m.blocks[p.block].dimm].name,
                           pfn < start + bs.nr_vmemmap_pages
                               ? fmt::format("a vmemmap page (the block's first {} pages hold its own struct pages)",
                                             bs.nr_vmemmap_pages)
                               : std::string("a page for the buddy allocator"),
                           pfn - start);
        out += fmt::format("; memory{}/state is {}", m.blocks[p.block].memory_block_id, block_state_name(bs.state));
    } else if (p.early) {
        out += " is boot memory";
    } else {
        out += " is in a hole (no memory)";
    }
    out += fmt::format("; pfn_valid {}, pfn_to_online_page {}", p.valid ? "yes" : "no", p.online ? "non-NULL" : "NULL");
    if (p.valid)
        out += Memmap::initialized(p.memmap)
                   ? fmt::format("; its struct page says node {} zone {}", Memmap::nid(p.memmap), zone_name(Memmap::zone(p.memmap)))
                   : std::string("; its struct page is poisoned (uninitialized)");
    std::string spans;
    for (int n = 0; n < m.nr_nodes; ++n)
        for (unsigned z = 0; z < MAX_NR_ZONES; ++z) {
            const ZoneState& zs = s.zone(n, z);
            if (zs.empty()) continue;
            spans += fmt::format("{}node {} {} [{:#x}, {:#x}) {}", spans.empty() ? "" : ", ", n, zone_name(z),
                                 zs.zone_start_pfn, zs.end_pfn(), zs.spans(pfn) ? "spans it" : "does not");
        }
    out += "; zone spans: " + (spans.empty() ? std::string("all zones empty") : spans);
    return out;
}

// The changes of one step grouped the way a kernel developer looks at them.
std::string format_changes(const Machine& m, const std::vector<FieldChange>& changes, const std::string& indent) {
    std::string out;
    auto section = [&](FieldPlace place, const char* title) {
        std::string body, last_where;
        for (const FieldChange& c : changes) {
            const FieldInfo fi = classify_field(c.field);
            if (fi.place != place) continue;
            if (place == FieldPlace::ZONEINFO) {
                if (fi.where != last_where) body += fmt::format("{}  {}\n", indent, fi.where);
                last_where = fi.where;
                const bool pfnish = fi.name == "start_pfn:";
                body += fmt::format("{}        {:<18} {} -> {}\n", indent, fi.name, pfnish ? pfn_value(c.before) : c.before,
                                    pfnish ? pfn_value(c.after) : c.after);
            } else if (place == FieldPlace::SYSFS) {
                body += fmt::format("{}  /sys/devices/system/memory/{}/{}: {} -> {}\n", indent, fi.where,
                                    split_dots(c.field).back(), c.before, c.after);
            } else {
                const bool pfnish = fi.name.find("start_pfn") != std::string::npos;
                body += fmt::format("{}  {}: {}: {} -> {}\n", indent, fi.where, fi.name, pfnish ? pfn_value(c.before) : c.before,
                                    pfnish ? pfn_value(c.after) : c.after);
            }
        }
        if (!body.empty()) out += fmt::format("{}{}\n{}", indent, title, body);
    };
    section(FieldPlace::PLATFORM, "platform (QEMU):");
    section(FieldPlace::SYSFS, "sysfs:");
    section(FieldPlace::ZONEINFO, "/proc/zoneinfo:");
    section(FieldPlace::NODE, "pglist_data (node):");
    section(FieldPlace::INTERNAL, "kernel structures:");
    (void)m;
    return out;
}

std::string format_explain(const LoadedTrace& t, const ReplayReport& rep, const ExplainOptions& opt) {
    if (t.threaded) return format_explain_threaded(t, rep, opt.diff_only);
    const Machine& m = t.sc.machine;
    const Variant& variant = *find_variant(t.variant);
    std::string out;
    out += fmt::format("{} under {}\n", t.sc.name, t.variant);
    out += fmt::format("{}\n\n", std::string(t.sc.name.size() + 7 + t.variant.size(), '='));
    if (!t.sc.description.empty()) out += fmt::format("scenario   {}\n           {}\n", t.sc.path, t.sc.description);
    out += fmt::format("variant    {} — {}\n", variant.name, variant.source);
    if (!variant.description.empty()) out += fmt::format("           {}\n", variant.description);
    out += fmt::format("machine    {}\n", describe_machine(m));
    const std::optional<Violation>& v = rep.violation ? rep.violation : t.violation;
    if (v) {
        const Invariant* inv = find_invariant(v->invariant);
        out += fmt::format("\nWhat breaks: {}{} — {}\n  after step {} of {}: {}\n", v->invariant,
                           inv ? fmt::format(" ({})", inv->id) : "", inv ? inv->summary : v->conjunct,
                           rep.steps.size(), t.actions.size(), v->detail);
    }
    out += "\nInitial state\n";
    out += format_state_summary(m, rep.states.front());

    for (size_t i = 0; i < rep.steps.size(); ++i) {
        const TraceStep& st = rep.steps[i];
        const KernelState& before = rep.states[i];
        out += fmt::format("\nStep {}. {}\n", i + 1, action_label(m, st.action));
        out += fmt::format("  user:   {}\n", describe_action(m, st.action));
        if (st.action.fault.kind != FaultKind::NONE)
            out += fmt::format("  fault:  the model makes {} fail here (the real kernel can: {})\n",
                               fault_name(st.action.fault.kind),
                               st.action.fault.kind == FaultKind::UNMOVABLE_PAGES ? "unmovable pages in a kernel zone"
                                                                                  : "a notifier or allocation failure");
        if (!st.log.entries.empty()) {
            out += "  kernel:\n";
            for (const CallLog::Entry& e : st.log.entries) out += fmt::format("          {:{}}{}\n", "", e.depth * 2, e.text);
        }
        const bool sysfs_write = st.action.kind != ActionKind::DIMM_ADD && st.action.kind != ActionKind::DIMM_EJECT &&
                                 st.action.kind != ActionKind::REMOVE_MEMORY && !device_action(st.action.kind) &&
                                 !virtio_mem_action(st.action.kind);
        if (st.rc == 0)
            out += fmt::format("  result: success{}\n", sysfs_write ? " (the write returns the byte count)" : "");
        else
            out += fmt::format("  result: -{}{}\n", errno_name(st.rc),
                               sysfs_write ? " (the write fails with this errno)"
                                           : (st.action.kind == ActionKind::DIMM_EJECT
                                                  ? " (the guest refuses the eject: QEMU sees ACPI_DEVICE_OST, not DEVICE_DELETED)"
                                                  : ""));
        std::vector<FieldChange> changes = st.changes;
        for (const FieldChange& c : valid_zones_changes(m, variant.ops, before, st.after)) changes.push_back(c);
        out += changes.empty() ? std::string("  changed: nothing\n") : format_changes(m, changes, "  ");
        if (!opt.diff_only) {
            out += "  state after the step:\n";
            std::string sum = format_state_summary(m, st.after);
            for (size_t p = 0; p < sum.size();) {
                const size_t e = sum.find('\n', p);
                out += "  " + sum.substr(p, e - p + 1);
                p = e + 1;
            }
        }
    }
    if (v) {
        const Invariant* inv = find_invariant(v->invariant);
        out += fmt::format("\nVIOLATION after step {}: {}{}\n", rep.steps.size(), v->invariant,
                           inv ? fmt::format(" ({})", inv->id) : "");
        out += fmt::format("  conjunct:     {}\n  detail:       {}\n", v->conjunct, v->detail);
        if (inv) out += fmt::format("  relied on by: {}\n", inv->kernel);
        if (auto pfn = violation_pfn(*v)) {
            // A transition property judges the step: the pfn as it was before it, then after.
            if (inv && inv->holds_on && rep.states.size() > 1)
                out += fmt::format("  at the pfn, before the step: {}\n", describe_pfn(m, rep.states[rep.states.size() - 2], *pfn));
            out += fmt::format("  at the pfn{}: {}\n", inv && inv->holds_on ? ", after the step" : "",
                               describe_pfn(m, rep.states.back(), *pfn));
        }
    }
    if (!rep.reproduced)
        out += fmt::format("\nNOTE: the model does not reproduce this trace: state {} field {}: trace '{}', model '{}' ({})\n",
                           rep.step, rep.field, rep.in_trace, rep.in_model, rep.message);
    return out;
}

}  // namespace hp
