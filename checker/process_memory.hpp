// The resident memory of this process, for --max-memory: the limit bounds what the process
// really uses (visited set, queues, the allocator's slack, the model's tables), not only
// the visited set's own count of its bytes.
#pragma once
#include <cstddef>

namespace hp {

// Resident set size in bytes from /proc/self/statm; 0 if it cannot be read (then only the
// data structures' own accounting limits the run).
std::size_t process_rss_bytes();

}  // namespace hp
