// Reading untrusted JSON (ITF traces, conformance recordings): parsing with a nesting
// limit and every library error caught, and where a field is in the text. nlohmann::json
// keeps no source positions, so error messages find the line again by scanning the text
// (only when there is an error to report).
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace hp {

struct JsonInputError {
    long line = 1;
    std::string message;
};

// Parse `text`, refusing values nested deeper than `max_depth` before they are built.
// Throws JsonInputError for anything the library refuses (syntax, a number overflowing a
// double, depth), with the line.
nlohmann::json parse_json_limited(const std::string& text, unsigned max_depth);

// Line (1-based) of the value at `field`, written as in error messages:
// "states[3].#meta.action.count". A field that is absent gives the line of its nearest
// present parent; 1 when nothing matches.
long json_line_of(const std::string& text, const std::string& field);

// Line (1-based) of byte offset `byte` (as json::parse_error::byte reports it, 1-based).
long json_line_at_byte(const std::string& text, std::size_t byte);

}  // namespace hp
