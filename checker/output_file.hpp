// Output files appear whole or not at all: written to a fresh temporary file next to the
// target (a unique name created with O_EXCL, so neither a planted symlink nor a parallel
// run writing the same output can interfere), then renamed into place.
#pragma once
#include <string>
#include <sys/types.h>

namespace hp {
// Throws std::runtime_error("<path>: <reason>") on failure, leaving nothing behind.
// `mode` is applied through the umask, as open(2) would.
void write_file_atomically(const std::string& path, const std::string& content, mode_t mode = 0666);

// Off in the ranks of a distributed search other than rank 0 (hpcheck-mpi): they compute
// the same results, and only one process writes them. Then write_file_atomically() does nothing.
void set_output_files_enabled(bool on);

// A file name made from an untrusted string (a scenario's name): letters, digits, '.', '_'
// and '-' kept, every other byte (a '/', a NUL, a newline) becomes '-', no leading '.', at
// most 100 bytes; never empty, never "." or "..". Distinct names may share a slug.
std::string file_slug(const std::string& name);
}  // namespace hp
