#include "checker/report_email.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "checker/kernel_cmdline.hpp"
#include "checker/report_itf.hpp"
#include "checker/report_text.hpp"
#include "checker/report_threaded.hpp"

namespace hp {

std::string wrap(const std::string& text, std::size_t width, std::size_t first_indent, std::size_t indent) {
    std::string out, line(first_indent, ' ');
    std::size_t line_indent = first_indent;
    auto flush = [&] {
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
        line.assign(indent, ' ');
        line_indent = indent;
    };
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '\n') {
            flush();
            ++i;
            continue;
        }
        const std::size_t end = std::min(text.find_first_of(" \n", i), text.size());
        std::string word = text.substr(i, end - i);
        i = end < text.size() && text[end] == ' ' ? end + 1 : end;
        const bool fresh = line.size() == line_indent;
        if (!fresh && line.size() + 1 + word.size() > width) flush();
        if (line.size() != line_indent) line += ' ';
        while (line.size() + word.size() > width) {  // a word longer than the line: split it
            const std::size_t room = width - line.size();
            line += word.substr(0, room);
            word.erase(0, room);
            flush();
        }
        line += word;
    }
    if (line.size() > line_indent || out.empty()) flush();
    return out;
}

namespace {
std::string field(const std::string& name, const std::string& value) {
    return wrap(fmt::format("{:<10}{}", name, value), kEmailColumns, 0, 10);
}
std::string rc_text(int rc) { return rc == 0 ? "success" : fmt::format("error -{}", errno_name(rc)); }
}  // namespace

std::string format_email(const Scenario& sc, const RunResult& r, const std::string& command) {
    const ExploreResult& e = r.explore;
    const Variant* v = find_variant(r.variant);
    const Variant* parent = v && !v->parent.empty() ? find_variant(v->parent) : nullptr;
    std::string s;
    s += field("hpcheck", fmt::format("{} (memory-hotplug model checker)", kHpcheckVersion));
    s += field("scenario", fmt::format("{} ({})", sc.name, sc.path));
    s += field("variant", v ? fmt::format("{} -- {}", v->name, v->source) : r.variant);
    s += field("parent", parent ? fmt::format("{} -- {}", parent->name, parent->source) : std::string("(none: a baseline)"));
    s += field("machine", describe_machine(sc.machine));
    s += field("cmdline", kernel_command_line(sc.machine));
    if (!command.empty()) s += field("command", command);
    std::string verdict = verdict_name(e.verdict);
    if (e.verdict == Verdict::INCOMPLETE) verdict += ": " + e.incomplete_reason;
    if (!r.litmus && e.verdict != Verdict::VIOLATION)
        verdict += fmt::format(" ({} states, {})", e.states,
                               e.unexpanded_at_bound ? fmt::format("every sequence of <= {} operations", e.depth)
                                                     : std::string("every reachable state"));
    s += field("verdict", verdict);
    if (e.violation) {
        const Violation& x = *e.violation;
        const Invariant* inv = find_invariant(x.invariant);
        s += field("invariant", inv ? fmt::format("{} ({}): {}", x.invariant, inv->id, inv->summary) : x.invariant);
        s += field("conjunct", x.conjunct);
        s += field("detail", x.detail);
        if (inv) s += field("relied on", inv->kernel);
    }
    if (!r.replay.empty()) {
        s += fmt::format("\n{} ({} step{}):\n", e.violation ? "Shortest trace" : "Run", r.replay.size(),
                         r.replay.size() == 1 ? "" : "s");
        for (std::size_t i = 0; i < r.replay.size(); ++i) {
            const TraceStep& st = r.replay[i];
            s += "\n" + wrap(fmt::format("{}. {}", i + 1, action_label(sc.machine, st.action)), kEmailColumns,
                             i + 1 < 10 ? 1 : 0, 4);  // numbers right-aligned: " 1." .. "10."
            s += wrap("$ " + describe_action(sc.machine, st.action), kEmailColumns, 4, 6);
            for (const CallLog::Entry& c : st.log.entries)
                s += wrap(c.text, kEmailColumns, 4 + 2 * std::min(c.depth, 8), 8 + 2 * std::min(c.depth, 8));
            s += wrap("-> " + rc_text(st.rc), kEmailColumns, 4, 7);
            for (const FieldChange& c : st.changes)
                s += wrap(fmt::format("{}: {} -> {}", c.field, c.before, c.after), kEmailColumns, 7, 9);
        }
    }
    if (r.threaded && !r.interleaving.empty()) {
        // One column per CPU inside the 72 columns of an email.
        s += fmt::format("\nShortest interleaving ({} steps, one column per CPU,\n[locks held after the step]):\n",
                         r.interleaving.size());
        const std::size_t n = std::max<std::size_t>(r.thread_names.size(), 1);
        s += format_interleaving_columns(r.thread_names, r.interleaving, std::max<std::size_t>((kEmailColumns - 7) / n, 16));
    }
    if (e.violation)
        s += "\n" + wrap(fmt::format("=> {} violated after step {}: {}", e.violation->invariant,
                                     r.threaded ? r.interleaving.size() : r.replay.size(),
                                     e.violation->detail),
                         kEmailColumns, 0, 3);
    return s;
}

}  // namespace hp
