// explore<M>(): the deterministic level-synchronous multicore BFS described in explorer.hpp.
// Included by explorer.hpp only.
#pragma once

namespace hp {

namespace detail {

// What ends a level first, ordered by discovery key (see explorer.hpp).
enum class EventKind : std::uint8_t { NONE, STEP_VIOLATION, STATE_VIOLATION, MAX_STATES };

// A discovery key: the parent's position in its level, then the action index. Sequential
// BFS meets successors in exactly this order.
inline std::uint64_t discovery_key(std::size_t pos_in_level, unsigned action) {
    return static_cast<std::uint64_t>(pos_in_level) << 16 | action;
}

// One worker thread's model copy, scratch buffers and findings for the current level.
// Successors are looked up in batches (VisitedSet::insert_batch), so a batch keeps the
// coded words and trees of its parents and the coded words of their successors.
// Workers lie side by side in a vector and run on different cores: each starts on a cache
// line of its own, and the list headers other threads read (offered) or this thread
// writes per new state (owned_new) have lines of their own (every push would invalidate the
// other core's copy of the line).
template <class M>
struct alignas(64) Worker {
    static constexpr unsigned kBatchParents = 16, kBatchSuccessors = 64;
    M model;
    unsigned padded, tree_size;
    std::vector<std::uint32_t> raw, raw2;        // the model's packed words (parent, successor)
    std::vector<std::uint32_t> w, tree;          // coded padded words and tree, for get()
    std::vector<std::uint32_t> pwords, ptrees;   // the batch's parents: coded words, trees
    std::vector<std::uint32_t> swords, strees;   // the batch's successors: coded words, scratch trees
    std::vector<InsertJob> jobs;
    unsigned nparents = 0, nsucc = 0;
    typename M::State cur, next;
    Violation v;
    std::uint64_t transitions = 0, lookups = 0, node_lookups = 0;
    std::uint64_t step_key = ~0ull;  // smallest key of a transition violation
    Violation step_violation;
    std::vector<std::pair<std::uint32_t, Violation>> state_violations;  // new roots breaking a state invariant
    // One-word states with several threads: the level's successors as (key, word), in key
    // order, one list per thread that owns their segments, looked up afterwards by that
    // thread (see explore_levels).
    alignas(64) std::vector<std::vector<std::pair<std::uint64_t, std::uint32_t>>> offered;
    // ...and the new words this thread inserted in that phase, in key order (it interns its
    // segments' words in key order): the level's new states are these lists merged.
    alignas(64) std::vector<std::pair<std::uint64_t, std::uint32_t>> owned_new;
    Worker(const M& m, unsigned raw_words, unsigned padded_words, unsigned tree_sz)
        : model(m), padded(padded_words), tree_size(tree_sz + 2), raw(raw_words, 0), raw2(raw_words, 0),
          w(padded, 0), tree(tree_size, 0), pwords(kBatchParents * padded, 0), ptrees(kBatchParents * tree_size, 0),
          swords((kBatchSuccessors + m.action_count()) * padded, 0),
          strees((kBatchSuccessors + m.action_count()) * tree_size, 0), jobs(kBatchSuccessors + m.action_count()),
          cur(m.initial()), next(m.initial()) {}
    std::uint32_t* pw(unsigned i) { return &pwords[i * padded]; }
    std::uint32_t* pt(unsigned i) { return &ptrees[i * tree_size]; }
    std::uint32_t* sw(unsigned i) { return &swords[i * padded]; }
    std::uint32_t* st(unsigned i) { return &strees[i * tree_size]; }
};

// Models that count what fired (KernelModel) add a worker's counts into the main model.
template <class M>
void merge_counters(M& into, M& from) {
    if constexpr (requires { into.merge_counters_from(from); }) into.merge_counters_from(from);
}
template <class M>
void reset_counters(M& m) {
    if constexpr (requires { m.reset_counters(); }) m.reset_counters();
}

// Models that know a step left the state as it was (KernelModel: a refusal answered by its
// precondition) spare the explorer packing and comparing it.
template <class M>
bool step_unchanged(const M& m) {
    if constexpr (requires { m.last_step_unchanged(); }) return m.last_step_unchanged();
    return false;
}

// Models that can step into a copy of the parent the caller keeps (KernelModel: spares the
// copy of its 1,576-byte state on every step) and recognise an announced parent.
template <class M>
concept StepsFromCopy = requires(M& m, const typename M::State& s, typename M::State& out, Violation* v) {
    { m.step_from_copy(s, 0u, out, v) } -> std::same_as<StepOutcome>;
    { m.out_written() } -> std::same_as<bool>;
    { m.begin_state(s) };
};

// A successor equal to its parent (a self-loop); a one-word state without a library call.
inline bool same_words(const std::uint32_t* a, const std::uint32_t* b, unsigned n) {
    return n == 1 ? *a == *b : std::memcmp(a, b, n * 4) == 0;
}

// A level's successor or new state with its discovery key, and a run of them in key order.
using KeyedWord = std::pair<std::uint64_t, std::uint32_t>;
using KeyedRun = std::pair<const KeyedWord*, const KeyedWord*>;

// Calls emit(e) for the entries of all runs in key order (keys are unique across runs).
// Two runs (two threads) are a plain merge; the runs are consumed.
template <class Emit>
void merge_by_key(std::vector<KeyedRun>& runs, Emit&& emit) {
    std::erase_if(runs, [](const KeyedRun& r) { return r.first == r.second; });
    while (!runs.empty()) {
        if (runs.size() == 1) {
            for (const KeyedWord* e = runs[0].first; e != runs[0].second; ++e) emit(*e);
            return;
        }
        if (runs.size() == 2) {
            const KeyedWord *a = runs[0].first, *ae = runs[0].second, *b = runs[1].first, *be = runs[1].second;
            while (a != ae && b != be) emit(a->first < b->first ? *a++ : *b++);
            runs[0].first = a;
            runs[1].first = b;
        } else {
            std::size_t best = 0;
            for (std::size_t r = 1; r < runs.size(); ++r)
                if (runs[r].first->first < runs[best].first->first) best = r;
            emit(*runs[best].first++);
        }
        std::erase_if(runs, [](const KeyedRun& r) { return r.first == r.second; });
    }
}

inline void lower_to(std::atomic<std::uint64_t>& a, std::uint64_t v) {
    std::uint64_t cur = a.load(std::memory_order_relaxed);
    while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
    }
}

}  // namespace detail

namespace detail {

// The search. States are stored coded (word_coder->hpp) with the given initial widths;
// when a word position runs out of codes, every stored state is re-encoded with that
// position wider and the current level is expanded again (its partial work dropped).
template <TransitionSystem M>
ExploreResult explore_levels(M& model, const Limits& lim, Progress* progress, std::vector<std::uint8_t> widths,
                             std::chrono::steady_clock::time_point t0) {
    using Clock = std::chrono::steady_clock;
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
    const unsigned nthreads = std::max(1u, lim.threads ? lim.threads : std::thread::hardware_concurrency());
    ExploreResult res;
    auto coder = std::make_unique<WordCoder>(std::move(widths));
    auto store = std::make_unique<VisitedSet>(coder->coded_words());
    store->set_concurrent(nthreads > 1);
    store->roots().set_keys_increasing(nthreads == 1);  // one thread offers a level's keys in order
    const std::size_t budget = static_cast<std::size_t>(lim.max_memory_mb) << 20;
    store->set_budget(budget);
    const unsigned raw_words = coder->raw_words();
    std::vector<std::uint32_t> order;   // dense state id (sequential BFS order) -> visited-set root
    // No per-state parent links (6 bytes a state): a state's BFS parent is found again when
    // a trace is asked for, from the level starts (see path_to).
    std::vector<std::size_t> level_start{0};  // level d's states are order[level_start[d] .. level_start[d+1])
    std::vector<Worker<M>> workers;
    auto make_workers = [&] {  // fresh buffers for the current store, counters at zero
        workers.clear();
        workers.reserve(nthreads);
        for (unsigned t = 0; t < nthreads; ++t) {
            workers.emplace_back(model, raw_words, store->padded_words(), store->tree_size());
            reset_counters(workers.back().model);
        }
    };
    make_workers();
    WorkerPool pool(nthreads);

    // The trace to state `id`: its recorded parent is the smallest discovery key offered for
    // it, i.e. the first (state of the previous level, action) in BFS order whose successor
    // it is, so re-stepping the previous level in order until the first hit finds exactly
    // that parent and action, level by level back to the initial state. Costs at most one
    // re-expansion of each level on the path, and only when there is a trace to print.
    auto path_to = [&](std::uint32_t id) {
        std::vector<unsigned> t;
        M probe = model;  // its counters are not the search's
        auto& W = workers[0];
        std::vector<std::uint32_t> target(raw_words);
        while (id != 0) {
            const std::size_t level =
                static_cast<std::size_t>(std::upper_bound(level_start.begin(), level_start.end(), id) - level_start.begin()) - 1;
            store->get(order[id], W.w.data(), W.tree.data());
            coder->decode(W.w.data(), target.data());
            bool found = false;
            for (std::size_t p = level_start[level - 1]; p < level_start[level] && !found; ++p) {
                store->get(order[p], W.w.data(), W.tree.data());
                coder->decode(W.w.data(), W.raw.data());
                probe.unpack(W.raw.data(), W.cur);
                for (unsigned a = 0, n = probe.action_count(); a < n; ++a) {
                    if (probe.step(W.cur, a, W.next, &W.v) != StepOutcome::OK) continue;
                    probe.pack(W.next, W.raw2.data());
                    if (std::memcmp(W.raw2.data(), target.data(), raw_words * 4) != 0) continue;
                    t.push_back(a);
                    id = static_cast<std::uint32_t>(p);
                    found = true;
                    break;
                }
            }
            if (!found) throw std::logic_error("explorer: a state without a parent in the previous level");
        }
        return std::vector<unsigned>(t.rbegin(), t.rend());
    };
    auto finish = [&](Verdict verdict) {
        res.verdict = verdict;
        if (!res.states) res.states = order.size();
        res.seconds = elapsed();
        res.coded_words = coder->coded_words();
        res.visited_bytes = store->bytes() + coder->bytes() + order.capacity() * 4 + level_start.capacity() * sizeof(std::size_t);
        for (const auto& W : workers) {
            res.lookups += W.lookups;
            res.node_lookups += W.node_lookups;
        }
        res.peak_rss = resident_bytes();
        if (progress) progress->finish();
        return res;
    };

    {
        auto& W = workers[0];
        const typename M::State s0 = model.initial();
        model.pack(s0, W.raw.data());
        if (!coder->encode(W.raw.data(), nullptr, nullptr, W.w.data())) throw std::logic_error("explorer: no code");
        std::uint64_t ignored = 0;
        order.push_back(store->insert(W.w.data(), nullptr, nullptr, W.tree.data(), 0, ignored).first);
        if (!model.check_state(s0, &res.violation.emplace())) return finish(Verdict::VIOLATION);
        res.violation.reset();
    }

    std::atomic<bool> stop{false};
    std::string stop_reason;
    std::mutex stop_mu;
    auto request_stop = [&](const char* why) {
        std::lock_guard g(stop_mu);
        if (!stop.exchange(true)) stop_reason = why;
    };
    std::atomic<std::uint64_t> cutoff{~0ull};  // an event key found this level: parents past it need not run
    std::vector<std::pair<std::uint64_t, std::uint32_t>> fresh;
    std::size_t lo = 0, hi = 1;
    double last_rss_check = 0;

    for (unsigned d = 0; lo < hi; ++d) {
        res.depth = d;
        if (lim.max_depth && d >= lim.max_depth) {
            res.unexpanded_at_bound = hi - lo;
            break;
        }
        store->roots().begin_level();
        cutoff.store(~0ull);
        // One-word states (a word set, no tree) with several threads: expand in parallel into
        // per-thread lists, then let each thread look up the words of the segments it owns, in
        // key order and without locks: no segment's cache line moves between cores, and the
        // smallest key of a repeat is the first one offered (deterministic numbering as before).
        const bool partitioned = nthreads > 1 && store->words() == 1;
        std::atomic<std::size_t> next_id{lo};
        const std::size_t chunk = std::clamp<std::size_t>((hi - lo) / (nthreads * 32), 1, 256);

        auto work = [&](unsigned t) {
            auto& W = workers[t];
            for (;;) {
                if (stop.load(std::memory_order_relaxed)) return;
                const std::size_t b = next_id.fetch_add(chunk);
                if (b >= hi) return;
                const std::size_t e = std::min(hi, b + chunk);
                if (g_interrupted.load(std::memory_order_relaxed)) return request_stop("interrupted");
                const double now = elapsed();
                if (lim.max_seconds > 0 && now > lim.max_seconds) return request_stop("--max-seconds reached");
                if (budget && store->exhausted()) return request_stop("--max-memory reached");
                if (t == 0 && budget && now - last_rss_check > 0.05) {  // reading RSS costs a system call
                    last_rss_check = now;
                    if (resident_bytes() > budget) return request_stop("--max-memory reached");
                }
                if (t == 0 && progress && progress->enabled) progress->update(store->roots().size(), hi - b, d, now);
                // Look the batch's successors up; check the state invariants of the new ones.
                auto flush = [&] {
                    W.lookups += W.nsucc;
                    if (partitioned) {  // looked up in the insert phase
                        if (W.offered.size() != nthreads) W.offered.resize(nthreads);
                        for (unsigned k = 0; k < W.nsucc; ++k) {
                            const std::uint32_t w = W.jobs[k].words[0];
                            W.offered[SharedPairTable::segment_of_word(w) % nthreads].emplace_back(W.jobs[k].key, w);
                        }
                        W.nparents = W.nsucc = 0;
                        return;
                    }
                    store->insert_batch(W.jobs.data(), W.nsucc, W.node_lookups);
                    for (unsigned k = 0; k < W.nsucc; ++k) {
                        if (!W.jobs[k].inserted) continue;
                        coder->decode(W.jobs[k].words, W.raw2.data());
                        W.model.unpack(W.raw2.data(), W.next);
                        if (!W.model.check_state(W.next, &W.v)) {
                            W.state_violations.emplace_back(W.jobs[k].root, W.v);
                            lower_to(cutoff, W.jobs[k].key);  // its smallest key is at most this one
                        }
                    }
                    W.nparents = W.nsucc = 0;
                };
                for (std::size_t id = b; id < e; ++id) {
                    const std::uint64_t pkey = discovery_key(id - lo, 0);
                    if (pkey > cutoff.load(std::memory_order_relaxed)) break;  // only later keys remain
                    const unsigned pi = W.nparents++;
                    std::uint32_t* const pw = W.pw(pi);
                    store->get(order[id], pw, W.pt(pi));
                    coder->decode(pw, W.raw.data());
                    W.model.unpack(W.raw.data(), W.cur);
                    bool next_is_cur = false;  // W.next == W.cur (StepsFromCopy)
                    if constexpr (StepsFromCopy<M>) W.model.begin_state(W.cur);
                    for (unsigned a = 0, n = W.model.action_count(); a < n; ++a) {
                        StepOutcome o;
                        if constexpr (StepsFromCopy<M>) {
                            // Reset W.next to the parent only where a step may have written it: its
                            // packed fields (the rest is the same in every state of the model).
                            if (!next_is_cur) W.model.unpack(W.raw.data(), W.next);
                            o = W.model.step_from_copy(W.cur, a, W.next, &W.v);
                            next_is_cur = !W.model.out_written();
                        } else {
                            o = W.model.step(W.cur, a, W.next, &W.v);
                        }
                        if (o == StepOutcome::DISABLED || o == StepOutcome::SKIPPED) continue;
                        ++W.transitions;
                        const std::uint64_t key = pkey | a;
                        if (o == StepOutcome::VIOLATION) {
                            if (key < W.step_key) {
                                W.step_key = key;
                                W.step_violation = W.v;
                            }
                            lower_to(cutoff, key);
                            continue;
                        }
                        if (step_unchanged(W.model)) continue;  // a self-loop the model vouches for
                        W.model.pack(W.next, W.raw2.data());
                        if (same_words(W.raw2.data(), W.raw.data(), raw_words)) continue;  // a self-loop
                        const unsigned si = W.nsucc;
                        if (!coder->encode(W.raw2.data(), W.raw.data(), pw, W.sw(si)))
                            return request_stop("out of codes");  // explore() starts again, wider
                        InsertJob& job = W.jobs[si];  // field by field: its scratch array stays as it is
                        job.words = W.sw(si);
                        job.base_words = pw;
                        job.base_tree = W.pt(pi);
                        job.tree = W.st(si);
                        job.key = key;
                        ++W.nsucc;
                    }
                    if (W.nsucc >= W.kBatchSuccessors || W.nparents == W.kBatchParents) flush();
                }
                flush();
            }
        };
        // The insert phase of `partitioned`: thread t merges the lists every thread made for
        // it (each in key order: a thread takes its chunks in increasing order) and interns
        // those words, of the segments s with s % nthreads == t.
        auto insert_owned = [&](unsigned t) {
            auto& W = workers[t];
            std::vector<KeyedRun> runs;
            for (const auto& U : workers)
                if (U.offered.size() > t) runs.emplace_back(U.offered[t].data(), U.offered[t].data() + U.offered[t].size());
            constexpr unsigned kAhead = 16;
            std::pair<std::uint64_t, std::uint32_t> ring[kAhead];
            unsigned nring = 0, head = 0;
            auto intern = [&](const std::pair<std::uint64_t, std::uint32_t>& e) {
                bool inserted;
                const std::uint32_t w = store->roots().intern_word_owned(e.second, inserted);
                if (!inserted) return;
                W.owned_new.push_back(e);
                const std::uint32_t padded[2] = {w, 0};
                coder->decode(padded, W.raw2.data());
                W.model.unpack(W.raw2.data(), W.next);
                if (!W.model.check_state(W.next, &W.v)) W.state_violations.emplace_back(w, W.v);
            };
            merge_by_key(runs, [&](const KeyedWord& e) {
                store->roots().prefetch_word(e.second);  // looked up kAhead words later
                if (nring == kAhead) {
                    intern(ring[head]);
                    ring[head] = e;
                    head = (head + 1) % kAhead;
                } else {
                    ring[nring++] = e;
                }
            });
            for (unsigned i = 0; i < nring; ++i) intern(ring[(head + i) % kAhead]);
        };
        // No event this level (no violation, --max-states not reached): `order` is grown by
        // the level's new states, which number_owned() fills in.
        auto numbering_in_parallel = [&] {
            std::size_t total = 0;
            for (const auto& W : workers) {
                if (W.step_key != ~0ull || !W.state_violations.empty()) return false;
                total += W.owned_new.size();
            }
            if (lim.max_states && order.size() + total >= lim.max_states) return false;
            // Power-of-two capacities, as push_back() would leave them.
            order.reserve(std::bit_ceil(order.size() + total));
            order.resize(order.size() + total);
            return true;
        };
        // Thread j's share: the keys from the j-th to the (j+1)-th n-quantile of the longest
        // owner list (the owners' lists are about equally long and their keys spread alike).
        // Its first output position is the number of new states with a smaller key.
        auto number_owned = [&](unsigned j) {
            const std::vector<KeyedWord>* longest = &workers[0].owned_new;
            for (const auto& W : workers)
                if (W.owned_new.size() > longest->size()) longest = &W.owned_new;
            if (longest->empty()) return;
            auto splitter = [&](unsigned i) {
                return i == 0 ? 0 : i == nthreads ? ~0ull : (*longest)[i * longest->size() / nthreads].first;
            };
            const std::uint64_t from = splitter(j), to = splitter(j + 1);
            auto by_key = [](const KeyedWord& e, std::uint64_t k) { return e.first < k; };
            std::vector<KeyedRun> runs;
            std::size_t out = hi;
            for (const auto& W : workers) {
                const KeyedWord *l = W.owned_new.data(), *b = std::lower_bound(l, l + W.owned_new.size(), from, by_key);
                runs.emplace_back(b, std::lower_bound(b, l + W.owned_new.size(), to, by_key));
                out += static_cast<std::size_t>(b - l);
            }
            merge_by_key(runs, [&](const KeyedWord& e) { order[out++] = e.second; });
        };
        pool.run(work);
        if (partitioned && !stop) {
            store->set_concurrent(false);  // each segment has one owner in this phase
            pool.run(insert_owned);
            store->set_concurrent(true);
        }
        if (partitioned)
            for (auto& W : workers)
                for (auto& l : W.offered) l.clear();
        if (stop && coder->overflowed()) {
            // Re-encode the states of the previous levels with wider codes (in BFS order, so
            // their numbering stays) and expand this level again.
            auto wider = std::make_unique<WordCoder>(coder->widened());
            auto bigger = std::make_unique<VisitedSet>(wider->coded_words());
            bigger->set_concurrent(nthreads > 1);
            bigger->roots().set_keys_increasing(nthreads == 1);
            bigger->set_budget(budget);
            std::vector<std::uint32_t> raw(raw_words), cw(store->padded_words(), 0), ct(store->tree_size() + 2),
                nw(bigger->padded_words(), 0), nt(bigger->tree_size() + 2);
            std::uint64_t ignored = 0;
            for (std::size_t id = 0; id < hi; ++id) {
                store->get(order[id], cw.data(), ct.data());
                coder->decode(cw.data(), raw.data());
                if (!wider->encode(raw.data(), nullptr, nullptr, nw.data())) throw std::logic_error("explorer: recode");
                order[id] = bigger->insert(nw.data(), nullptr, nullptr, nt.data(), 0, ignored).first;
            }
            for (const auto& W : workers) {
                res.lookups += W.lookups;
                res.node_lookups += W.node_lookups;
            }
            store = std::move(bigger);
            coder = std::move(wider);
            make_workers();
            ++res.recodes;
            stop = false;
            stop_reason.clear();
            --d;
            continue;
        }
        if (budget && !stop && resident_bytes() > budget) request_stop("--max-memory reached");
        if (stop) {  // a time or memory limit, or Ctrl-C: where it stops depends on the machine anyway
            res.incomplete_reason = stop_reason;
            res.states = store->roots().size();
            res.coded_words = coder->coded_words();
            for (auto& W : workers) {
                res.transitions += W.transitions;
                merge_counters(model, W.model);
            }
            return finish(Verdict::INCOMPLETE);
        }

        // Number the level's new states in discovery-key order. Without an event in this
        // level (the common case) every thread writes its share of `order` at once, merging
        // the owners' lists over a range of keys; otherwise on this thread, up to the event.
        if (partitioned && numbering_in_parallel()) {
            pool.run(number_owned);
            for (auto& W : workers) W.owned_new.clear();
            level_start.push_back(hi);
            for (auto& W : workers) {
                res.transitions += W.transitions;
                W.transitions = 0;
                merge_counters(model, W.model);
            }
            lo = hi;
            hi = order.size();
            continue;
        }
        fresh.clear();
        if (partitioned) {  // each thread's list is in key order: merge them (one pass for two)
            std::vector<std::size_t> runs{0};
            for (auto& W : workers) {
                fresh.insert(fresh.end(), W.owned_new.begin(), W.owned_new.end());
                runs.push_back(fresh.size());
                W.owned_new.clear();
            }
            for (std::size_t width = 1; width < nthreads; width *= 2)
                for (std::size_t r = 0; r + width < nthreads; r += 2 * width)
                    std::inplace_merge(fresh.begin() + runs[r], fresh.begin() + runs[r + width],
                                       fresh.begin() + runs[std::min<std::size_t>(r + 2 * width, nthreads)]);
        } else {
            store->roots().new_entries(fresh);
        }
        std::uint64_t ev = ~0ull;
        auto kind = EventKind::NONE;
        Violation ev_violation;
        for (auto& W : workers) {
            if (W.step_key < ev) {
                ev = W.step_key;
                kind = EventKind::STEP_VIOLATION;
                ev_violation = W.step_violation;
            }
            for (const auto& rv : W.state_violations) {
                const auto& root = rv.first;  // not a structured binding: clang 14 cannot capture those
                const auto& v = rv.second;
                const auto it = std::find_if(fresh.begin(), fresh.end(), [&](const auto& f) { return f.second == root; });
                if (it->first < ev) {
                    ev = it->first;
                    kind = EventKind::STATE_VIOLATION;
                    ev_violation = v;
                }
            }
            W.step_key = ~0ull;
            W.state_violations.clear();
        }
        if (lim.max_states) {  // a sequential search stops once the store holds max_states states
            const std::size_t have = order.size();
            const std::size_t k = lim.max_states > have ? lim.max_states - have : 1;
            if (k <= fresh.size() && fresh[k - 1].first < ev) {  // on a tie the state violation comes first
                ev = fresh[k - 1].first;
                kind = EventKind::MAX_STATES;
            }
        }
        for (const auto& [key, root] : fresh) {
            if (key > ev || (key == ev && kind == EventKind::STEP_VIOLATION)) break;
            order.push_back(root);
        }
        level_start.push_back(hi);  // the next level starts where this one ends
        if (kind == EventKind::NONE) {
            for (auto& W : workers) {
                res.transitions += W.transitions;
                W.transitions = 0;
                merge_counters(model, W.model);
            }
            lo = hi;
            hi = order.size();
            continue;
        }

        // Count what a sequential search would have done up to the event: re-step the
        // level's prefix on this thread with the main model (transitions and counters).
        const std::size_t pe = lo + (ev >> 16);
        const unsigned ae = static_cast<unsigned>(ev & 0xffff);
        auto& W = workers[0];
        for (std::size_t id = lo; id <= pe; ++id) {
            store->get(order[id], W.w.data(), W.tree.data());
            coder->decode(W.w.data(), W.raw.data());
            model.unpack(W.raw.data(), W.cur);
            for (unsigned a = 0, n = model.action_count(); a < n && (id < pe || a <= ae); ++a) {
                const StepOutcome o = model.step(W.cur, a, W.next, &W.v);
                if (o != StepOutcome::DISABLED && o != StepOutcome::SKIPPED) ++res.transitions;
            }
        }
        if (kind == EventKind::MAX_STATES) {
            res.incomplete_reason = "--max-states reached";
            return finish(Verdict::INCOMPLETE);
        }
        res.violation = ev_violation;
        if (kind == EventKind::STEP_VIOLATION) {
            res.trace = path_to(static_cast<std::uint32_t>(pe));
            res.trace.push_back(ae);
        } else {
            res.trace = path_to(static_cast<std::uint32_t>(order.size() - 1));
        }
        res.depth = static_cast<unsigned>(res.trace.size());
        return finish(Verdict::VIOLATION);
    }
    return finish(Verdict::PASS);
}

}  // namespace detail

template <TransitionSystem M>
ExploreResult explore(M& model, const Limits& lim, Progress* progress = nullptr) {
    const auto t0 = std::chrono::steady_clock::now();
    if (model.action_count() > 0xffff) throw std::length_error("explorer: more than 65535 actions");
    // Narrow codes only pay when there is a tree to shorten (more than 2 words).
    const unsigned words = model.packed_words();
    return detail::explore_levels(model, lim, progress, std::vector<std::uint8_t>(words, words > 2 ? WordCoder::kStartWidth : 32), t0);
}

}  // namespace hp
