// Breadth-first exploration over canonical (packed) states: the first violation found
// has a shortest trace. Limits end the search as "incomplete", never as "pass".
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "checker/process_memory.hpp"
#include "checker/transition_system.hpp"
#include "checker/tree_store.hpp"

namespace hp {

enum class Verdict { PASS, VIOLATION, INCOMPLETE };
const char* verdict_name(Verdict v);  // "pass", "violation", "incomplete"

struct Limits {
    std::uint64_t max_states = 0;      // 0 = none
    double max_seconds = 0;            // 0 = none
    std::uint64_t max_memory_mb = 0;   // 0 = none
    unsigned max_depth = 0;            // 0 = none: explore until no new state appears
};

struct ExploreResult {
    Verdict verdict = Verdict::PASS;
    std::string incomplete_reason;     // which limit, for INCOMPLETE
    std::optional<Violation> violation;
    std::vector<unsigned> trace;       // action indices from the initial state to the violation
    std::uint64_t states = 0, transitions = 0;
    unsigned depth = 0;                // deepest BFS level reached
    std::uint64_t unexpanded_at_bound = 0;  // states at max_depth whose successors were not explored
    double seconds = 0;
    std::size_t visited_bytes = 0;     // tree store + parent links
};

// Set by the SIGINT handler; the explorer stops with INCOMPLETE ("interrupted").
extern std::atomic<bool> g_interrupted;

// Progress line on a terminal: states, states/s, queue, depth, elapsed.
struct Progress {
    bool enabled = false;
    std::chrono::steady_clock::time_point last{};
    void update(std::uint64_t states, std::uint64_t queue, unsigned depth, double elapsed);
    void finish();
};

template <TransitionSystem M>
ExploreResult explore(M& model, const Limits& lim, Progress* progress = nullptr) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
    ExploreResult res;
    TreeStore store(model.packed_words());
    std::vector<std::uint32_t> parent;  // state id -> predecessor id
    std::vector<std::uint16_t> via;     // state id -> action index that reached it
    // Padded buffers: the parent's words and inner nodes let insert() redo only what changed.
    std::vector<std::uint32_t> w(store.padded_words(), 0), w2(store.padded_words(), 0), tree(store.tree_size() + 2, 0);
    typename M::State cur = model.initial(), next = model.initial();
    Violation v;

    auto path_to = [&](std::uint32_t id) {
        std::vector<unsigned> t;
        for (; id != 0; id = parent[id]) t.push_back(via[id]);
        return std::vector<unsigned>(t.rbegin(), t.rend());
    };
    auto finish = [&](Verdict verdict) {
        res.verdict = verdict;
        res.states = store.size();
        res.seconds = elapsed();
        res.visited_bytes = store.bytes() + parent.capacity() * 4 + via.capacity() * 2;
        if (progress) progress->finish();
        return res;
    };

    model.pack(cur, w.data());
    store.insert(w.data());
    parent.push_back(0);
    via.push_back(0);
    if (!model.check_state(cur, &v)) {
        res.violation = v;
        return finish(Verdict::VIOLATION);
    }
    std::size_t level_end = 1;
    for (std::uint32_t id = 0; id < store.size(); ++id) {
        if (id == level_end) {
            ++res.depth;
            level_end = store.size();
        }
        if (lim.max_depth && res.depth >= lim.max_depth) {
            res.unexpanded_at_bound = store.size() - id;
            break;
        }
        if ((id & 255) == 0) {
            const double t = elapsed();
            if (g_interrupted.load(std::memory_order_relaxed)) {
                res.incomplete_reason = "interrupted";
                return finish(Verdict::INCOMPLETE);
            }
            if (lim.max_seconds > 0 && t > lim.max_seconds) {
                res.incomplete_reason = "--max-seconds reached";
                return finish(Verdict::INCOMPLETE);
            }
            const std::size_t bytes = store.bytes() + parent.capacity() * 4 + via.capacity() * 2;
            // --max-memory bounds the process (RSS), not only the visited set's own count.
            if (lim.max_memory_mb && std::max(bytes, process_rss_bytes()) > lim.max_memory_mb << 20) {
                res.incomplete_reason = "--max-memory reached";
                return finish(Verdict::INCOMPLETE);
            }
            if (progress && progress->enabled) progress->update(store.size(), store.size() - id, res.depth, t);
        }
        store.get(id, w.data(), tree.data());
        model.unpack(w.data(), cur);
        for (unsigned a = 0, n = model.action_count(); a < n; ++a) {
            const StepOutcome o = model.step(cur, a, next, &v);
            if (o == StepOutcome::DISABLED || o == StepOutcome::SKIPPED) continue;
            ++res.transitions;
            if (o == StepOutcome::VIOLATION) {
                res.violation = v;
                res.trace = path_to(id);
                res.trace.push_back(a);
                res.depth = static_cast<unsigned>(res.trace.size());
                return finish(Verdict::VIOLATION);
            }
            model.pack(next, w2.data());
            if (std::memcmp(w2.data(), w.data(), w.size() * 4) == 0) continue;  // a self-loop: nothing new
            const auto [nid, inserted] = store.insert(w2.data(), w.data(), tree.data());
            if (!inserted) continue;
            parent.push_back(id);
            via.push_back(static_cast<std::uint16_t>(a));
            if (!model.check_state(next, &v)) {
                res.violation = v;
                res.trace = path_to(nid);
                res.depth = static_cast<unsigned>(res.trace.size());
                return finish(Verdict::VIOLATION);
            }
            if (lim.max_states && store.size() >= lim.max_states) {
                res.incomplete_reason = "--max-states reached";
                return finish(Verdict::INCOMPLETE);
            }
        }
    }
    return finish(Verdict::PASS);
}

}  // namespace hp
