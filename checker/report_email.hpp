// A plain-text report a reviewer pastes into an email (`hpcheck report`, `check --format
// email`): a header (hpcheck version, variant and its parent, machine, kernel command line,
// the command that produced it), the numbered interleaving in kernel terms, and the
// violated invariant and conjunct. Every line <= 72 columns, no ANSI escapes.
#pragma once
#include <string>

#include "checker/run.hpp"

namespace hp {

inline constexpr std::size_t kEmailColumns = 72;

// `command`: the hpcheck command line that reproduces the report ("" to leave it out).
std::string format_email(const Scenario& sc, const RunResult& r, const std::string& command);

// Word-wrap `text` to `width` columns; continuation lines get `indent` spaces. Words
// longer than a line are split.
std::string wrap(const std::string& text, std::size_t width, std::size_t first_indent, std::size_t indent);

}  // namespace hp
