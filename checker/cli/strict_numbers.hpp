// CLI11 2.1 reads unsigned options with strtoull: "-1" becomes 2^64-1, "010" is octal and an
// overflow saturates; double options take "nan", "inf" and negatives. Every numeric option of
// every subcommand gets a strict check instead, applied once after all commands registered.
#pragma once
#include <CLI/CLI.hpp>

namespace hp::cli {

// Unsigned options: decimal digits only, no wrap. Floating options: a finite number >= 0.
void make_numbers_strict(CLI::App& app);

}  // namespace hp::cli
