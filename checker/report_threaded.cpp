#include "checker/report_threaded.hpp"

#include <fmt/format.h>

#include <map>

#include "checker/report_explain.hpp"
#include "checker/report_text.hpp"
#include "checker/xml_escape.hpp"
#include "spec/state_diff.hpp"

namespace hp {

using ojson = nlohmann::ordered_json;
using json = nlohmann::json;

namespace {

// Everything a threaded state shows: the live kernel state (the in-flight operation re-run
// to where it is parked) and the threads' world (positions, locks, page tables).
std::vector<std::pair<std::string, std::string>> all_fields(const ThreadedModel& model, const ThreadedState& s) {
    auto f = state_fields(model.machine(), model.live_kernel(s));
    for (auto& x : model.world_fields(s)) f.push_back(std::move(x));
    return f;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

std::vector<std::string> wrap_words(const std::string& text, std::size_t w) {
    std::vector<std::string> lines;
    std::string cur;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t sp = text.find(' ', pos);
        if (sp == std::string::npos) sp = text.size();
        const std::string word = text.substr(pos, sp - pos);
        if (!cur.empty() && cur.size() + 1 + word.size() > w) {
            lines.push_back(cur);
            cur.clear();
        }
        cur += (cur.empty() ? "" : " ") + word;
        pos = sp + 1;
    }
    if (!cur.empty()) lines.push_back(cur);
    return lines;
}

}  // namespace

std::string describe_thread(const Machine& m, const ThreadSpec& t) {
    const std::string lock = t.lock == ReaderLock::NONE ? "no lock" : fmt::format("under {}", reader_lock_name(t.lock));
    switch (t.kind) {
        case ThreadKind::HOTPLUG: {
            std::vector<std::string> ops;
            for (const Action& a : t.ops) ops.push_back(action_label(m, a));
            return fmt::format("{} hotplug (device_hotplug_lock): {}", t.name, join(ops, ", "));
        }
        case ThreadKind::PFN_WALKER:
            return fmt::format("{} pfn walker: {}({:#x}){}, {}", t.name, pfn_check_name(t.check), t.pfn,
                               t.read_page ? " then reads the struct page" : "", lock);
        case ThreadKind::MEMORY_FAILURE:
            return fmt::format("{} memory_failure({:#x}): pfn_to_online_page(), TestSetPageHWPoison(), no lock", t.name, t.pfn);
        case ThreadKind::VMALLOC:
            return fmt::format("{} vmalloc(): pmd_alloc() (lockless walk), pte_alloc_kernel() under init_mm.page_table_lock",
                               t.name);
        case ThreadKind::SPAN_READER:
            return fmt::format("{} span reader: zone_spans_pfn(node{} {}), {}", t.name, t.node, zone_name(t.zone), lock);
        case ThreadKind::PTDUMP:
            return fmt::format("{} ptdump: ptdump_walk_pgd() over the vmemmap range (pud, then the pmd table), {}", t.name, lock);
    }
    return t.name;
}

std::string format_interleaving_columns(const std::vector<std::string>& names, const std::vector<InterleavingRow>& rows,
                                        std::size_t w) {
    std::string s = "       ";
    for (const std::string& name : names) s += fmt::format("{:<{}}", name, w);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    s += "\n       ";
    for (std::size_t i = 0; i < names.size(); ++i) s += fmt::format("{:<{}}", std::string(w - 2, '-'), w);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    s += "\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const InterleavingRow& row = rows[i];
        std::vector<std::string> lines = wrap_words(row.what, w - 2);
        if (!row.locks.empty())
            for (const std::string& l : wrap_words("[" + row.locks + "]", w - 2)) lines.push_back(l);
        for (std::size_t l = 0; l < lines.size(); ++l) {
            s += l == 0 ? fmt::format("  {:>3}. ", i + 1) : std::string(7, ' ');
            for (std::size_t c = 0; c < row.thread; ++c) s += std::string(w, ' ');
            s += lines[l] + "\n";
        }
    }
    return s;
}

std::string format_itf_threaded(const Scenario& sc, const RunResult& r, const std::vector<std::string>& invariants) {
    const Machine& m = sc.machine;
    const Variant& variant = *find_variant(r.variant);
    const ThreadedModel model(sc, variant, select_invariants(invariants, sc.path), ThreadedModel::Options{false, -1});
    ojson doc;
    ojson meta = itf_meta(sc, r, invariants);
    ojson threads = ojson::array();
    for (const ThreadSpec& t : model.threads())
        threads.push_back({{"name", t.name}, {"kind", thread_kind_name(t.kind)}, {"program", describe_thread(m, t)}});
    meta["threads"] = threads;
    ojson setup = ojson::array();
    for (const Action& a : sc.threads.setup) setup.push_back(action_label(m, a));
    meta["setup"] = setup;
    meta["reduction"] = {{"partial_order", r.por}, {"max_preemptions", r.max_preemptions}};
    doc["#meta"] = meta;

    ThreadedState s = model.initial();
    const ojson vars0 = itf_record(all_fields(model, s));
    ojson vars = ojson::array();
    for (auto& [k, v] : vars0.items()) vars.push_back(k);
    doc["vars"] = vars;
    ojson states = ojson::array();
    {
        ojson st;
        st["#meta"] = {{"index", 0},          {"thread", nullptr}, {"what", "the threads start (setup done)"},
                       {"action", nullptr}, {"rc", nullptr},     {"kernel", ojson::array()}};
        for (auto& [k, v] : vars0.items()) st[k] = v;
        states.push_back(st);
    }
    for (std::size_t i = 0; i < r.thread_trace.size(); ++i) {
        const unsigned th = r.thread_trace[i];
        ThreadedState out{};
        InterleavingRow row;
        Violation v;
        model.replay_step(s, th, out, &v, &row);
        ojson calls = ojson::array();
        for (const CallLog::Entry& e : row.calls) calls.push_back({{"depth", e.depth}, {"text", e.text}});
        ojson held = ojson::object();
        for (std::size_t u = 0; u < row.held.size(); ++u) held[model.threads()[u].name] = row.held[u];
        ojson st;
        st["#meta"] = {{"index", i + 1},
                       {"thread", model.threads()[th].name},
                       {"thread_index", th},
                       {"what", row.what},
                       {"locks", row.locks},
                       {"locks_held", held},
                       {"action", nullptr},  // a thread's step, not a user action (the op is in `what`)
                       {"rc", nullptr},
                       {"kernel", calls}};
        const ojson after = itf_record(all_fields(model, out));  // named: items() must not outlive it
        for (auto& [k, val] : after.items()) st[k] = val;
        states.push_back(st);
        s = out;
    }
    doc["states"] = states;
    return doc.dump(1) + "\n";
}

ReplayReport replay_itf_threaded(const LoadedTrace& t) {
    ReplayReport rep;
    rep.threaded = true;
    const Machine& m = t.sc.machine;
    const ThreadedModel model(t.sc, *find_variant(t.variant), select_invariants(t.invariants, t.file),
                              ThreadedModel::Options{false, -1});
    for (const ThreadSpec& th : model.threads()) rep.thread_names.push_back(th.name);
    const json& states = t.doc["states"];
    auto diverge = [&](unsigned step, std::string field, std::string in_trace, std::string in_model, std::string msg) {
        rep.reproduced = false;
        rep.step = step;
        rep.field = std::move(field);
        rep.in_trace = std::move(in_trace);
        rep.in_model = std::move(in_model);
        rep.message = std::move(msg);
        return rep;
    };
    auto compare = [&](unsigned i, const ThreadedState& s) {
        const auto in_trace = itf_flatten(states[i]);
        const auto in_model = itf_flatten(json::parse(itf_record(all_fields(model, s)).dump()));
        std::map<std::string, const json*> tmap;
        for (auto& [k, v] : in_trace) tmap[k] = &v;
        for (const auto& [k, v] : in_model) {
            auto it = tmap.find(k);
            if (it == tmap.end()) {
                diverge(i, k, "(missing)", itf_show(v), "field missing from the trace");
                return false;
            }
            if (*it->second != v) {
                diverge(i, k, itf_show(*it->second), itf_show(v), "field differs");
                return false;
            }
            tmap.erase(it);
        }
        if (!tmap.empty()) {
            diverge(i, tmap.begin()->first, itf_show(*tmap.begin()->second), "(missing)", "the model has no such field");
            return false;
        }
        return true;
    };
    ThreadedState s = model.initial();
    rep.states.push_back(model.live_kernel(s));
    if (!compare(0, s)) return rep;
    Violation v;
    bool violated = !model.check_state(s, &v);
    const unsigned n = static_cast<unsigned>(t.thread_steps.size());
    if (violated && n > 0)
        return diverge(0, "#meta.violation", "(none yet)", v.invariant,
                       fmt::format("the initial state already violates {}", v.invariant));
    for (unsigned i = 0; i < n; ++i) {
        const unsigned th = t.thread_steps[i];
        const ThreadSpec& ts = model.threads()[th];
        if (!model.enabled(s, th))
            return diverge(i + 1, "#meta.thread", ts.name, "(cannot step)",
                           fmt::format("{} cannot step here: it waits for a lock or has finished", ts.name));
        ThreadedState out{};
        InterleavingRow row;
        Violation sv;
        const StepOutcome o = model.replay_step(s, th, out, &sv, &row);
        TraceStep step;
        if (ts.kind == ThreadKind::HOTPLUG) step.action = ts.ops[s.x.pc[th]];
        step.log.entries = row.calls;
        step.after = model.live_kernel(out);
        step.changes = diff_states(m, rep.states.back(), step.after);
        {  // the threads' world too: positions, locks, the pointers they hold, page tables
            const auto before = model.world_fields(s), after = model.world_fields(out);
            for (std::size_t k = 0; k < before.size() && k < after.size(); ++k)
                if (before[k].second != after[k].second)
                    step.changes.push_back({before[k].first, before[k].second, after[k].second});
        }
        rep.states.push_back(step.after);
        rep.steps.push_back(std::move(step));
        rep.rows.push_back(std::move(row));
        if (!compare(i + 1, out)) return rep;
        if (o == StepOutcome::VIOLATION) {
            v = sv;
            violated = true;
        } else if (!model.check_state(out, &v)) {
            violated = true;
        }
        if (violated && i + 1 < n)
            return diverge(i + 1, "#meta.violation", "(none yet)", v.invariant,
                           fmt::format("the model violates {} already after step {}: {}", v.invariant, i + 1, v.detail));
        s = out;
    }
    if (violated) rep.violation = v;
    if (!t.violation && violated)
        return diverge(n, "#meta.violation", "null", v.invariant, fmt::format("the model violates {}", v.invariant));
    if (t.violation && !violated)
        return diverge(n, "#meta.violation.invariant", t.violation->invariant, "(holds)",
                       "the model reaches the final state without a violation");
    if (t.violation) {
        if (v.invariant != t.violation->invariant)
            return diverge(n, "#meta.violation.invariant", t.violation->invariant, v.invariant, "a different invariant fails");
        if (v.conjunct != t.violation->conjunct)
            return diverge(n, "#meta.violation.conjunct", t.violation->conjunct, v.conjunct, "a different conjunct fails");
        if (v.detail != t.violation->detail)
            return diverge(n, "#meta.violation.detail", t.violation->detail, v.detail, "the violation's detail differs");
    }
    rep.reproduced = true;
    return rep;
}

std::string format_explain_threaded(const LoadedTrace& t, const ReplayReport& rep, bool diff_only) {
    const Machine& m = t.sc.machine;
    const Variant& variant = *find_variant(t.variant);
    std::string out;
    out += fmt::format("{} under {}\n", t.sc.name, t.variant);
    out += fmt::format("{}\n\n", std::string(t.sc.name.size() + 7 + t.variant.size(), '='));
    if (!t.sc.description.empty()) out += fmt::format("scenario   {}\n           {}\n", t.sc.path, t.sc.description);
    out += fmt::format("variant    {} — {}\n", variant.name, variant.source);
    if (!variant.description.empty()) out += fmt::format("           {}\n", variant.description);
    out += fmt::format("machine    {}\n", describe_machine(m));
    out += "threads    one per CPU; hotplug entry points are serialised by device_hotplug_lock, readers are not\n";
    for (const ThreadSpec& th : t.sc.threads.threads) out += fmt::format("           {}\n", describe_thread(m, th));
    if (!t.sc.threads.setup.empty()) {
        std::vector<std::string> setup;
        for (const Action& a : t.sc.threads.setup) setup.push_back(action_label(m, a));
        out += fmt::format("setup      {} (sequential, before the threads start)\n", join(setup, ", "));
    }
    const std::optional<Violation>& v = rep.violation ? rep.violation : t.violation;
    if (v) {
        const Invariant* inv = find_invariant(v->invariant);
        out += fmt::format("\nWhat breaks: {}{} — {}\n  at step {} of {}: {}\n", v->invariant,
                           inv ? fmt::format(" ({})", inv->id) : "", inv ? inv->summary : v->conjunct, rep.steps.size(),
                           t.thread_steps.size(), v->detail);
    }
    out += "\nInitial state (the threads start)\n";
    out += format_state_summary(m, rep.states.front());
    out += fmt::format("\nThe interleaving ({} steps; one column per CPU; [locks the CPU holds after its step]):\n",
                       rep.rows.size());
    const std::size_t n = rep.thread_names.size();
    out += format_interleaving_columns(rep.thread_names, rep.rows, n <= 2 ? 52 : n == 3 ? 38 : 30);
    for (std::size_t i = 0; i < rep.rows.size(); ++i) {
        const InterleavingRow& row = rep.rows[i];
        const TraceStep& st = rep.steps[i];
        out += fmt::format("\nStep {}. {}: {}\n", i + 1, rep.thread_names[row.thread], row.what);
        std::vector<std::string> held;
        for (std::size_t u = 0; u < row.held.size(); ++u)
            held.push_back(fmt::format("{} [{}]", rep.thread_names[u], row.held[u].empty() ? "-" : row.held[u]));
        out += fmt::format("  locks held after the step: {}\n", join(held, ", "));
        if (!st.log.entries.empty()) {
            out += "  kernel:\n";
            for (const CallLog::Entry& e : st.log.entries) out += fmt::format("          {:{}}{}\n", "", e.depth * 2, e.text);
        }
        std::vector<FieldChange> changes = st.changes;
        for (const FieldChange& c : valid_zones_changes(m, variant.ops, rep.states[i], st.after)) changes.push_back(c);
        out += changes.empty() ? std::string("  changed: nothing in the kernel state\n") : format_changes(m, changes, "  ");
        if (!diff_only && !changes.empty()) {
            out += "  kernel state after the step (the hotplug operation's live state, mid-path if parked):\n";
            const std::string sum = format_state_summary(m, st.after);
            for (std::size_t p = 0; p < sum.size();) {
                const std::size_t e = sum.find('\n', p);
                out += "  " + sum.substr(p, e - p + 1);
                p = e + 1;
            }
        }
    }
    if (v) {
        const Invariant* inv = find_invariant(v->invariant);
        out += fmt::format("\nVIOLATION at step {}: {}{}\n", rep.steps.size(), v->invariant,
                           inv ? fmt::format(" ({})", inv->id) : "");
        out += fmt::format("  conjunct:     {}\n  detail:       {}\n", v->conjunct, v->detail);
        if (inv) out += fmt::format("  relied on by: {}\n", inv->kernel);
    }
    if (!rep.reproduced)
        out += fmt::format("\nNOTE: the model does not reproduce this trace: state {} field {}: trace '{}', model '{}' ({})\n",
                           rep.step, rep.field, rep.in_trace, rep.in_model, rep.message);
    return out;
}

namespace {
const char* lane_fill(ThreadKind k) { return k == ThreadKind::HOTPLUG ? "#e3f2fd" : "#f1f8e9"; }
// A colour per lock, so that a lock held across steps reads as one bar.
const char* lock_color(const std::string& l) {
    if (l.find("device_hotplug_lock") != std::string::npos) return "#1565c0";
    if (l.find("mem_hotplug_lock") != std::string::npos) return "#6a1b9a";
    if (l.find("rcu") != std::string::npos) return "#2e7d32";
    return "#616161";
}
std::vector<std::string> split_locks(const std::string& s) {
    std::vector<std::string> out;
    std::size_t b = 0;
    while (b < s.size()) {
        std::size_t e = s.find(", ", b);
        if (e == std::string::npos) e = s.size();
        out.push_back(s.substr(b, e - b));
        b = e + 2;
    }
    return out;
}
}  // namespace

std::string format_svg_threaded(const LoadedTrace& t, const ReplayReport& rep) {
    const auto& threads = t.sc.threads.threads;
    const std::size_t n = threads.size();
    const int left = 50, lane = 300, top = 78, line_h = 14, chars = 44;
    const int width = left + static_cast<int>(n) * lane + 10;
    const std::optional<Violation>& v = rep.violation ? rep.violation : t.violation;
    // Row heights first: each step's box holds its wrapped text and its locks.
    std::vector<std::vector<std::string>> texts;
    std::vector<int> ys;
    int y = top;
    for (const InterleavingRow& row : rep.rows) {
        std::vector<std::string> lines = wrap_words(row.what, chars);
        texts.push_back(lines);
        ys.push_back(y);
        y += static_cast<int>(lines.size() + (row.locks.empty() ? 0 : 1)) * line_h + 14;
    }
    const int height = y + (v ? 40 : 14);
    std::string o;
    o += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
                     "font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\">\n",
                     width, height, width, height);
    o += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"white\"/>\n", width, height);
    o += fmt::format("<text x=\"8\" y=\"18\" font-size=\"13\" font-weight=\"bold\">{} under {}{}</text>\n",
                     xml_escape(t.sc.name), xml_escape(t.variant), v ? xml_escape(" — violates " + v->invariant) : "");
    o += "<text x=\"8\" y=\"34\" fill=\"#616161\">one lane per CPU, time downwards; bars: locks held after each step "
         "(blue device_hotplug_lock, purple mem_hotplug_lock, green RCU)</text>\n";
    for (std::size_t c = 0; c < n; ++c) {
        const int x = left + static_cast<int>(c) * lane;
        o += fmt::format("<text x=\"{}\" y=\"58\" font-weight=\"bold\">{} ({})</text>\n", x + 14, xml_escape(threads[c].name),
                         thread_kind_name(threads[c].kind));
        o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#bdbdbd\"/>\n", x + 6, top - 12, x + 6,
                         height - 8);
    }
    for (std::size_t i = 0; i < rep.rows.size(); ++i) {
        const InterleavingRow& row = rep.rows[i];
        const int y0 = ys[i], y1 = i + 1 < ys.size() ? ys[i + 1] : y;
        const bool bad = v && i + 1 == rep.rows.size();
        o += fmt::format("<text x=\"8\" y=\"{}\" fill=\"#616161\">{}.</text>\n", y0 + 12, i + 1);
        // Lock bars: every thread, whether it stepped or not, holds its locks until its next step.
        for (std::size_t u = 0; u < row.held.size() && u < n; ++u) {
            const auto locks = split_locks(row.held[u]);
            for (std::size_t k = 0; k < locks.size(); ++k)
                o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"3\" height=\"{}\" fill=\"{}\"><title>{} holds {}</title></rect>\n",
                                 left + static_cast<int>(u) * lane + static_cast<int>(k) * 4, y0 - 2, y1 - y0,
                                 lock_color(locks[k]), xml_escape(threads[u].name), xml_escape(locks[k]));
        }
        const int x = left + static_cast<int>(row.thread) * lane + 14;
        const int h = static_cast<int>(texts[i].size() + (row.locks.empty() ? 0 : 1)) * line_h + 6;
        o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{}\" stroke=\"{}\"{}/>\n", x, y0,
                         lane - 22, h, bad ? "#ffcdd2" : lane_fill(threads[row.thread].kind), bad ? "#c62828" : "#90a4ae",
                         bad ? " stroke-width=\"2\"" : "");
        int ty = y0 + 13;
        for (const std::string& l : texts[i]) {
            o += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x + 4, ty, xml_escape(l));
            ty += line_h;
        }
        if (!row.locks.empty())
            o += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#37474f\" font-style=\"italic\">[{}]</text>\n", x + 4, ty,
                             xml_escape(row.locks));
    }
    if (v)
        o += fmt::format("<text x=\"8\" y=\"{}\" fill=\"#c62828\" font-weight=\"bold\">=&gt; {}</text>\n", height - 14,
                         xml_escape(v->invariant + ": " + v->conjunct));
    o += "</svg>\n";
    return o;
}

}  // namespace hp
