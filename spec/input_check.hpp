// Every input hpcheck reads (scenario TOML, ITF traces, conformance recordings, command-line
// options) is untrusted. This is the one place that says how an integer field is accepted:
// exact digits (decimal or 0x hex, no sign, no spaces, no wrap-around) and an inclusive range
// that every caller must state, so a value the model would truncate is refused instead.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace hp {

struct Range {
    std::uint64_t lo = 0, hi = 0;  // inclusive
};

// "0x1f", "31": the value; nullopt for anything else (sign, blanks, trailing text, > 2^64-1).
std::optional<std::uint64_t> parse_uint_text(const std::string& s);

// Why `v` is refused for a field with range `r` ("4294967297 is out of range 0..4096"), or "".
std::string range_error(std::uint64_t v, Range r);

// Error messages are one line: control characters in user-supplied strings are escaped
// ("a\nb" -> "a\\nb"); a string longer than `max` bytes is cut and ends in "...".
std::string one_line(const std::string& s, std::size_t max = std::string::npos);

// "FILE:LINE: FIELD: message" with the field and message kept to one line each and cut to a
// readable length (a field can be a key from the input, of any length).
std::string error_line(const std::string& file, long line, const std::string& field, const std::string& msg);

// The input file being read, named by the CLI when the process runs out of memory (a
// std::bad_alloc carries no context). Set for the lifetime of a scope, and left set when
// the scope is left by an exception.
class InputScope {
  public:
    explicit InputScope(const std::string& file);
    ~InputScope();
    InputScope(const InputScope&) = delete;
    InputScope& operator=(const InputScope&) = delete;

  private:
    std::string previous_;
    int exceptions_;
};
const std::string& current_input_file();

}  // namespace hp
