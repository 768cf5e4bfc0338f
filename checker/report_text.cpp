#include "checker/report_text.hpp"

#include <fmt/format.h>

namespace hp {

std::string describe_machine(const Machine& m) {
    const Geometry& g = m.geo;
    std::string s = fmt::format(
        "{}: {} KiB pages, {} MiB sections ({} pages), {} MiB memory blocks, subsection {} pages, pageblock {} "
        "pages, sizeof(struct page) {}; {} node(s); memmap_on_memory={}, movable_node={}, default online type {}",
        g.preset, g.page_size / 1024, g.pages_to_mib(g.pages_per_section), g.pages_per_section,
        g.pages_to_mib(g.pages_per_block), g.pages_per_subsection, g.pageblock_nr_pages, g.struct_page_size,
        m.nr_nodes,
        m.params.memmap_on_memory == MemmapMode::DISABLE ? "0" : (m.params.memmap_on_memory == MemmapMode::ENABLE ? "1" : "force"),
        m.params.movable_node ? 1 : 0, online_type_name(m.params.default_online_type));
    if (!m.params.sparsemem_vmemmap) s += "; SPARSEMEM without VMEMMAP (memmap per section, kvmalloc_node)";
    for (const BootZone& z : m.boot)
        s += z.span_only ? fmt::format("\n  boot  node {} {:<7} [{:#x}, {:#x}) spanned only (kernelcore=mirror overlap)",
                                       z.node, zone_name(z.zone), z.start_pfn, z.end_pfn)
                         : fmt::format("\n  boot  node {} {:<7} [{:#x}, {:#x}) present {} managed {}", z.node,
                                       zone_name(z.zone), z.start_pfn, z.end_pfn, z.present, z.managed);
    for (unsigned d = 0; d < m.dimms.size(); ++d) {
        const Dimm& dm = m.dimms[d];
        const auto first = m.blocks[m.dimm_first_block[d]].memory_block_id;
        s += fmt::format("\n  dimm  {} node {} {} MiB at pfn {:#x}: memory{}{}", dm.name, dm.node,
                         g.pages_to_mib(dm.nr_blocks * g.pages_per_block), dm.base_pfn, first,
                         dm.nr_blocks > 1 ? fmt::format("..memory{}", first + dm.nr_blocks - 1) : "");
    }
    return s;
}

std::string format_trace(const Machine& m, const RunResult& r) {
    std::string s;
    for (size_t i = 0; i < r.replay.size(); ++i) {
        const TraceStep& st = r.replay[i];
        s += fmt::format("  {:>2}. {}\n      $ {}\n", i + 1, action_label(m, st.action), describe_action(m, st.action));
        for (const CallLog::Entry& e : st.log.entries)
            s += fmt::format("      {:{}}{}\n", "", e.depth * 2, e.text);
        s += fmt::format("      -> {}\n", st.rc == 0 ? std::string("success") : fmt::format("error -{}", errno_name(st.rc)));
        for (const FieldChange& c : st.changes) s += fmt::format("         {}: {} -> {}\n", c.field, c.before, c.after);
    }
    return s;
}

std::string format_check(const Scenario& sc, const RunResult& r) {
    const ExploreResult& e = r.explore;
    std::string s;
    s += fmt::format("scenario   {} ({})\n", r.scenario, r.file);
    if (!sc.description.empty()) s += fmt::format("           {}\n", sc.description);
    if (const Variant* v = find_variant(r.variant)) s += fmt::format("variant    {} — {}\n", v->name, v->source);
    s += fmt::format("machine    {}\n", describe_machine(sc.machine));
    if (r.threaded) {
        std::string threads;
        for (const ThreadSpec& t : sc.threads.threads)
            threads += fmt::format("{}{} {}", threads.empty() ? "" : ", ", t.name, thread_kind_name(t.kind));
        s += fmt::format("threads    {}\n", threads);
        std::string scope;
        if (e.verdict == Verdict::INCOMPLETE) scope = fmt::format("INCOMPLETE: {}", e.incomplete_reason);
        else if (e.verdict == Verdict::VIOLATION) scope = "stopped at the first violation (breadth-first: shortest interleaving)";
        else if (r.cut_by_preemption_bound)
            scope = fmt::format("bounded: every interleaving with <= {} preemptions ({} steps cut at the bound)",
                                r.max_preemptions, r.cut_by_preemption_bound);
        else scope = "complete: every interleaving";
        s += fmt::format("explored   {} states, {} transitions, depth {}, {:.3f} s, {} bytes/state{} — {}\n", e.states,
                         e.transitions, e.depth, e.seconds, e.states ? e.visited_bytes / e.states : 0,
                         r.por ? (r.sleep_sets ? ", partial-order reduction on (persistent + sleep sets)"
                                               : ", partial-order reduction on (persistent sets)")
                               : "",
                         scope);
    } else if (r.litmus) {
        s += fmt::format("ran        litmus test, {} step(s)\n", sc.steps.size());
    } else {
        std::string scope;
        if (e.verdict == Verdict::INCOMPLETE) scope = fmt::format("INCOMPLETE: {}", e.incomplete_reason);
        else if (e.verdict == Verdict::VIOLATION) scope = "stopped at the first violation (breadth-first: shortest trace)";
        else if (e.unexpanded_at_bound)
            scope = fmt::format("bounded: every sequence of <= {} operations ({} states at the bound not expanded)",
                                e.depth, e.unexpanded_at_bound);
        else scope = "complete: every reachable state";
        s += fmt::format("explored   {} states, {} transitions, depth {}, {:.3f} s, {} bytes/state — {}\n", e.states,
                         e.transitions, e.depth, e.seconds, e.states ? e.visited_bytes / e.states : 0, scope);
        std::string ops;
        for (int k = 0; k < static_cast<int>(ActionKind::COUNT); ++k) {
            if (!r.counters.ok[k] && !r.counters.refused[k]) continue;
            ops += fmt::format("{}{} {} ok/{} refused", ops.empty() ? "" : ", ", action_kind_name(static_cast<ActionKind>(k)),
                               r.counters.ok[k], r.counters.refused[k]);
        }
        for (int f = 1; f < static_cast<int>(FaultKind::COUNT); ++f)
            if (r.counters.fired[f])
                ops += fmt::format(", fault {} fired {}", fault_name(static_cast<FaultKind>(f)), r.counters.fired[f]);
        if (!ops.empty()) s += fmt::format("fired      {}\n", ops);
    }
    for (const std::string& w : r.warnings) s += fmt::format("warning    {} (vacuous scenario?)\n", w);
    // The expectation belongs to the scenario's own variant: under --variant X it says
    // nothing about X (`hpcheck suite --variant X` compares X with its parent instead).
    if (r.variant != sc.variant)
        s += fmt::format("verdict    {} (the scenario expects {} under its own variant {}; not compared under {})\n",
                         verdict_name(e.verdict), r.expected, sc.variant, r.variant);
    else
        s += fmt::format("verdict    {} (expected {}){}\n", verdict_name(e.verdict), r.expected,
                         r.matches ? "" : "  <-- UNEXPECTED");
    if (e.violation) {
        const Violation& v = *e.violation;
        const Invariant* inv = find_invariant(v.invariant);
        s += fmt::format("\nVIOLATION  {}{}: {}\n           {}\n", v.invariant, inv ? fmt::format(" ({})", inv->id) : "",
                         v.conjunct, v.detail);
        if (inv) s += fmt::format("           relied on by: {}\n", inv->kernel);
        if (r.threaded && !r.interleaving.empty()) {
            s += fmt::format("\nshortest interleaving ({} steps, one column per CPU; [locks held after the step]):\n",
                             r.interleaving.size());
            s += format_interleaving(r);
            s += fmt::format("  => {}: {}\n", v.invariant, v.detail);
        }
        if (!r.replay.empty()) {
            s += fmt::format("\nshortest trace ({} step{}):\n", r.replay.size(), r.replay.size() == 1 ? "" : "s");
            s += format_trace(sc.machine, r);
            s += fmt::format("  => {}: {}\n", v.invariant, v.detail);
        }
    }
    return s;
}

std::string format_interleaving(const RunResult& r) {
    const std::size_t n = r.thread_names.size();
    const std::size_t w = n <= 2 ? 52 : n == 3 ? 38 : 30;  // column width
    auto wrap = [&](const std::string& text) {
        std::vector<std::string> lines;
        std::string cur;
        std::size_t pos = 0;
        while (pos < text.size()) {
            std::size_t sp = text.find(' ', pos);
            if (sp == std::string::npos) sp = text.size();
            const std::string word = text.substr(pos, sp - pos);
            if (!cur.empty() && cur.size() + 1 + word.size() > w - 2) {
                lines.push_back(cur);
                cur.clear();
            }
            cur += (cur.empty() ? "" : " ") + word;
            pos = sp + 1;
        }
        if (!cur.empty()) lines.push_back(cur);
        return lines;
    };
    std::string s = "       ";
    for (const std::string& name : r.thread_names) s += fmt::format("{:<{}}", name, w);
    s += "\n       ";
    for (std::size_t i = 0; i < n; ++i) s += fmt::format("{:<{}}", std::string(w - 2, '-'), w);
    s += "\n";
    for (std::size_t i = 0; i < r.interleaving.size(); ++i) {
        const InterleavingRow& row = r.interleaving[i];
        std::vector<std::string> lines = wrap(row.what);
        if (!row.locks.empty()) lines.push_back("[" + row.locks + "]");
        for (std::size_t l = 0; l < lines.size(); ++l) {
            s += l == 0 ? fmt::format("  {:>3}. ", i + 1) : std::string(7, ' ');
            for (std::size_t c = 0; c < row.thread; ++c) s += std::string(w, ' ');
            s += lines[l] + "\n";
        }
    }
    return s;
}

std::string suite_header() {
    return fmt::format("{:<40} {:<30} {:<11} {:<36} {:>9} {:>11} {:>5} {:>8}\n", "scenario", "variant", "verdict",
                       "expected", "states", "transitions", "depth", "seconds");
}

std::string suite_row(const RunResult& r) {
    const ExploreResult& e = r.explore;
    std::string verdict = verdict_name(e.verdict);
    if (e.violation && e.verdict == Verdict::VIOLATION) verdict += ": " + e.violation->invariant;
    return fmt::format("{:<40} {:<30} {:<11} {:<36} {:>9} {:>11} {:>5} {:>8.3f}{}\n", r.scenario, r.variant,
                       verdict_name(e.verdict), r.expected, e.states, e.transitions, e.depth, e.seconds,
                       r.matches ? "" : fmt::format("  MISMATCH (got {})", verdict));
}

}  // namespace hp
