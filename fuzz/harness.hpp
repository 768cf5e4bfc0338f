// What every fuzz target checks besides "no crash, no leak, no hang" (the sanitizers and
// libFuzzer see those): an input the program refuses is refused the way the CLI promises —
// one line "file:line: field: message" — and nothing else escapes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace hp::fuzz {

// Writes the input to this process's scratch file (the parsers read files) and returns its path.
const std::string& input_file(const std::uint8_t* data, std::size_t size, const char* ext);

// Aborts (a finding) unless `msg` is one line "<file>:<line>: <field>: <message>".
void check_error_line(const std::string& msg, const std::string& file);

}  // namespace hp::fuzz
