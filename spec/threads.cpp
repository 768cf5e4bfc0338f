#include "spec/threads.hpp"

namespace hp {

const char* thread_kind_name(ThreadKind k) {
    switch (k) {
        case ThreadKind::HOTPLUG: return "hotplug";
        case ThreadKind::PFN_WALKER: return "pfn_walker";
        case ThreadKind::MEMORY_FAILURE: return "memory_failure";
        case ThreadKind::VMALLOC: return "vmalloc";
        case ThreadKind::SPAN_READER: return "span_reader";
        case ThreadKind::PTDUMP: return "ptdump";
    }
    return "?";
}

const char* pfn_check_name(PfnCheck c) {
    switch (c) {
        case PfnCheck::PFN_VALID: return "pfn_valid";
        case PfnCheck::PFN_TO_ONLINE_PAGE: return "pfn_to_online_page";
        case PfnCheck::ONLINE_SECTION: return "online_section";
        case PfnCheck::PFN_SECTION_VALID: return "pfn_section_valid";
    }
    return "?";
}

const char* reader_lock_name(ReaderLock l) {
    switch (l) {
        case ReaderLock::NONE: return "none";
        case ReaderLock::GET_ONLINE_MEMS: return "get_online_mems";
        case ReaderLock::RCU: return "rcu";
        case ReaderLock::SPAN_SEQLOCK: return "zone_span_seqlock";
    }
    return "?";
}

}  // namespace hp
