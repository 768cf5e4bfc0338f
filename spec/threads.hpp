// Threads of a scenario (`[[threads]]`, one per CPU; docs/interleavings.md): hotplug
// threads running entry points in order (serialised by device_hotplug_lock, as the
// sysfs/ACPI/remove_memory entry points are) and the readers that run beside hotplug
// without device_hotplug_lock: a pfn walker, memory_failure(), vmalloc(), a zone span reader
// and ptdump's walk of the kernel page tables.
// Concrete only: the symbolic prover refuses threaded scenarios.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "spec/action.hpp"

namespace hp {

inline constexpr unsigned MAX_THREADS = 6;

enum class ThreadKind : std::uint8_t { HOTPLUG, PFN_WALKER, MEMORY_FAILURE, VMALLOC, SPAN_READER, PTDUMP };
const char* thread_kind_name(ThreadKind k);  // scenario spelling: hotplug, pfn_walker, ...

// What a pfn walker checks before it reads the struct page.
enum class PfnCheck : std::uint8_t {
    PFN_VALID,           // pfn_valid(): valid_section() && pfn_section_valid() (reads ms->usage)
    PFN_TO_ONLINE_PAGE,  // pfn_to_online_page(): online_section() && pfn_section_valid()
    ONLINE_SECTION,      // online_section(__pfn_to_section(pfn)) only
    PFN_SECTION_VALID,   // pfn_section_valid() only (the subsection map)
};
const char* pfn_check_name(PfnCheck c);

// The lock a reader holds around its walk.
// SPAN_SEQLOCK: zone_span_seqbegin()/zone_span_seqretry() around the reads (span readers
// only: page_outside_zone_boundaries(), CONFIG_DEBUG_VM, 6.1.192 mm/page_alloc.c:646).
enum class ReaderLock : std::uint8_t { NONE, GET_ONLINE_MEMS, RCU, SPAN_SEQLOCK };
const char* reader_lock_name(ReaderLock l);

struct ThreadSpec {
    ThreadKind kind = ThreadKind::HOTPLUG;
    std::string name;               // "cpu0", ... (the scenario's `name`, default cpuN)
    long line = 0;
    std::vector<Action> ops;        // hotplug: entry points in order
    std::uint64_t pfn = 0;          // pfn walker / memory_failure
    PfnCheck check = PfnCheck::PFN_TO_ONLINE_PAGE;
    ReaderLock lock = ReaderLock::NONE;
    bool read_page = true;          // pfn walker: read the struct page after the check (false: a bare pfn_valid() caller)
    bool pfn_valid_rcu = true;
    int node = 0;                   // span reader: zone_spans_pfn() on this node's zone
    unsigned zone = 0;      // pfn_valid() under rcu_read_lock_sched() (5ec8e8ea8b77, 6.1.y)
};

struct ThreadsConfig {
    std::vector<Action> setup;      // run sequentially from boot before the threads start
    std::vector<ThreadSpec> threads;
    bool enabled() const { return !threads.empty(); }
};

}  // namespace hp
