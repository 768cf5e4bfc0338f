// ITF traces (the Informal Trace Format of Apalache and Quint,
// https://apalache-mc.org/docs/adr/015adr-trace.html): writing a violating trace, reading one
// back, and re-executing it against the model (`hpcheck replay`). Schema: docs/itf-trace.schema.json.
//
// Layout of one hpcheck ITF file:
//   "#meta"  format, hpcheck version, scenario {path, name}, variant, invariants checked,
//            geometry, machine, violation {invariant, id, conjunct, detail, pfn, step}
//   "vars"   the top-level variables: node<N>, memory<ID>, <dimm name>
//   "states" one per state, the initial one first; each has "#meta" {index, action, rc,
//            kernel (the functions that ran)} and the variables as nested records of the
//            kernel's field names (spec/state_diff.cpp); every integer is {"#bigint": "..."}.
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "checker/run.hpp"

namespace hp {

inline constexpr const char* kHpcheckVersion = "0.1.0";  // keep in step with CMakeLists.txt project()

// One line, "FILE:LINE: FIELD: message"; the CLI exits 2 with it.
struct TraceError : std::runtime_error {
    TraceError(const std::string& file, long line, const std::string& field, const std::string& msg);
};

// Limits on a trace file read back: its size and the nesting of its JSON (an ITF file
// written by hpcheck nests 5 deep and is far below a MiB per step).
inline constexpr std::size_t kMaxTraceBytes = 64u << 20;
inline constexpr unsigned kMaxJsonDepth = 64;

// The ITF document of a violating run. `invariants`: the names that were checked
// (empty: all).
std::string format_itf(const Scenario& sc, const RunResult& r, const std::vector<std::string>& invariants);

// The variables of one state as an ITF record (nested by the dots of the field names).
nlohmann::ordered_json itf_state_vars(const Machine& m, const KernelState& s);
// The same for any named fields (values as state_fields() gives them).
nlohmann::ordered_json itf_record(const std::vector<std::pair<std::string, std::string>>& fields);
// The "#meta" of a trace file (format, scenario, variant, invariants, machine, violation).
nlohmann::ordered_json itf_meta(const Scenario& sc, const RunResult& r, const std::vector<std::string>& invariants);
// A state record read back, flattened to dotted names in document order ("#meta" left out),
// and a value shown as text ({"#bigint": "5"} -> 5).
std::vector<std::pair<std::string, nlohmann::json>> itf_flatten(const nlohmann::json& record);
std::string itf_show(const nlohmann::json& v);
// The same flattened back to "node0.Movable.spanned_pages" -> value, in state_fields order.
std::vector<std::pair<std::string, nlohmann::json>> itf_flat_vars(const Machine& m, const KernelState& s);

// A trace read back from a file, its actions resolved against the scenario's machine.
struct LoadedTrace {
    std::string file;
    nlohmann::json doc;
    Scenario sc;                          // loaded from #meta.scenario.path
    std::string variant;
    std::vector<std::string> invariants;  // empty = all
    std::optional<Violation> violation;   // #meta.violation
    std::vector<Action> actions;          // states[1..].#meta.action
    std::vector<std::string> rcs;         // states[1..].#meta.rc
    // A threaded trace (#meta.mode "threads", docs/interleavings.md): the thread of each
    // step (states[1..].#meta.thread, an index into the scenario's [[threads]]).
    bool threaded = false;
    std::vector<unsigned> thread_steps;
};

// Throws TraceError for an unreadable or malformed file. The scenario path of #meta is
// tried as written, then relative to the trace's directory and its parents;
// `scenario_override` replaces it; `scenario_dir` (the suite's directory) is tried last
// with the file name alone.
LoadedTrace load_itf(const std::string& path, const std::string& scenario_override = "",
                     const std::string& scenario_dir = "");

struct ReplayReport {
    bool reproduced = false;
    // On divergence: the state index (0 = initial state, i = after step i), the field and
    // both values, and a one-line message.
    unsigned step = 0;
    std::string field, in_trace, in_model, message;
    std::vector<KernelState> states;      // states the model went through (initial first)
    std::vector<TraceStep> steps;         // narrative of each step the model executed
    std::optional<Violation> violation;   // what the model found at the end
    // Threaded traces: states are the live kernel state after each step, steps carry
    // the kernel functions and changes, rows tell each step (thread, what, locks).
    bool threaded = false;
    std::vector<std::string> thread_names;
    std::vector<InterleavingRow> rows;
};

ReplayReport replay_itf(const LoadedTrace& t);

// Address of the offending pfn named in a violation's detail ("pfn 0x108000"), if any.
std::optional<pfn_t> violation_pfn(const Violation& v);

}  // namespace hp
