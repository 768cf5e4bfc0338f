#include "spec/input_check.hpp"

#include <fmt/format.h>

#include <charconv>
#include <exception>

namespace hp {

std::optional<std::uint64_t> parse_uint_text(const std::string& s) {
    int base = 10;
    const char* b = s.data();
    const char* e = s.data() + s.size();
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        b += 2;
    }
    // from_chars accepts no sign, no blanks and reports overflow, unlike strtoull ("-1" wraps).
    if (b == e || *b == '+' || *b == '-') return std::nullopt;
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(b, e, v, base);
    if (ec != std::errc() || p != e) return std::nullopt;
    return v;
}

std::string range_error(std::uint64_t v, Range r) {
    if (v >= r.lo && v <= r.hi) return "";
    return fmt::format("{} is out of range {}..{}", v, r.lo, r.hi);
}

std::string one_line(const std::string& s, std::size_t max) {
    const std::size_t kMax = max;
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
    if (s.size() > kMax) out += "...";
    return out;
}

std::string error_line(const std::string& file, long line, const std::string& field, const std::string& msg) {
    return fmt::format("{}:{}: {}: {}", one_line(file, 1000), line, one_line(field, 200), one_line(msg, 1000));
}

namespace {
std::string& input_file() {
    static std::string f;
    return f;
}
}  // namespace

InputScope::InputScope(const std::string& file) : previous_(input_file()), exceptions_(std::uncaught_exceptions()) {
    input_file() = file;
}
// Unwinding from an exception keeps the name, so the CLI's handler can still say which input
// the failure (e.g. std::bad_alloc) came from.
InputScope::~InputScope() {
    if (std::uncaught_exceptions() == exceptions_) input_file() = previous_;
}
const std::string& current_input_file() { return input_file(); }

}  // namespace hp
