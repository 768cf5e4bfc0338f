// Where a kernel function of the model is defined (file relative to the source tree, line),
// from the table cmake/kernel_function_lines.cmake generates; and which function of a run
// "broke" an invariant, for SARIF results.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "checker/run.hpp"

namespace hp {

struct SourceLocation {
    std::string file;  // e.g. "spec/variants/hocko_2021.cpp"
    std::string function;
    unsigned line = 0;
};

// The variant's own file: "hocko-2021" -> "spec/variants/hocko_2021.cpp".
std::string variant_source_file(const std::string& variant);

// The definition of `function` that `variant` runs: the variant's own file if it overrides
// it there, else its ancestors' files, else spec/ops/.
std::optional<SourceLocation> kernel_function_source(const std::string& variant, const std::string& function);

// Every kernel function defined for `variant`: spec/ops/ and the files of the variant and
// its ancestors (sorted, unique).
std::vector<std::string> kernel_functions_of(const std::string& variant);

// The kernel function blamed for the violation of a run: the last function that ran in the
// violating step and is defined in the variant's own file (what the patch changed), else
// a function named in the violation's detail, else the last kernel function of the step.
std::optional<SourceLocation> blamed_function(const RunResult& r);

}  // namespace hp
