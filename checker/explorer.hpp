// Breadth-first exploration over canonical (packed) states: the first violation found
// has a shortest trace. Limits end the search as "incomplete", never as "pass".
//
// The search is level-synchronous and runs on N threads (successor generation, invariant
// checks and visited-set lookups all in parallel), with results that do not depend on N:
// - every successor is offered to the visited set with its discovery key (position of
//   the parent in the level, action index), and a state new in this level keeps the
//   smallest key offered; after the level the new states are numbered in key order,
//   which is exactly the order a sequential BFS discovers them in;
// - the first "event" of a level (a transition violation, a state violation, the
//   --max-states limit) is the one with the smallest key, and the counts and counters
//   reported are those of a sequential search stopping there (the level's prefix up to
//   that key is re-stepped on one thread to count them).
// The threads are started once per search (explorer_pool.hpp) and meet at the end of
// each phase of a level: expand; for one-word states, insert (each thread the words of
// the segments it owns) and number (each thread writes the BFS numbers of one key range
// of the level's new states). What is left on one thread per level is a few list swaps.
// So verdict, state and transition counts, operation counters and the shortest trace are
// the same for --threads 1, 2, ... Only the time and memory limits, which depend on the
// machine anyway, stop at a thread-dependent point.
#pragma once
#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "checker/explorer_pool.hpp"
#include "checker/process_memory.hpp"
#include "checker/transition_system.hpp"
#include "checker/visited_set.hpp"
#include "checker/word_coder.hpp"

namespace hp {

enum class Verdict { PASS, VIOLATION, INCOMPLETE };
const char* verdict_name(Verdict v);  // "pass", "violation", "incomplete"

struct Limits {
    std::uint64_t max_states = 0;      // 0 = none
    double max_seconds = 0;            // 0 = none
    std::uint64_t max_memory_mb = 0;   // 0 = none
    unsigned max_depth = 0;            // 0 = none: explore until no new state appears
    unsigned threads = 1;              // worker threads; 0 = every core (not a limit, but every caller has one)
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
    std::uint64_t node_lookups = 0;    // inner-node interns done by state lookups (per lookup: / lookups)
    std::uint64_t lookups = 0;         // state lookups (successors that were not self-loops)
    std::size_t peak_rss = 0;          // process resident set at the end, bytes
    unsigned recodes = 0;              // times the stored states were re-encoded because a word outgrew its code width
    unsigned coded_words = 0;          // words per state in the visited set (after word_coder.hpp)
};

// Set by the SIGINT handler; the explorer stops with INCOMPLETE ("interrupted").
extern std::atomic<bool> g_interrupted;

// Progress line on a terminal: states, states/s, queue, depth, elapsed.
struct Progress {
    bool enabled = false;  // only the first worker thread updates it
    std::chrono::steady_clock::time_point last{};
    void update(std::uint64_t states, std::uint64_t queue, unsigned depth, double elapsed);
    void finish();
};

}  // namespace hp

// explore<M>(): the template, in its own file.
#include "checker/explorer_impl.hpp"
