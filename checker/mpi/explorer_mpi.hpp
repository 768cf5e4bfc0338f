// The distributed search (hpcheck-mpi, docs/cluster.md): the same breadth-first search as
// explorer.hpp, with the states hash-partitioned across MPI ranks, and the same results:
// verdict, state and transition counts, operation counters and the shortest trace do not
// depend on the number of ranks (nor on --threads in a single process).
//
// How:
// - A state belongs to the rank `owner_of(its packed words) % size`; only its owner stores
//   it (in a rank-local visited set and word coder, explorer.hpp's own).
// - Level-synchronous. Each rank expands the states of the current level it owns, in
//   rounds of at most kRoundParents parents; a round's successors go to their owners in
//   one MPI_Alltoallv as (discovery key, packed words). The discovery key is the one of
//   explorer.hpp: (the parent's position in its level, action index); the owner keeps the
//   smallest key offered for a state new in this level.
// - After the level, every rank learns every new state's key (MPI_Allgatherv of the
//   sorted keys, 8 bytes per new state): a new state's global number is the level's start
//   plus its key's rank among all keys, exactly the sequential BFS numbering, so the next
//   level's keys, and the positions the parents have, are the sequential ones.
// - The first event of a level (a transition violation, a state violation, --max-states)
//   is the smallest key over all ranks (MPI_Allreduce MIN); counts up to it are recounted
//   as explorer_impl.hpp does (each rank re-steps its parents up to the event's parent).
// - No parent links are stored: the trace is rebuilt level by level from the violation
//   back to the initial state, each rank re-stepping its part of the previous level
//   until the first (parent, action) that reaches the state; the smallest over the
//   ranks is the sequential search's parent (Allreduce MIN).
// - Time, memory (per rank: the rank's resident set) and a SIGINT flag are checked after every
//   round and combined with MPI_Allreduce, so every rank ends in the same "incomplete"
//   verdict with the same reason.
// Every rank returns the same ExploreResult (sums over ranks for transitions, counters,
// lookups and bytes; peak_rss is the sum of the ranks' resident sets).
//
// Waiting for a collective polls it (MPI_Test) and sleeps between polls, so a rank that
// waits does not spin a core that a neighbouring rank (or another job) could use.
#pragma once
#include <mpi.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "checker/explorer.hpp"
#include "checker/hash.hpp"

namespace hp::mpi {

// Block until `r` completes without busy-waiting for long.
inline void wait(MPI_Request& r) {
    int done = 0;
    for (unsigned spins = 0;; ++spins) {
        MPI_Test(&r, &done, MPI_STATUS_IGNORE);
        if (done) return;
        if (spins < 32) {
            sched_yield();
        } else {
            timespec ts{0, 20000};
            nanosleep(&ts, nullptr);
        }
    }
}

inline void allreduce(std::uint64_t* v, int n, MPI_Op op, MPI_Comm comm) {
    MPI_Request r;
    MPI_Iallreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, op, comm, &r);
    wait(r);
}
inline std::uint64_t allreduce1(std::uint64_t v, MPI_Op op, MPI_Comm comm) {
    allreduce(&v, 1, op, comm);
    return v;
}

// Which rank owns a state: a hash of its packed words (the same on every rank).
inline unsigned owner_of(const std::uint32_t* raw, unsigned words, unsigned size) {
    std::uint64_t h = 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < words; ++i) h = mix64(h ^ raw[i]);
    return static_cast<unsigned>(h % size);
}

// A Violation from rank `root` to every rank.
inline void bcast_violation(Violation& v, int root, MPI_Comm comm) {
    std::string* parts[] = {&v.invariant, &v.conjunct, &v.detail};
    for (std::string* s : parts) {
        std::uint64_t n = s->size();
        MPI_Request r;
        MPI_Ibcast(&n, 1, MPI_UINT64_T, root, comm, &r);
        wait(r);
        s->resize(n);
        MPI_Ibcast(s->data(), static_cast<int>(n), MPI_CHAR, root, comm, &r);
        wait(r);
    }
}

namespace flat {
template <class M>
std::vector<std::uint64_t> counters_of(const M& m) {
    if constexpr (requires { m.counter_values(); }) return m.counter_values();
    else return {};
}
template <class M>
void set_counters(M& m, const std::vector<std::uint64_t>& v) {
    if constexpr (requires { m.set_counter_values(v); }) m.set_counter_values(v);
}
}  // namespace flat

template <TransitionSystem M>
ExploreResult explore_mpi(M& model, const Limits& lim, MPI_Comm comm) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
    int rank_i = 0, size_i = 1;
    MPI_Comm_rank(comm, &rank_i);
    MPI_Comm_size(comm, &size_i);
    const unsigned rank = static_cast<unsigned>(rank_i), size = static_cast<unsigned>(size_i);
    if (model.action_count() > 0xffff) throw std::length_error("explorer: more than 65535 actions");

    constexpr unsigned kRoundParents = 1024;            // parents expanded per exchange
    constexpr std::size_t kRoundWords = std::size_t{1} << 21;  // or this many words to send
    const unsigned W = model.packed_words(), rec = W + 2;  // a record: key (2 words), packed state
    const std::size_t budget = static_cast<std::size_t>(lim.max_memory_mb) << 20;

    auto coder = std::make_unique<WordCoder>(std::vector<std::uint8_t>(W, W > 2 ? WordCoder::kStartWidth : 32));
    auto store = std::make_unique<VisitedSet>(coder->coded_words());
    store->set_budget(budget);
    std::vector<std::uint32_t> cw(store->padded_words(), 0), tree(store->tree_size() + 2);
    std::vector<std::uint32_t> raw(W), raw2(W);
    // The states this rank owns, in increasing global id (BFS order).
    std::vector<std::uint64_t> ids;
    std::vector<std::uint32_t> roots;
    // Level d: global ids glevel[d] .. glevel[d+1], here ids[llevel[d] .. llevel[d+1]]. No
    // parent links: the trace finds each parent again (as explorer_impl.hpp's path_to).
    std::vector<std::uint64_t> glevel{0};
    std::vector<std::size_t> llevel{0};
    std::uint64_t lookups = 0, node_lookups = 0, transitions = 0;
    unsigned recodes = 0;
    M work = model;  // expands a level; its counters join the model's when the level completes
    hp::detail::reset_counters(work);
    typename M::State cur = model.initial(), nxt = cur;
    Violation v;
    ExploreResult res;
    std::vector<std::pair<std::uint32_t, Violation>> state_violations;  // (root, violation) new this level

    // Re-encode every stored state with wider codes (a word position ran out of codes):
    // the earlier levels first, then this level's new states with their keys.
    auto recode = [&] {
        auto wider = std::make_unique<WordCoder>(coder->widened());
        auto bigger = std::make_unique<VisitedSet>(wider->coded_words());
        bigger->set_budget(budget);
        std::vector<std::uint32_t> nw(bigger->padded_words(), 0), nt(bigger->tree_size() + 2);
        std::uint64_t ignored = 0;
        auto move = [&](std::uint32_t root, std::uint64_t key) {
            store->get(root, cw.data(), tree.data());
            coder->decode(cw.data(), raw2.data());
            if (!wider->encode(raw2.data(), nullptr, nullptr, nw.data())) throw std::logic_error("explorer: recode");
            return bigger->insert(nw.data(), nullptr, nullptr, nt.data(), key, ignored).first;
        };
        for (auto& r : roots) r = move(r, 0);
        std::vector<std::pair<std::uint64_t, std::uint32_t>> cur_level;
        store->roots().new_entries(cur_level);
        bigger->roots().begin_level();
        for (const auto& kr : cur_level) {
            const std::uint32_t nr = move(kr.second, kr.first);
            for (auto& sv : state_violations)
                if (sv.first == kr.second) sv.first = nr;
        }
        store = std::move(bigger);
        coder = std::move(wider);
        cw.assign(store->padded_words(), 0);
        tree.assign(store->tree_size() + 2, 0);
        ++recodes;
    };
    // Insert a packed state this rank owns; true if it is new.
    auto insert = [&](const std::uint32_t* r, std::uint64_t key, std::uint32_t& root) {
        while (!coder->encode(r, nullptr, nullptr, cw.data())) recode();
        const auto ri = store->insert(cw.data(), nullptr, nullptr, tree.data(), key, node_lookups);
        ++lookups;
        root = ri.first;
        return ri.second;
    };

    auto finish = [&](Verdict verdict) {
        res.verdict = verdict;
        res.seconds = elapsed();
        std::uint64_t sums[5] = {transitions, lookups, node_lookups,
                                 store->bytes() + coder->bytes() + ids.capacity() * 8 + roots.capacity() * 4,
                                 resident_bytes()};
        allreduce(sums, 5, MPI_SUM, comm);
        res.transitions = sums[0];
        res.lookups = sums[1];
        res.node_lookups = sums[2];
        res.visited_bytes = sums[3];
        res.peak_rss = sums[4];
        res.recodes = static_cast<unsigned>(allreduce1(recodes, MPI_MAX, comm));
        res.coded_words = coder->coded_words();
        std::vector<std::uint64_t> c = flat::counters_of(model);
        if (!c.empty()) {
            allreduce(c.data(), static_cast<int>(c.size()), MPI_SUM, comm);
            flat::set_counters(model, c);
        }
        return res;
    };

    // The initial state: id 0, stored by its owner, checked everywhere (it is the same).
    {
        const typename M::State s0 = model.initial();
        model.pack(s0, raw.data());
        if (owner_of(raw.data(), W, size) == rank) {
            std::uint32_t root = 0;
            insert(raw.data(), 0, root);
            ids.push_back(0);
            roots.push_back(root);
        }
        res.states = 1;
        if (!model.check_state(s0, &res.violation.emplace())) return finish(Verdict::VIOLATION);
        res.violation.reset();
    }

    std::uint64_t lo = 0, hi = 1;         // global ids of the current level
    std::size_t flo = 0, fhi = ids.size();  // this rank's part of it (indices into ids)
    std::vector<std::vector<std::uint32_t>> out(size);
    std::vector<std::uint32_t> sendbuf, recvbuf;
    std::vector<int> scount(size), sdispl(size), rcount(size), rdispl(size);
    std::vector<std::pair<std::uint64_t, std::uint32_t>> fresh;
    std::vector<std::uint64_t> all_keys;

    for (unsigned d = 0; lo < hi; ++d) {
        res.depth = d;
        if (lim.max_depth && d >= lim.max_depth) {
            res.unexpanded_at_bound = hi - lo;
            break;
        }
        store->roots().begin_level();
        state_violations.clear();
        std::uint64_t cutoff = ~0ull, step_key = ~0ull, level_transitions = 0;
        Violation step_violation;
        std::size_t next = flo;
        std::uint64_t stop = 0;  // 1 --max-seconds, 2 --max-memory, 3 interrupted: the largest wins

        for (;;) {  // rounds: expand, exchange, insert, agree
            for (auto& o : out) o.clear();
            std::size_t words_out = 0;
            for (unsigned n = 0; next < fhi && n < kRoundParents && words_out < kRoundWords; ++n, ++next) {
                const std::uint64_t pkey = (ids[next] - lo) << 16;
                if (pkey > cutoff) {  // only later keys remain here
                    next = fhi;
                    break;
                }
                store->get(roots[next], cw.data(), tree.data());
                coder->decode(cw.data(), raw.data());
                work.unpack(raw.data(), cur);
                for (unsigned a = 0, na = work.action_count(); a < na; ++a) {
                    const StepOutcome o = work.step(cur, a, nxt, &v);
                    if (o == StepOutcome::DISABLED || o == StepOutcome::SKIPPED) continue;
                    ++level_transitions;
                    const std::uint64_t key = pkey | a;
                    if (o == StepOutcome::VIOLATION) {
                        if (key < step_key) {
                            step_key = key;
                            step_violation = v;
                        }
                        cutoff = std::min(cutoff, key);
                        continue;
                    }
                    work.pack(nxt, raw2.data());
                    if (std::memcmp(raw2.data(), raw.data(), W * 4) == 0) continue;  // a self-loop
                    auto& o2 = out[owner_of(raw2.data(), W, size)];
                    o2.push_back(static_cast<std::uint32_t>(key >> 32));
                    o2.push_back(static_cast<std::uint32_t>(key));
                    o2.insert(o2.end(), raw2.begin(), raw2.end());
                    words_out += rec;
                }
            }
            // Exchange the round's successors.
            sendbuf.clear();
            for (unsigned r = 0; r < size; ++r) {
                scount[r] = static_cast<int>(out[r].size());
                sdispl[r] = static_cast<int>(sendbuf.size());
                sendbuf.insert(sendbuf.end(), out[r].begin(), out[r].end());
            }
            MPI_Request req;
            MPI_Ialltoall(scount.data(), 1, MPI_INT, rcount.data(), 1, MPI_INT, comm, &req);
            wait(req);
            int total = 0;
            for (unsigned r = 0; r < size; ++r) {
                rdispl[r] = total;
                total += rcount[r];
            }
            recvbuf.resize(static_cast<std::size_t>(total));
            MPI_Ialltoallv(sendbuf.data(), scount.data(), sdispl.data(), MPI_UINT32_T, recvbuf.data(), rcount.data(),
                           rdispl.data(), MPI_UINT32_T, comm, &req);
            wait(req);
            // Look them up here, their owner; check the new ones.
            for (std::size_t k = 0; k + rec <= recvbuf.size(); k += rec) {
                const std::uint32_t* r = &recvbuf[k];
                const std::uint64_t key = static_cast<std::uint64_t>(r[0]) << 32 | r[1];
                std::uint32_t root = 0;
                if (!insert(r + 2, key, root)) continue;
                work.unpack(r + 2, nxt);
                if (!work.check_state(nxt, &v)) {
                    state_violations.emplace_back(root, v);
                    cutoff = std::min(cutoff, key);  // its smallest key is at most this one
                }
            }
            // Limits, checked by every rank, agreed by all.
            std::uint64_t why = 0;
            if (lim.max_seconds > 0 && elapsed() > lim.max_seconds) why = 1;
            if (budget && (store->exhausted() || resident_bytes() > budget)) why = 2;
            if (g_interrupted.load(std::memory_order_relaxed)) why = 3;
            std::uint64_t agree[3] = {std::min(cutoff, step_key), next < fhi ? 0u : 1u, ~why};
            allreduce(agree, 3, MPI_MIN, comm);
            cutoff = agree[0];
            stop = ~agree[2];
            if (stop || agree[1] == 1) break;
        }

        if (stop) {  // where a time or memory limit stops depends on the machine anyway
            static const char* const reasons[] = {"", "--max-seconds reached", "--max-memory reached", "interrupted"};
            res.incomplete_reason = reasons[stop];
            res.states = allreduce1(store->roots().size(), MPI_SUM, comm);
            transitions += level_transitions;
            hp::detail::merge_counters(model, work);
            return finish(Verdict::INCOMPLETE);
        }

        // Number the level's new states: every rank learns every new key.
        fresh.clear();
        store->roots().new_entries(fresh);
        int nloc = static_cast<int>(fresh.size());
        MPI_Request req;
        MPI_Iallgather(&nloc, 1, MPI_INT, rcount.data(), 1, MPI_INT, comm, &req);
        wait(req);
        int total = 0;
        for (unsigned r = 0; r < size; ++r) {
            rdispl[r] = total;
            total += rcount[r];
        }
        std::vector<std::uint64_t> mine(fresh.size());
        for (std::size_t i = 0; i < fresh.size(); ++i) mine[i] = fresh[i].first;
        all_keys.resize(static_cast<std::size_t>(total));
        MPI_Iallgatherv(mine.data(), nloc, MPI_UINT64_T, all_keys.data(), rcount.data(), rdispl.data(), MPI_UINT64_T,
                        comm, &req);
        wait(req);
        std::sort(all_keys.begin(), all_keys.end());

        // The level's first event, as explorer_impl.hpp picks it.
        std::uint64_t state_key = ~0ull;
        for (const auto& sv : state_violations) state_key = std::min(state_key, store->roots().key_of(sv.first));
        std::uint64_t ev_keys[2] = {step_key, state_key};
        allreduce(ev_keys, 2, MPI_MIN, comm);
        std::uint64_t ev = ~0ull;
        auto kind = hp::detail::EventKind::NONE;
        if (ev_keys[0] < ev) {
            ev = ev_keys[0];
            kind = hp::detail::EventKind::STEP_VIOLATION;
        }
        if (ev_keys[1] < ev) {
            ev = ev_keys[1];
            kind = hp::detail::EventKind::STATE_VIOLATION;
        }
        if (lim.max_states) {
            const std::uint64_t k = lim.max_states > hi ? lim.max_states - hi : 1;
            if (k <= all_keys.size() && all_keys[k - 1] < ev) {
                ev = all_keys[k - 1];
                kind = hp::detail::EventKind::MAX_STATES;
            }
        }
        auto admitted = [&](std::uint64_t key) {
            return key < ev || (key == ev && kind != hp::detail::EventKind::STEP_VIOLATION);
        };
        const std::uint64_t nadmit = static_cast<std::uint64_t>(
            std::partition_point(all_keys.begin(), all_keys.end(), admitted) - all_keys.begin());
        for (const auto& kr : fresh) {
            if (!admitted(kr.first)) break;
            ids.push_back(hi + static_cast<std::uint64_t>(
                                   std::lower_bound(all_keys.begin(), all_keys.end(), kr.first) - all_keys.begin()));
            roots.push_back(kr.second);
        }
        glevel.push_back(hi);
        llevel.push_back(fhi);
        if (kind == hp::detail::EventKind::NONE) {
            transitions += level_transitions;
            hp::detail::merge_counters(model, work);
            lo = hi;
            hi += nadmit;
            flo = fhi;
            fhi = ids.size();
            continue;
        }

        // Count what a sequential search would have done up to the event (explorer_impl.hpp).
        hp::detail::reset_counters(work);
        const std::uint64_t pe = lo + (ev >> 16);
        const unsigned ae = static_cast<unsigned>(ev & 0xffff);
        for (std::size_t i = flo; i < fhi && ids[i] <= pe; ++i) {
            store->get(roots[i], cw.data(), tree.data());
            coder->decode(cw.data(), raw.data());
            model.unpack(raw.data(), cur);
            for (unsigned a = 0, na = model.action_count(); a < na && (ids[i] < pe || a <= ae); ++a) {
                const StepOutcome o = model.step(cur, a, nxt, &v);
                if (o != StepOutcome::DISABLED && o != StepOutcome::SKIPPED) ++transitions;
            }
        }
        res.states = hi + nadmit;
        if (kind == hp::detail::EventKind::MAX_STATES) {
            res.incomplete_reason = "--max-states reached";
            return finish(Verdict::INCOMPLETE);
        }
        // The violation, from the rank that found it.
        Violation found;
        bool have = false;
        if (kind == hp::detail::EventKind::STEP_VIOLATION && step_key == ev) {
            found = step_violation;
            have = true;
        }
        if (kind == hp::detail::EventKind::STATE_VIOLATION)
            for (const auto& sv : state_violations)
                if (store->roots().key_of(sv.first) == ev) {
                    found = sv.second;
                    have = true;
                }
        const int from = static_cast<int>(allreduce1(have ? rank : size, MPI_MIN, comm));
        bcast_violation(found, from, comm);
        res.violation = found;
        // The trace: from the event's parent back to the initial state. A state's BFS parent
        // is the first (state of the previous level, action) in BFS order that reaches it:
        // every rank re-steps its part of that level until its first hit, the smallest wins.
        std::vector<unsigned> back{ae};
        std::vector<std::uint32_t> target(W);
        M probe = model;  // its counters are not the search's
        for (std::uint64_t id = pe; id != 0;) {
            const auto it = std::lower_bound(ids.begin(), ids.end(), id);
            const bool mine = it != ids.end() && *it == id;
            if (mine) {
                store->get(roots[static_cast<std::size_t>(it - ids.begin())], cw.data(), tree.data());
                coder->decode(cw.data(), target.data());
            }
            const int owner = static_cast<int>(allreduce1(mine ? rank : size, MPI_MIN, comm));
            MPI_Request req2;
            MPI_Ibcast(target.data(), static_cast<int>(W), MPI_UINT32_T, owner, comm, &req2);
            wait(req2);
            const std::size_t level = static_cast<std::size_t>(
                std::upper_bound(glevel.begin(), glevel.end(), id) - glevel.begin()) - 1;
            std::uint64_t best = ~0ull;
            for (std::size_t i = llevel[level - 1]; i < llevel[level] && best == ~0ull; ++i) {
                store->get(roots[i], cw.data(), tree.data());
                coder->decode(cw.data(), raw.data());
                probe.unpack(raw.data(), cur);
                for (unsigned a = 0, na = probe.action_count(); a < na; ++a) {
                    if (probe.step(cur, a, nxt, &v) != StepOutcome::OK) continue;
                    probe.pack(nxt, raw2.data());
                    if (std::memcmp(raw2.data(), target.data(), W * 4) != 0) continue;
                    best = ids[i] << 16 | a;
                    break;
                }
            }
            best = allreduce1(best, MPI_MIN, comm);
            if (best == ~0ull) throw std::logic_error("explorer: a state without a parent in the previous level");
            back.push_back(static_cast<unsigned>(best & 0xffff));
            id = best >> 16;
        }
        res.trace.assign(back.rbegin(), back.rend());
        res.depth = static_cast<unsigned>(res.trace.size());
        return finish(Verdict::VIOLATION);
    }
    res.states = hi;
    return finish(Verdict::PASS);
}

}  // namespace hp::mpi
