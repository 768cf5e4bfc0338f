#include "checker/kernel_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "spec/ops/base.hpp"
#include "spec/ops/refusal.hpp"

namespace hp {

namespace {
bool has(const std::vector<FaultKind>& f, FaultKind k) { return std::find(f.begin(), f.end(), k) != f.end(); }

// Fault choices for one action: none, plus each visit of each enabled fault point the
// action can reach. Choices whose point is never reached are discarded at run time.
void add_with_faults(const Machine& m, std::vector<Action>& out, Action a, const std::vector<FaultKind>& faults) {
    out.push_back(a);
    auto with = [&](FaultKind k, unsigned index) {
        Action f = a;
        f.fault = {k, static_cast<std::uint8_t>(index)};
        out.push_back(f);
    };
    const unsigned spb = static_cast<unsigned>(m.geo.sections_per_block());
    switch (a.kind) {
        case ActionKind::DIMM_ADD: {
            const unsigned blocks = m.dimms[a.target].nr_blocks;
            if (has(faults, FaultKind::SECTION_ENOMEM))
                for (unsigned i = 0; i < blocks * spb; ++i) with(FaultKind::SECTION_ENOMEM, i);
            if (has(faults, FaultKind::MEMMAP_ENOMEM))
                for (unsigned i = 0; i < blocks * spb; ++i) with(FaultKind::MEMMAP_ENOMEM, i);
            if (has(faults, FaultKind::MEMORY_BLOCK_ENOMEM))
                for (unsigned i = 0; i < blocks; ++i) with(FaultKind::MEMORY_BLOCK_ENOMEM, i);
            if (has(faults, FaultKind::NOTIFIER_VETO_ONLINE) && m.params.default_online_type != MMOP_OFFLINE)
                for (unsigned i = 0; i < blocks; ++i) with(FaultKind::NOTIFIER_VETO_ONLINE, i);
            if (has(faults, FaultKind::NOTIFIER_VETO_PREPARE_ONLINE) && m.params.default_online_type != MMOP_OFFLINE)
                for (unsigned i = 0; i < blocks; ++i) with(FaultKind::NOTIFIER_VETO_PREPARE_ONLINE, i);
            break;
        }
        case ActionKind::DEV_MAP: {  // a kzalloc() of ms->usage per section the range touches
            const Device& d = m.devices[a.target];
            const u64 pps = m.geo.pages_per_section;
            const u64 nsec = (d.base_pfn + d.nr_pages + pps - 1) / pps - d.base_pfn / pps;
            if (has(faults, FaultKind::SECTION_ENOMEM))
                for (unsigned i = 0; i < nsec; ++i) with(FaultKind::SECTION_ENOMEM, i);
            break;
        }
        case ActionKind::DIMM_EJECT: {
            const unsigned first = m.dimm_first_block[a.target], blocks = m.dimms[a.target].nr_blocks;
            if (has(faults, FaultKind::UNMOVABLE_PAGES))
                for (unsigned b = first; b < first + blocks; ++b) with(FaultKind::UNMOVABLE_PAGES, b);
            if (has(faults, FaultKind::NOTIFIER_VETO_OFFLINE))
                for (unsigned i = 0; i < 2 * blocks; ++i) with(FaultKind::NOTIFIER_VETO_OFFLINE, i);
            if (has(faults, FaultKind::NOTIFIER_VETO_ONLINE))
                for (unsigned i = 0; i < blocks; ++i) with(FaultKind::NOTIFIER_VETO_ONLINE, i);
            if (has(faults, FaultKind::NOTIFIER_VETO_PREPARE_ONLINE))
                for (unsigned i = 0; i < blocks; ++i) with(FaultKind::NOTIFIER_VETO_PREPARE_ONLINE, i);
            break;
        }
        case ActionKind::ONLINE:
        case ActionKind::ONLINE_KERNEL:
        case ActionKind::ONLINE_MOVABLE:
            if (has(faults, FaultKind::NOTIFIER_VETO_ONLINE)) with(FaultKind::NOTIFIER_VETO_ONLINE, 0);
            if (has(faults, FaultKind::NOTIFIER_VETO_PREPARE_ONLINE)) with(FaultKind::NOTIFIER_VETO_PREPARE_ONLINE, 0);
            break;
        case ActionKind::OFFLINE:
            if (has(faults, FaultKind::UNMOVABLE_PAGES)) with(FaultKind::UNMOVABLE_PAGES, a.target);
            if (has(faults, FaultKind::NOTIFIER_VETO_OFFLINE)) with(FaultKind::NOTIFIER_VETO_OFFLINE, 0);
            break;
        case ActionKind::VMEM_PLUG: {  // one big block added (and auto-onlined)
            const VirtioMem& v = m.virtio_mems[a.target];
            const unsigned blocks = static_cast<unsigned>(v.bb_pages / m.geo.pages_per_block);
            if (has(faults, FaultKind::SECTION_ENOMEM))
                for (unsigned i = 0; i < blocks * spb; ++i) with(FaultKind::SECTION_ENOMEM, i);
            if (has(faults, FaultKind::MEMMAP_ENOMEM))
                for (unsigned i = 0; i < blocks * spb; ++i) with(FaultKind::MEMMAP_ENOMEM, i);
            if (has(faults, FaultKind::MEMORY_BLOCK_ENOMEM))
                for (unsigned i = 0; i < blocks; ++i) with(FaultKind::MEMORY_BLOCK_ENOMEM, i);
            if (has(faults, FaultKind::NOTIFIER_VETO_ONLINE) && m.params.default_online_type != MMOP_OFFLINE)
                for (unsigned i = 0; i < blocks; ++i) with(FaultKind::NOTIFIER_VETO_ONLINE, i);
            break;
        }
        case ActionKind::VMEM_UNPLUG: {  // any block of the device may hold unmovable pages
            const VirtioMem& v = m.virtio_mems[a.target];
            const unsigned first = m.dimm_first_block[v.first_dimm];
            const unsigned blocks = static_cast<unsigned>(v.nr_bbs * (v.bb_pages / m.geo.pages_per_block));
            if (has(faults, FaultKind::UNMOVABLE_PAGES))
                for (unsigned b = first; b < first + blocks; ++b) with(FaultKind::UNMOVABLE_PAGES, b);
            if (has(faults, FaultKind::NOTIFIER_VETO_OFFLINE))
                for (unsigned i = 0; i < blocks; ++i) with(FaultKind::NOTIFIER_VETO_OFFLINE, i);
            if (has(faults, FaultKind::NOTIFIER_VETO_ONLINE))
                for (unsigned i = 0; i < blocks; ++i) with(FaultKind::NOTIFIER_VETO_ONLINE, i);
            break;
        }
        default: break;
    }
}
}  // namespace

std::vector<Action> expand_alphabet(const Machine& m, const std::vector<ActionKind>& kinds,
                                    const std::vector<FaultKind>& faults) {
    std::vector<Action> out;
    for (ActionKind k : kinds) {
        switch (k) {
            case ActionKind::DIMM_ADD:
            case ActionKind::DIMM_EJECT:  // ACPI DIMMs only: virtio-mem big blocks are the driver's
                for (unsigned d = 0; d < m.dimms.size(); ++d)
                    if (m.dimms[d].virtio_mem < 0 && !m.dimms[d].boot_ram)  // boot RAM: no ACPI device either
                        add_with_faults(m, out, Action{k, static_cast<std::uint8_t>(d), 1, {}}, faults);
                break;
            case ActionKind::VMEM_PLUG:
            case ActionKind::VMEM_UNPLUG:
                for (unsigned v = 0; v < m.virtio_mems.size(); ++v)
                    add_with_faults(m, out, Action{k, static_cast<std::uint8_t>(v), 1, {}}, faults);
                break;
            case ActionKind::REMOVE_MEMORY:
                for (unsigned d = 0; d < m.dimms.size(); ++d) {
                    if (m.dimms[d].boot_ram) continue;  // early sections: not modelled (free_map_bootmem())
                    const unsigned first = m.dimm_first_block[d], n = m.dimms[d].nr_blocks;
                    for (unsigned i = 0; i < n; ++i)
                        for (unsigned c = 1; i + c <= n; ++c)
                            add_with_faults(m, out,
                                            Action{k, static_cast<std::uint8_t>(first + i), static_cast<std::uint8_t>(c), {}},
                                            faults);
                }
                break;
            case ActionKind::DEV_MAP:
            case ActionKind::DEV_UNMAP:
            case ActionKind::SOFT_OFFLINE:
                for (unsigned d = 0; d < m.devices.size(); ++d)
                    add_with_faults(m, out, Action{k, static_cast<std::uint8_t>(d), 1, {}}, faults);
                break;
            default:
                for (unsigned b = 0; b < m.blocks.size(); ++b)
                    add_with_faults(m, out, Action{k, static_cast<std::uint8_t>(b), 1, {}}, faults);
        }
    }
    return out;
}

std::vector<const Invariant*> select_invariants(const std::vector<std::string>& names, const std::string& file) {
    std::vector<const Invariant*> out;
    if (names.empty()) {
        for (const Invariant& i : all_invariants()) out.push_back(&i);
        return out;
    }
    for (size_t k = 0; k < names.size(); ++k) {
        const Invariant* i = find_invariant(names[k]);
        if (!i) {
            std::string known;
            for (const Invariant& j : all_invariants()) known += (known.empty() ? "" : ", ") + std::string(j.name);
            throw ScenarioError(file, 0, fmt::format("invariants[{}]", k),
                                fmt::format("unknown invariant '{}' (known: {})", names[k], known));
        }
        out.push_back(i);
    }
    return out;
}

KernelModel::KernelModel(const Machine& m, const Variant& v, std::vector<Action> actions,
                         std::vector<const Invariant*> invs)
    : m_(m), v_(v), actions_(std::move(actions)), words_(hp::packed_words(m)), initial_(initial_state(m)) {
    for (const Invariant* i : invs) (i->holds_in ? state_invs_ : step_invs_).push_back(i);
    set_refusal_cache(RefusalCache::USE);
    reach_words_.assign(words_, 0);
    probe_words_.assign(words_, 0);
    base_.assign(actions_.size(), -1);
    has_faults_.assign(actions_.size(), false);
    for (std::size_t i = 0; i < actions_.size(); ++i) {
        if (actions_[i].fault.kind == FaultKind::NONE) continue;
        Action plain = actions_[i];
        plain.fault = {};
        for (std::size_t j = i; j-- > 0;)
            if (actions_[j] == plain) {
                base_[i] = static_cast<int>(j);
                has_faults_[j] = true;
                break;
            }
    }
}

void KernelModel::set_refusal_cache(RefusalCache mode) {
    refusal_mode_ = mode;
    // A variant that replaces a function on a refusal's path may refuse differently: it runs
    // its own. State writes that return before any kernel function: state_store() alone;
    // offline refused inside memory_block_offline(): every function that path calls; the
    // eject: acpi_scan_hot_remove() too.
    const KernelOps& o = v_.ops;
    const bool on = mode != RefusalCache::OFF;
    store_shortcut_ = on && o.memory_block_state_store == &base::memory_block_state_store;
    offline_shortcut_ = store_shortcut_ && o.memory_block_offline == &base::memory_block_offline &&
                        o.offline_pages == &base::offline_pages &&
                        o.adjust_present_page_count == &base::adjust_present_page_count;
    eject_shortcut_ = on && o.acpi_memory_device_eject == &base::acpi_memory_device_eject &&
                      o.memory_block_offline == &base::memory_block_offline && o.offline_pages == &base::offline_pages &&
                      o.adjust_present_page_count == &base::adjust_present_page_count;
}

// A step refused for sure with the state unchanged (spec/ops/refusal.hpp), else rc 0.
base::Refusal KernelModel::refusal_of(const State& s, const Action& a) const {
    switch (a.kind) {
        case ActionKind::ONLINE:
        case ActionKind::ONLINE_KERNEL:
        case ActionKind::ONLINE_MOVABLE:
        case ActionKind::OFFLINE: {
            if (!store_shortcut_) return {};
            const OnlineType type = a.kind == ActionKind::ONLINE          ? MMOP_ONLINE
                                    : a.kind == ActionKind::ONLINE_KERNEL ? MMOP_ONLINE_KERNEL
                                    : a.kind == ActionKind::ONLINE_MOVABLE ? MMOP_ONLINE_MOVABLE
                                                                           : MMOP_OFFLINE;
            // Before any kernel function, so before every fault point.
            if (const int rc = base::memory_block_state_store_refusal(s, a.target, type)) return {rc};
            if (type == MMOP_OFFLINE && offline_shortcut_) return base::device_offline_refusal(m_, s, a.target, a.fault);
            return {};
        }
        case ActionKind::DIMM_EJECT:
            if (!eject_shortcut_) return {};
            return base::acpi_memory_device_eject_refusal(m_, s, a.target, a.fault);
        default: return {};
    }
}

// --check-refusal-cache: the full path must agree with what the precondition answered.
void KernelModel::check_refusal(const State& s, const Action& a, const base::Refusal& ans) const {
    State after = s;
    const StepResult r = apply_action(m_, v_.ops, after, a);
    std::string wrong;
    if (a.fault.kind != FaultKind::NONE && !ans.fault_fired) {
        if (r.fault_fired) wrong = "its fault fired";  // answered as the unfaulted run: skipped
    } else if (r.fault_fired != ans.fault_fired) {
        wrong = "its fault did not fire";
    } else if (r.rc != ans.rc) {
        wrong = fmt::format("it returned {}, the precondition said {}", r.rc, ans.rc);
    } else if (!(after == s)) {
        wrong = "it changed the state";
    } else if (r.nobs) {
        wrong = "it observed something";
    } else if ((r.error_leaves_changes == nullptr) != (ans.error_leaves_changes == nullptr)) {
        wrong = "its error_leaves_changes differs";
    }
    if (!wrong.empty())
        throw std::logic_error(fmt::format("refusal cache: {} answered as refused ({}) by its precondition, but {}",
                                           action_label(m_, a), ans.rc, wrong));
}

bool KernelModel::check_state(const State& s, Violation* v) const {
    for (const Invariant* i : state_invs_)
        if (!i->holds_in(m_, s, v)) return false;
    return true;
}

void KernelModel::merge_counters_from(KernelModel& other) {
    for (std::size_t k = 0; k < counters_.ok.size(); ++k) {
        counters_.ok[k] += other.counters_.ok[k];
        counters_.refused[k] += other.counters_.refused[k];
    }
    for (std::size_t f = 0; f < counters_.fired.size(); ++f) counters_.fired[f] += other.counters_.fired[f];
    other.counters_ = {};
    refusals_answered_ += other.refusals_answered_;
    other.refusals_answered_ = 0;
}

StepOutcome KernelModel::step_impl(const State& s, unsigned ai, State& out, Violation* v, bool out_is_s) {
    const Action& a = actions_[ai];
    unchanged_ = false;
    out_written_ = false;
    if (!action_enabled(m_, s, a)) return StepOutcome::DISABLED;
    if (const base::Refusal ans = refusal_of(s, a); ans.rc) {
        if (refusal_mode_ == RefusalCache::CHECK) check_refusal(s, a, ans);
        ++refusals_answered_;
        // A fault choice whose fault the refusal does not reach is the same run, unfired.
        if (a.fault.kind != FaultKind::NONE && !ans.fault_fired) return StepOutcome::SKIPPED;
        if (!out_is_s) out = s;
        StepResult r;
        r.rc = ans.rc;
        r.fault_fired = ans.fault_fired;
        r.error_leaves_changes = ans.error_leaves_changes;
        if (ans.fault_fired) ++counters_.fired[static_cast<int>(a.fault.kind)];
        last_rc_ = ans.rc;
        ++counters_.refused[static_cast<int>(a.kind)];
        const Step st{m_, s, s, a, r};  // the state after is the state before: one object
        for (const Invariant* i : step_invs_)
            if (!i->holds_on(st, v)) return StepOutcome::VIOLATION;
        unchanged_ = true;
        return StepOutcome::OK;
    }
    const bool announced = announced_ == &s;
    if (base_[ai] >= 0 && base_[ai] == reach_action_ && !reach_.reaches(a.fault)) {
        // The unfaulted run on this state never reached the fault point: the same state, by
        // announcement (begin_state()) or by its packed words.
        if (reach_generation_) {
            if (announced && reach_generation_ == generation_) return StepOutcome::SKIPPED;
        } else {
            pack(s, probe_words_.data());
            if (std::equal(probe_words_.begin(), probe_words_.end(), reach_words_.begin())) return StepOutcome::SKIPPED;
        }
    }
    if (!out_is_s) out = s;
    out_written_ = true;
    const StepResult r = apply_action(m_, v_.ops, out, a);
    if (has_faults_[ai]) {
        reach_action_ = static_cast<int>(ai);
        reach_generation_ = announced ? generation_ : 0;
        if (!announced) pack(s, reach_words_.data());
        reach_ = r.reach;
    }
    if (a.fault.kind != FaultKind::NONE) {
        if (!r.fault_fired) return StepOutcome::SKIPPED;
        ++counters_.fired[static_cast<int>(a.fault.kind)];
    }
    last_rc_ = r.rc;
    ++(r.rc == 0 ? counters_.ok : counters_.refused)[static_cast<int>(a.kind)];
    const Step st{m_, s, out, a, r};
    for (const Invariant* i : step_invs_)
        if (!i->holds_on(st, v)) return StepOutcome::VIOLATION;
    return StepOutcome::OK;
}

}  // namespace hp
