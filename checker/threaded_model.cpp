#include "checker/threaded_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <exception>

#include "spec/memmap.hpp"

namespace hp {

namespace {

// Reader locals (ThreadedAux::local).
enum : std::uint8_t {
    L_MHP_READ = 1,       // holds get_online_mems()
    L_RCU = 2,            // inside an RCU(-sched) read-side section
    L_USAGE = 4,          // holds a ms->usage pointer (loaded by the check)
    L_USAGE_FREED = 8,    // ... that has been freed since
    L_PT = 16,            // holds a pointer to an intermediate page table (vmalloc walk)
    L_PT_FREED = 32,      // ... whose page has been freed since
};
// Locks of the in-flight hotplug op (ThreadedAux::hp_locks).
enum : std::uint8_t { H_MEM_HOTPLUG = 1 };

// Reader step ids (Prog::steps).
enum : std::uint8_t {
    W_LOCK,           // get_online_mems() / rcu_read_lock()
    W_CHECK_SECTION,  // valid_section() / online_section(), load ms->usage
    W_CHECK_USAGE,    // pfn_section_valid(): test_bit(..., ms->usage->subsection_map)
    W_READ_PAGE,      // the walker reads the struct page (page_zone(), PageHWPoison, ...)
    W_UNLOCK,         // put_online_mems() / rcu_read_unlock()
    V_WALK,           // vmalloc: pmd_alloc(): lockless pud walk, table allocated under ptl if absent
    V_INSTALL,        // vmalloc: pte_alloc_kernel(): install a pte table into the pmd table under ptl
    S_READ,           // span reader: zone_spans_pfn(): zone_start_pfn and spanned_pages, no seqlock
    P_WALK_PUD,       // ptdump: walk_page_range_novma() reads the pud entry, loads the pmd table pointer
    P_WALK_PMD,       // ptdump: note_page() on every entry of that pmd table page
};

// Footprints for the persistent-set reduction: what a step reads or writes.
enum : unsigned {
    F_KR = 1, F_KW = 2, F_PT0 = 4, F_PT1 = 128, F_USAGE = 8, F_RCU = 16, F_MHP_R = 32, F_MHP_W = 64,
    // A hotplug step may write any kernel state and take mem_hotplug_lock; add, remove
    // and eject (and add's error path) also free ms->usage / the memmap and change the
    // vmemmap's page table (slot 0) — never vmalloc's own table (slot 1).
    F_HOTPLUG_STATE = F_KR | F_KW | F_MHP_W,
    F_HOTPLUG_SECTIONS = F_PT0 | F_USAGE,
};
bool conflict(unsigned a, unsigned b) {
    if ((a & F_KW) && (b & (F_KR | F_KW))) return true;
    if ((b & F_KW) && (a & F_KR)) return true;
    if ((a & b & F_PT0) || (a & b & F_PT1)) return true;
    if ((a & F_USAGE) && (b & (F_USAGE | F_RCU))) return true;
    if ((b & F_USAGE) && (a & F_RCU)) return true;
    if ((a & F_MHP_W) && (b & (F_MHP_R | F_MHP_W))) return true;
    if ((b & F_MHP_W) && (a & F_MHP_R)) return true;
    return false;
}

struct Parked {};  // thrown by the yield hook to stop a re-run at its interleaving point

}  // namespace

// The yield hook's context: re-run an op, apply the events it passes live, park.
struct ReplayCtx {
    const ThreadedModel* model;
    ThreadedAux* x;          // where live events go
    int apply_from;          // events with index >= apply_from are applied (live part)
    int park_at;             // park before the event with this index (-1: run to the end)
    int seen = 0;
    bool parked = false;
    YieldKind park_kind = YieldKind::COUNT;
    CallLog* log = nullptr;
    std::size_t live_log_from = 0;  // log entries before this are the re-run

    static void hook(void* ctx, YieldKind kind, unsigned arg) {
        auto& c = *static_cast<ReplayCtx*>(ctx);
        // Destructors' yields while unwinding from the park (or from any other exception).
        if (c.parked || std::uncaught_exceptions() > 0) return;
        const int i = c.seen++;
        if (i == c.park_at) {
            c.parked = true;
            c.park_kind = kind;
            throw Parked{};
        }
        if (i >= c.apply_from) {
            if (c.log && i == c.apply_from && c.apply_from > 0) c.live_log_from = c.log->entries.size();
            c.model->apply_event(*c.x, kind, arg);
            if (c.log) c.log->entries.push_back({c.log->depth, fmt::format("-- {} --", yield_kind_name(kind))});
        }
    }
};

ThreadedModel::ThreadedModel(const Scenario& sc, const Variant& v, std::vector<const Invariant*> invs, Options opt)
    : m_(sc.machine), v_(v), threads_(sc.threads.threads), opt_(opt) {
    for (const Invariant* i : invs) (i->holds_in ? state_invs_ : step_invs_).push_back(i);
    kwords_ = hp::packed_words(m_);
    xwords_ = (sizeof(ThreadedAux) + 3) / 4;
    std::memset(&initial_, 0, sizeof initial_);
    initial_.k = initial_state(m_);
    initial_.x.hp_owner = NO_THREAD;
    initial_.x.last = NO_THREAD;
    // The setup runs sequentially; its interleaving events (e.g. the page-table entries
    // vmemmap_populate() adds) are applied as they pass.
    for (const Action& a : sc.threads.setup) {
        if (!action_enabled(m_, initial_.k, a)) continue;
        ReplayCtx c{this, &initial_.x, 0, -1};
        apply_action(m_, v_.ops, initial_.k, a, nullptr, &ReplayCtx::hook, &c);
    }
    initial_.x.hp_locks = 0;
    for (const ThreadSpec& t : threads_) {
        Prog p;
        switch (t.kind) {
            case ThreadKind::HOTPLUG: break;
            case ThreadKind::VMALLOC: p.steps = {V_WALK, V_INSTALL}; break;
            case ThreadKind::SPAN_READER: {  // the seqlock reader is one step: begin, reads, retry
                const bool lock = t.lock == ReaderLock::GET_ONLINE_MEMS || t.lock == ReaderLock::RCU;
                if (lock) p.steps.push_back(W_LOCK);
                p.steps.push_back(S_READ);
                if (lock) p.steps.push_back(W_UNLOCK);
                break;
            }
            case ThreadKind::PTDUMP:  // ptdump_walk_pgd(): [get_online_mems()] mmap_write_lock(init_mm) walk ... [put_online_mems()]
                if (t.lock != ReaderLock::NONE) p.steps.push_back(W_LOCK);
                p.steps.push_back(P_WALK_PUD);
                p.steps.push_back(P_WALK_PMD);
                if (t.lock != ReaderLock::NONE) p.steps.push_back(W_UNLOCK);
                break;
            case ThreadKind::PFN_WALKER:
            case ThreadKind::MEMORY_FAILURE:
                if (t.lock != ReaderLock::NONE) p.steps.push_back(W_LOCK);
                p.steps.push_back(W_CHECK_SECTION);
                if (t.check != PfnCheck::ONLINE_SECTION) p.steps.push_back(W_CHECK_USAGE);
                if (t.read_page) p.steps.push_back(W_READ_PAGE);
                if (t.lock != ReaderLock::NONE) p.steps.push_back(W_UNLOCK);
                break;
        }
        progs_.push_back(p);
    }
}

void ThreadedModel::pack(const State& s, std::uint32_t* w) const {
    hp::pack(m_, s.k, w);
    std::uint32_t extra[(sizeof(ThreadedAux) + 3) / 4] = {};
    std::memcpy(extra, &s.x, sizeof s.x);
    std::memcpy(w + kwords_, extra, xwords_ * 4);
}

void ThreadedModel::unpack(const std::uint32_t* w, State& s) const {
    s.k = initial_.k;
    hp::unpack(m_, w, s.k);
    std::uint32_t extra[(sizeof(ThreadedAux) + 3) / 4];
    std::memcpy(extra, w + kwords_, xwords_ * 4);
    std::memcpy(&s.x, extra, sizeof s.x);
}

// Effects of an interleaving point on the readers' world, applied when the path passes it.
void ThreadedModel::apply_event(ThreadedAux& x, YieldKind kind, unsigned arg) const {
    switch (kind) {
        case YieldKind::LOCK_MEM_HOTPLUG: x.hp_locks |= H_MEM_HOTPLUG; break;
        case YieldKind::UNLOCK_MEM_HOTPLUG: x.hp_locks &= static_cast<std::uint8_t>(~H_MEM_HOTPLUG); break;
        case YieldKind::FREE_USAGE: {
            // kfree(): every holder of the pointer now dangles. kfree_rcu(): the object
            // outlives every RCU reader that could have loaded it (the grace period).
            const bool rcu = arg & kUsageRcu;
            const unsigned key = arg & ~kUsageRcu;
            for (unsigned t = 0; t < threads_.size(); ++t) {
                if (!(x.local[t] & L_USAGE)) continue;
                const ThreadSpec& ts = threads_[t];
                const unsigned sec_key = m_.block_of_pfn(ts.pfn) < 0 ? ~0u
                    : section_key(m_, static_cast<unsigned>(m_.block_of_pfn(ts.pfn)), ts.pfn);
                if (sec_key != key) continue;
                if (rcu && (x.local[t] & L_RCU)) continue;
                x.local[t] |= L_USAGE_FREED;
            }
            break;
        }
        case YieldKind::FREE_MEMMAP: break;  // readers see it in the kernel state (section gone)
        case YieldKind::PT_POPULATE:
            x.pt_present[0] = 1;  // vmemmap_populate(): pmd_alloc() under init_mm.page_table_lock if absent
            ++x.pt_entries[0];
            break;
        case YieldKind::PT_UNMAP:
            if (x.pt_entries[0]) --x.pt_entries[0];
            break;
        case YieldKind::PT_FREE_EMPTY:
            if (x.pt_present[0] && !x.pt_entries[0]) {
                x.pt_present[0] = 0;  // pud_clear() + free_hotplug_pgtable_page()
                for (unsigned t = 0; t < threads_.size(); ++t) {
                    if (!(x.local[t] & L_PT)) continue;
                    // vmalloc holds the vmemmap's table only when the ranges share it; ptdump
                    // walks the vmemmap range itself, so it always holds that table.
                    if ((threads_[t].kind == ThreadKind::VMALLOC && pt_slot() == 0) || threads_[t].kind == ThreadKind::PTDUMP)
                        x.local[t] |= L_PT_FREED;
                }
            }
            break;
        case YieldKind::SPAN_BEGIN: x.span_busy = static_cast<std::uint8_t>(1 + arg); break;
        case YieldKind::SPAN_END: x.span_busy = 0; break;
        case YieldKind::COUNT: break;
    }
}

KernelState ThreadedModel::live_kernel(const State& s) const {
    KernelState k = s.k;
    if (s.x.hp_owner == NO_THREAD) return k;
    const Action& a = threads_[s.x.hp_owner].ops[s.x.pc[s.x.hp_owner]];
    ThreadedAux scratch = s.x;
    ReplayCtx c{this, &scratch, 1 << 30, s.x.hp_yield};
    try {
        apply_action(m_, v_.ops, k, a, nullptr, &ReplayCtx::hook, &c);
    } catch (const Parked&) {
    }
    return k;
}

bool ThreadedModel::enabled(const State& s, unsigned t) const {
    const ThreadSpec& ts = threads_[t];
    const ThreadedAux& x = s.x;
    if (ts.kind == ThreadKind::HOTPLUG) {
        if (x.hp_owner == NO_THREAD) return x.pc[t] < ts.ops.size();  // lock_device_hotplug()
        if (x.hp_owner != t) return false;                             // waits for device_hotplug_lock
        if (x.hp_next == static_cast<std::uint8_t>(YieldKind::LOCK_MEM_HOTPLUG))
            for (unsigned u = 0; u < threads_.size(); ++u)
                if (x.local[u] & L_MHP_READ) return false;  // percpu_down_write() waits for readers
        return true;
    }
    if (x.pc[t] >= progs_[t].steps.size()) return false;
    if (progs_[t].steps[x.pc[t]] == W_LOCK && ts.lock == ReaderLock::GET_ONLINE_MEMS && (x.hp_locks & H_MEM_HOTPLUG))
        return false;  // percpu_down_read() waits for the writer
    return true;
}

namespace {
// What a hotplug operation can touch: online/offline never reach section_deactivate()
// or vmemmap_populate(); add (its error path too), remove and eject do.
unsigned op_footprint(const Action& a) {
    const bool sections = a.kind == ActionKind::DIMM_ADD || a.kind == ActionKind::DIMM_EJECT ||
                          a.kind == ActionKind::REMOVE_MEMORY || virtio_mem_action(a.kind);
    return F_HOTPLUG_STATE | (sections ? F_HOTPLUG_SECTIONS : 0u);
}
}  // namespace

unsigned ThreadedModel::next_footprint(const State& s, unsigned t) const {
    const ThreadSpec& ts = threads_[t];
    if (ts.kind == ThreadKind::HOTPLUG) return op_footprint(ts.ops[s.x.pc[t]]);
    const std::uint8_t id = progs_[t].steps[s.x.pc[t]];
    const bool usage_rcu = ts.check == PfnCheck::PFN_VALID && ts.pfn_valid_rcu;
    switch (id) {
        case W_LOCK:
        case W_UNLOCK: return ts.lock == ReaderLock::GET_ONLINE_MEMS ? F_MHP_R : F_RCU;
        case W_CHECK_SECTION: return F_KR | (ts.check != PfnCheck::ONLINE_SECTION ? F_USAGE : 0) | (usage_rcu ? F_RCU : 0);
        case W_CHECK_USAGE: return F_KR | F_USAGE | (usage_rcu ? F_RCU : 0);
        case W_READ_PAGE: return F_KR;
        case V_WALK:
        case V_INSTALL: return pt_slot() == 0 ? F_PT0 : F_PT1;
        case S_READ: return F_KR;  // the span_busy marker is written only by hotplug steps (F_KW)
        case P_WALK_PUD:
        case P_WALK_PMD: return F_PT0;  // the vmemmap's table
    }
    return ~0u;
}

unsigned ThreadedModel::remaining_footprint(const State& s, unsigned t) const {
    const ThreadSpec& ts = threads_[t];
    if (ts.kind == ThreadKind::HOTPLUG) {
        unsigned f = 0;  // the op in flight is ops[pc] too: pc moves on when it returns
        for (unsigned i = s.x.pc[t]; i < ts.ops.size(); ++i) f |= op_footprint(ts.ops[i]);
        return f;
    }
    unsigned f = 0;
    State probe = s;
    for (unsigned pc = s.x.pc[t]; pc < progs_[t].steps.size(); ++pc) {
        probe.x.pc[t] = static_cast<std::uint8_t>(pc);
        f |= next_footprint(probe, t);
    }
    return f;
}

// A persistent set of one thread: t is enabled and its next step conflicts with nothing
// any other thread can still do. Then exploring only t here loses no interleaving class
// (every thread's program is finite, so the state graph is acyclic and no step is
// ignored forever). -1: explore every enabled thread.
int ThreadedModel::persistent_thread(const State& s) const {
    for (unsigned t = 0; t < threads_.size(); ++t) {
        if (!enabled(s, t)) continue;
        const unsigned f = next_footprint(s, t);
        bool independent = true;
        for (unsigned u = 0; u < threads_.size() && independent; ++u)
            if (u != t && conflict(f, remaining_footprint(s, u))) independent = false;
        if (independent) return static_cast<int>(t);
    }
    return -1;
}

bool ThreadedModel::check_state(const State& s, Violation* v) const {
    bool any_left = false, any_enabled = false;
    for (unsigned t = 0; t < threads_.size(); ++t) {
        const bool done = threads_[t].kind == ThreadKind::HOTPLUG
                              ? (s.x.hp_owner != t && s.x.pc[t] >= threads_[t].ops.size())
                              : s.x.pc[t] >= progs_[t].steps.size();
        if (!done) any_left = true;
        if (enabled(s, t)) any_enabled = true;
    }
    if (any_left && !any_enabled) {
        if (v) *v = Violation{"deadlock-freedom", "some thread can always make progress",
                              "every unfinished thread waits for a lock another holds"};
        return false;
    }
    // The kernel's state invariants hold at quiescent states (no hotplug op in flight).
    if (s.x.hp_owner != NO_THREAD) return true;
    for (const Invariant* i : state_invs_)
        if (!i->holds_in(m_, s.k, v)) return false;
    return true;
}

StepOutcome ThreadedModel::step(const State& s, unsigned t, State& out, Violation* v) {
    if (!enabled(s, t)) return StepOutcome::DISABLED;
    if (opt_.max_preemptions >= 0) {
        const unsigned last = s.x.last;
        unsigned p = s.x.preemptions;
        if (last != NO_THREAD && last != t && enabled(s, last)) ++p;  // a context switch away from a runnable thread
        if (static_cast<int>(p) > opt_.max_preemptions) {
            ++cut_by_bound_;
            return StepOutcome::DISABLED;
        }
        const StepOutcome o = step_impl(s, t, out, v, nullptr);
        out.x.last = static_cast<std::uint8_t>(t);
        out.x.preemptions = static_cast<std::uint8_t>(p);
        return o;
    }
    if (opt_.por) {
        const int only = persistent_thread(s);
        if (only >= 0 && static_cast<unsigned>(only) != t) return StepOutcome::DISABLED;
        if (opt_.sleep_sets) {
            // Sleep sets (Godefroid 1996, ch. 5; docs/interleavings.md): a thread asleep here
            // is not explored; the threads explored at s before t (lower index, awake, in the
            // persistent set) fall asleep in t's successor, and stay asleep while every step
            // taken is independent of theirs: each of those interleavings is reached from
            // the state where that thread stepped first. The sleep set is part of the state,
            // so two visits of a kernel state with different sleep sets are two states.
            if (s.x.sleep & (1u << t)) return StepOutcome::DISABLED;
            unsigned asleep = s.x.sleep;
            if (only < 0)
                for (unsigned u = 0; u < t; ++u)
                    if (enabled(s, u)) asleep |= 1u << u;
            const unsigned ft = next_footprint(s, t);
            unsigned keep = 0;
            for (unsigned u = 0; u < threads_.size(); ++u)
                if (u != t && (asleep & (1u << u)) && enabled(s, u) && !conflict(ft, next_footprint(s, u))) keep |= 1u << u;
            const StepOutcome o = step_impl(s, t, out, v, nullptr);
            out.x.sleep = static_cast<std::uint8_t>(keep);
            return o;
        }
    }
    return step_impl(s, t, out, v, nullptr);
}

StepOutcome ThreadedModel::step_impl(const State& s, unsigned t, State& out, Violation* v, InterleavingRow* row) const {
    out = s;
    if (row) row->thread = t;
    StepOutcome o = threads_[t].kind == ThreadKind::HOTPLUG ? step_hotplug(s, t, out, v, row) : step_reader(s, t, out, v, row);
    if (row) {
        row->locks = locks_of(out, t);
        row->held.clear();
        for (unsigned u = 0; u < threads_.size(); ++u) row->held.push_back(locks_of(out, u));
    }
    return o;
}

StepOutcome ThreadedModel::step_hotplug(const State& s, unsigned t, State& out, Violation* v, InterleavingRow* row) const {
    const ThreadSpec& ts = threads_[t];
    const bool fresh = s.x.hp_owner == NO_THREAD;
    const Action& a = ts.ops[s.x.pc[t]];
    KernelState k = s.k;
    ReplayCtx c{this, &out.x, fresh ? 0 : s.x.hp_yield, fresh ? 0 : s.x.hp_yield + 1};
    CallLog log;
    if (row) c.log = &log;
    StepResult r;
    const bool possible = action_enabled(m_, s.k, a);
    try {
        if (possible) r = apply_action(m_, v_.ops, k, a, row ? &log : nullptr, &ReplayCtx::hook, &c);
        else r.rc = -ENODEV;  // the sysfs file / DIMM slot is not there: the write fails at once
    } catch (const Parked&) {
        out.x.hp_owner = static_cast<std::uint8_t>(t);
        out.x.hp_yield = static_cast<std::uint8_t>(c.park_at);
        out.x.hp_next = static_cast<std::uint8_t>(c.park_kind);
        if (row) {
            row->what = fresh ? fmt::format("{}: runs to {}", action_label(m_, a), yield_kind_name(c.park_kind))
                              : fmt::format("{}, runs to {}", yield_kind_name(static_cast<YieldKind>(s.x.hp_next)),
                                            yield_kind_name(c.park_kind));
            row->calls.assign(log.entries.begin() + static_cast<long>(fresh ? 0 : c.live_log_from), log.entries.end());
        }
        return StepOutcome::OK;  // out.k stays the state at the start of the op
    }
    // The op returned: device_hotplug_lock is released, the kernel state is committed.
    if (row) {
        row->what = fresh ? fmt::format("{} = {}", action_label(m_, a), errno_name(r.rc))
                          : fmt::format("{}, {} returns {}", yield_kind_name(static_cast<YieldKind>(s.x.hp_next)),
                                        action_label(m_, a), errno_name(r.rc));
        row->calls.assign(log.entries.begin() + static_cast<long>(fresh ? 0 : c.live_log_from), log.entries.end());
    }
    out.k = k;
    out.x.hp_owner = NO_THREAD;
    out.x.hp_yield = out.x.hp_next = 0;
    out.x.hp_locks = 0;
    out.x.span_busy = 0;
    ++out.x.pc[t];
    if (!possible) return StepOutcome::OK;  // nothing ran: nothing to judge
    const Step st{m_, s.k, out.k, a, r};
    for (const Invariant* i : step_invs_)
        if (!i->holds_on(st, v)) return StepOutcome::VIOLATION;
    return StepOutcome::OK;
}

StepOutcome ThreadedModel::step_reader(const State& s, unsigned t, State& out, Violation* v, InterleavingRow* row) const {
    const ThreadSpec& ts = threads_[t];
    std::uint8_t& pc = out.x.pc[t];
    std::uint8_t& loc = out.x.local[t];
    const auto& steps = progs_[t].steps;
    const std::uint8_t id = steps[pc];
    const std::string fn = ts.kind == ThreadKind::MEMORY_FAILURE ? "memory_failure" : pfn_check_name(ts.check);
    auto say = [&](const std::string& w) {
        if (row) row->what = w;
    };
    auto fail = [&](const char* inv, const char* conj, const std::string& detail) {
        if (v) *v = Violation{inv, conj, fmt::format("{} ({}): {}", ts.name, thread_kind_name(ts.kind), detail)};
        say(detail);
        return StepOutcome::VIOLATION;
    };
    auto skip_to_unlock = [&]() {  // the check failed: the walker skips this pfn
        pc = static_cast<std::uint8_t>(steps.back() == W_UNLOCK ? steps.size() - 1 : steps.size());
        loc &= static_cast<std::uint8_t>(~(L_USAGE | L_USAGE_FREED));
        if (!(ts.lock == ReaderLock::RCU)) loc &= static_cast<std::uint8_t>(~L_RCU);
    };
    switch (id) {
        case W_LOCK:
            if (ts.lock == ReaderLock::GET_ONLINE_MEMS) loc |= L_MHP_READ, say("get_online_mems()");
            else loc |= L_RCU, say("rcu_read_lock()");
            ++pc;
            return StepOutcome::OK;
        case W_UNLOCK:
            if (ts.lock == ReaderLock::GET_ONLINE_MEMS) loc &= static_cast<std::uint8_t>(~L_MHP_READ), say("put_online_mems()");
            else loc &= static_cast<std::uint8_t>(~L_RCU), say("rcu_read_unlock()");
            ++pc;
            return StepOutcome::OK;
        case V_WALK: {
            const unsigned slot = pt_slot();
            if (!out.x.pt_present[slot]) {
                out.x.pt_present[slot] = 1;  // pmd_alloc() -> __pmd_alloc(): allocated and installed under init_mm.page_table_lock
                say("vmalloc: pmd_alloc() finds no table: allocates one under init_mm.page_table_lock");
            } else {
                say(slot == 0 ? "vmalloc: lockless pud walk: pmd table shared with the vmemmap"
                              : "vmalloc: lockless pud walk: pmd table of the vmalloc range");
            }
            loc |= L_PT;
            ++pc;
            return StepOutcome::OK;
        }
        case S_READ: {
            const unsigned key = static_cast<unsigned>(ts.node) * MAX_NR_ZONES + ts.zone;
            if (out.x.span_busy == 1 + key && ts.lock == ReaderLock::SPAN_SEQLOCK)
                // zone_span_seqretry() retries only when a writer bumped the seqcount; 6.1.192's
                // writers (move_pfn_range_to_zone, shrink_zone_span) never call
                // zone_span_writelock() (mm/ has no caller), so the retry never fires.
                return fail("no-torn-read", "zone_start_pfn/spanned_pages are not read mid-update",
                            fmt::format("page_outside_zone_boundaries(): zone_span_seqbegin() reads node{} {} "
                                        "zone_start_pfn/spanned_pages while {} is rewriting them; zone_span_seqretry() "
                                        "does not retry: the writer never took zone_span_writelock()",
                                        ts.node, zone_name(ts.zone), threads_[s.x.hp_owner].name));
            if (out.x.span_busy == 1 + key)
                return fail("no-torn-read", "zone_start_pfn/spanned_pages are not read mid-update",
                            fmt::format("zone_spans_pfn() reads node{} {} zone_start_pfn/spanned_pages while "
                                        "{} is rewriting them (under mem_hotplug_lock, which the reader does not hold)",
                                        ts.node, zone_name(ts.zone), threads_[s.x.hp_owner].name));
            const KernelState live = live_kernel(s);
            const ZoneState& z = live.zone(ts.node, ts.zone);
            say(fmt::format("zone_spans_pfn(node{} {}): [{:#x}, {:#x})", ts.node, zone_name(ts.zone), z.zone_start_pfn,
                            z.zone_start_pfn + z.spanned_pages));
            ++pc;
            return StepOutcome::OK;
        }
        case P_WALK_PUD: {
            // 6.1.192 mm/ptdump.c:151 ptdump_walk_pgd() -> walk_page_range_novma(): reads the pud
            // entry of the vmemmap range under mmap_write_lock(&init_mm), a lock hot-remove's
            // free_empty_tables() does not take (arch/arm64/mm/mmu.c 6.1.192).
            if (!out.x.pt_present[0]) {
                say("ptdump: walk_page_range_novma(): pud_none() for the vmemmap range, nothing to walk");
                pc = static_cast<std::uint8_t>(steps.back() == W_UNLOCK ? steps.size() - 1 : steps.size());
                return StepOutcome::OK;
            }
            loc |= L_PT;
            say("ptdump: walk_page_range_novma(): the pud points to the vmemmap's pmd table, pointer loaded");
            ++pc;
            return StepOutcome::OK;
        }
        case P_WALK_PMD: {
            if (loc & L_PT_FREED)
                return fail("no-use-after-free", "a page-table page is not used after it was freed",
                            "ptdump: walk_pmd_range() reads the entries of a pmd table page that hot-remove freed "
                            "(free_empty_tables) after ptdump loaded it from the pud without get_online_mems()");
            loc &= static_cast<std::uint8_t>(~L_PT);
            say(fmt::format("ptdump: note_page() on the {} entries of the vmemmap's pmd table", out.x.pt_entries[0]));
            ++pc;
            return StepOutcome::OK;
        }
        case V_INSTALL: {
            if (loc & L_PT_FREED)
                return fail("no-use-after-free", "a page-table page is not used after it was freed",
                            "vmalloc: pte_alloc_kernel() installs a pte table into a pmd table page that hot-remove "
                            "freed (free_empty_tables) after vmalloc loaded it without init_mm.page_table_lock");
            ++out.x.pt_entries[pt_slot()];
            loc &= static_cast<std::uint8_t>(~L_PT);
            say("vmalloc: pte_alloc_kernel(): spin_lock(&init_mm.page_table_lock), pmd_populate_kernel()");
            ++pc;
            return StepOutcome::OK;
        }
        default: break;
    }
    const KernelState live = live_kernel(s);
    const PfnProbe p = probe_pfn(m_, live, ts.pfn);
    const bool usage_rcu = ts.check == PfnCheck::PFN_VALID && ts.pfn_valid_rcu;
    switch (id) {
        case W_CHECK_SECTION: {
            // valid_section() / online_section(); then READ_ONCE(ms->usage) for pfn_section_valid().
            const bool ok = ts.check == PfnCheck::PFN_VALID || ts.check == PfnCheck::PFN_SECTION_VALID ? bool(p.valid) : bool(p.online);
            const char* sec = ts.check == PfnCheck::PFN_VALID || ts.check == PfnCheck::PFN_SECTION_VALID ? "valid_section" : "online_section";
            if (!ok) {
                say(fmt::format("{}({:#x}): {}() = false, skip", fn, ts.pfn, sec));
                skip_to_unlock();
                return StepOutcome::OK;
            }
            if (ts.check != PfnCheck::ONLINE_SECTION && !p.early) {
                if (usage_rcu) loc |= L_RCU;  // rcu_read_lock_sched() in pfn_valid() (5ec8e8ea8b77)
                loc |= L_USAGE;
                say(fmt::format("{}({:#x}): {}() = true, ms->usage loaded{}", fn, ts.pfn, sec, usage_rcu ? " (rcu_read_lock_sched)" : ""));
            } else {
                say(fmt::format("{}({:#x}): {}() = true", fn, ts.pfn, sec));
            }
            ++pc;
            return StepOutcome::OK;
        }
        case W_CHECK_USAGE: {
            if (loc & L_USAGE_FREED)
                return fail("no-use-after-free", "ms->usage is not read after it was freed",
                            fmt::format("{}({:#x}): pfn_section_valid() reads ms->usage->subsection_map after "
                                        "section_deactivate() freed it", fn, ts.pfn));
            const bool had_usage = loc & L_USAGE;
            loc &= static_cast<std::uint8_t>(~(L_USAGE | L_USAGE_FREED));
            if (usage_rcu && ts.lock != ReaderLock::RCU) loc &= static_cast<std::uint8_t>(~L_RCU);
            if (had_usage && !p.valid) {  // the subsection map says "not present" now
                say(fmt::format("{}({:#x}): pfn_section_valid() = false, skip", fn, ts.pfn));
                skip_to_unlock();
                return StepOutcome::OK;
            }
            say(fmt::format("{}({:#x}): pfn_section_valid() = true: {}", fn, ts.pfn,
                            ts.check == PfnCheck::PFN_VALID ? "pfn_valid" : "page"));
            ++pc;
            return StepOutcome::OK;
        }
        case W_READ_PAGE: {
            const char* what = ts.kind == ThreadKind::MEMORY_FAILURE ? "TestSetPageHWPoison(p)" : "page_zone(pfn_to_page(pfn))";
            if (!p.valid)
                return fail("no-use-after-free", "a struct page is not read after its memmap was freed",
                            fmt::format("{} on pfn {:#x} after its section was removed (memmap freed by "
                                        "depopulate_section_memmap)", what, ts.pfn));
            if (!Memmap::initialized(p.memmap))
                return fail("no-uninitialized-page-read", "a struct page read was initialized (memmap_init_range)",
                            fmt::format("{} on pfn {:#x}: the struct page is still poisoned (section present, "
                                        "never onlined, or offlined)", what, ts.pfn));
            say(fmt::format("{} on pfn {:#x}: {}", what, ts.pfn, zone_name(Memmap::zone(p.memmap))));
            ++pc;
            return StepOutcome::OK;
        }
        default: break;
    }
    return StepOutcome::DISABLED;
}

std::string ThreadedModel::locks_of(const State& s, unsigned t) const {
    std::vector<std::string> l;
    if (threads_[t].kind == ThreadKind::HOTPLUG) {
        if (s.x.hp_owner == t) {
            l.push_back("device_hotplug_lock");
            if (s.x.hp_locks & H_MEM_HOTPLUG) l.push_back("mem_hotplug_lock(w)");
        }
    } else {
        if (s.x.local[t] & L_MHP_READ) l.push_back("mem_hotplug_lock(r)");
        if (s.x.local[t] & L_RCU) l.push_back("rcu");
    }
    std::string out;
    for (const auto& x : l) out += (out.empty() ? "" : ", ") + x;
    return out;
}

namespace {
const char* step_name(std::uint8_t id) {
    switch (id) {
        case W_LOCK: return "lock";
        case W_CHECK_SECTION: return "section check";
        case W_CHECK_USAGE: return "pfn_section_valid";
        case W_READ_PAGE: return "read struct page";
        case W_UNLOCK: return "unlock";
        case V_WALK: return "pmd_alloc";
        case V_INSTALL: return "pte_alloc_kernel";
        case S_READ: return "zone_spans_pfn";
        case P_WALK_PUD: return "walk pud";
        case P_WALK_PMD: return "walk pmd table";
    }
    return "?";
}
}  // namespace

std::vector<std::pair<std::string, std::string>> ThreadedModel::world_fields(const State& s) const {
    std::vector<std::pair<std::string, std::string>> f;
    for (unsigned t = 0; t < threads_.size(); ++t) {
        const ThreadSpec& ts = threads_[t];
        const std::string p = "threads." + ts.name + ".";
        f.emplace_back(p + "kind", thread_kind_name(ts.kind));
        if (ts.kind == ThreadKind::HOTPLUG) {
            const bool in_flight = s.x.hp_owner == t;
            f.emplace_back(p + "op", s.x.pc[t] < ts.ops.size() ? action_label(m_, ts.ops[s.x.pc[t]]) : std::string("done"));
            f.emplace_back(p + "parked_before",
                           in_flight ? yield_kind_name(static_cast<YieldKind>(s.x.hp_next)) : std::string("-"));
            f.emplace_back(p + "points_passed", std::to_string(in_flight ? s.x.hp_yield : 0));
        } else {
            const auto& steps = progs_[t].steps;
            f.emplace_back(p + "pc", std::to_string(s.x.pc[t]));
            f.emplace_back(p + "next", s.x.pc[t] < steps.size() ? step_name(steps[s.x.pc[t]]) : "done");
            const std::uint8_t l = s.x.local[t];
            if (ts.kind == ThreadKind::VMALLOC || ts.kind == ThreadKind::PTDUMP)
                f.emplace_back(p + "pmd_table_pointer", l & L_PT_FREED ? "freed" : l & L_PT ? "loaded" : "none");
            else if (ts.kind != ThreadKind::SPAN_READER)
                f.emplace_back(p + "ms_usage_pointer", l & L_USAGE_FREED ? "freed" : l & L_USAGE ? "loaded" : "none");
        }
        const std::string l = locks_of(s, t);
        f.emplace_back(p + "locks", l.empty() ? "none" : l);
    }
    static const char* const tables[2] = {"vmemmap_pmd", "vmalloc_pmd"};
    for (unsigned i = 0; i < 2; ++i) {
        f.emplace_back(fmt::format("page_tables.{}.present", tables[i]), s.x.pt_present[i] ? "yes" : "no");
        f.emplace_back(fmt::format("page_tables.{}.entries", tables[i]), std::to_string(s.x.pt_entries[i]));
    }
    f.emplace_back("zone_span_rewrite",
                   s.x.span_busy ? fmt::format("node{} {}", (s.x.span_busy - 1) / MAX_NR_ZONES,
                                               zone_name((s.x.span_busy - 1) % MAX_NR_ZONES))
                                 : std::string("none"));
    return f;
}

std::vector<InterleavingRow> ThreadedModel::describe(const std::vector<unsigned>& trace) const {
    std::vector<InterleavingRow> rows;
    State s = initial_, next{};
    for (unsigned t : trace) {
        InterleavingRow row;
        Violation v;
        step_impl(s, t, next, &v, &row);
        rows.push_back(std::move(row));
        s = next;
    }
    return rows;
}

}  // namespace hp
