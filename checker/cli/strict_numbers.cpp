#include "checker/cli/strict_numbers.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace hp::cli {

namespace {

std::string strict_unsigned(std::string& s) {
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size())
        return "'" + s + "' is not a non-negative decimal integer below 2^64";
    return "";
}

std::string finite_non_negative(std::string& s) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || v < 0)
        return "'" + s + "' is not a finite number >= 0";
    return "";
}

}  // namespace

void make_numbers_strict(CLI::App& app) {
    for (CLI::Option* o : app.get_options()) {
        const std::string t = o->get_type_name();
        if (t == "UINT") o->check(CLI::Validator(strict_unsigned, "", "strict unsigned"));
        else if (t == "FLOAT") o->check(CLI::Validator(finite_non_negative, "", "finite non-negative"));
    }
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) make_numbers_strict(*sub);
}

}  // namespace hp::cli
