// Output files appear whole or not at all: written to a temporary name, then renamed.
#pragma once
#include <string>

namespace hp {
// Throws std::runtime_error("<path>: <reason>") on failure, leaving nothing behind.
void write_file_atomically(const std::string& path, const std::string& content);
}  // namespace hp
