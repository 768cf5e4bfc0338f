#include "checker/json_input.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace hp {

namespace {

// "states[3].#meta.action" -> {"states", "3", "#meta", "action"}
std::vector<std::string> path_tokens(const std::string& field) {
    std::vector<std::string> out;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
    };
    for (char c : field) {
        if (c == '.' || c == '[' || c == ']') flush();
        else cur += c;
    }
    flush();
    return out;
}

struct Frame {
    bool array = false;
    std::size_t index = 0;
    std::string key;
};

}  // namespace

long json_line_of(const std::string& text, const std::string& field) {
    const std::vector<std::string> target = path_tokens(field);
    std::vector<Frame> stack;
    long line = 1, best = 1;
    bool want_value = true, want_key = false;
    // How many leading frames match the target (recomputed on each value start; stacks are shallow).
    auto matched = [&] {
        std::size_t n = 0;
        for (; n < stack.size() && n < target.size(); ++n) {
            const Frame& f = stack[n];
            if (f.array ? target[n] != std::to_string(f.index) : target[n] != f.key) break;
        }
        return n;
    };
    auto read_string = [&](std::size_t& i) {  // i at the opening quote; leaves i at the closing one
        std::string s;
        for (++i; i < text.size() && text[i] != '"'; ++i) {
            if (text[i] == '\\' && i + 1 < text.size()) s += text[++i];
            else if (text[i] == '\n') ++line;
            else s += text[i];
        }
        return s;
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') continue;
        if (want_key && c == '"') {
            if (!stack.empty()) stack.back().key = read_string(i);
            want_key = false;
            continue;
        }
        if (c == ':') {
            want_value = true;
            continue;
        }
        if (c == ',') {
            if (!stack.empty() && stack.back().array) {
                ++stack.back().index;
                want_value = true;
            } else {
                want_key = true;
            }
            continue;
        }
        if (c == '}' || c == ']') {
            if (!stack.empty()) stack.pop_back();
            want_value = want_key = false;
            continue;
        }
        if (!want_value) continue;
        // A value starts here.
        want_value = false;
        const std::size_t m = matched();
        if (m == stack.size()) {
            if (m == target.size()) return line;
            best = line;  // a parent of the field
        }
        if (c == '{') {
            stack.push_back({});
            want_key = true;
        } else if (c == '[') {
            stack.push_back({true, 0, {}});
            want_value = true;
        } else if (c == '"') {
            read_string(i);
        }
    }
    return best;
}

namespace {
// The line of the first number token (outside strings) that overflows a double.
long overflowing_number_line(const std::string& text) {
    long line = 1;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') ++line;
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            std::size_t j = i;
            while (j < text.size() && std::strchr("0123456789+-.eE", text[j])) ++j;
            if (std::isinf(std::strtod(text.substr(i, j - i).c_str(), nullptr))) return line;
            i = j - 1;
        }
    }
    return 1;
}
}  // namespace

nlohmann::json parse_json_limited(const std::string& text, unsigned max_depth) {
    using json = nlohmann::json;
    // The parser callback sees the depth of every value as it is read, so a hostile nesting
    // is refused before it is built (and before any recursive walk could overflow the stack).
    struct TooDeep {};
    const json::parser_callback_t limit_depth = [max_depth](int depth, json::parse_event_t, json&) {
        if (depth > static_cast<int>(max_depth)) throw TooDeep{};
        return true;
    };
    try {
        return json::parse(text, limit_depth);
    } catch (const TooDeep&) {
        // The line of the first bracket nested too deep, for the message.
        unsigned depth = 0;
        bool in_string = false;
        std::size_t at = 0;
        for (std::size_t i = 0; i < text.size() && !at; ++i) {
            const char c = text[i];
            if (in_string) {
                if (c == '\\') ++i;
                else if (c == '"') in_string = false;
            } else if (c == '"') {
                in_string = true;
            } else if ((c == '{' || c == '[') && ++depth > max_depth) {
                at = i + 1;
            } else if ((c == '}' || c == ']') && depth) {
                --depth;
            }
        }
        throw JsonInputError{json_line_at_byte(text, at), fmt::format("nested deeper than {} levels", max_depth)};
    } catch (const json::parse_error& e) {
        throw JsonInputError{json_line_at_byte(text, e.byte), fmt::format("not JSON: {}", e.what())};
    } catch (const json::exception& e) {  // out_of_range.406: a number overflowing a double
        throw JsonInputError{overflowing_number_line(text), e.what()};
    }
}

long json_line_at_byte(const std::string& text, std::size_t byte) {
    long line = 1;
    for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) line += text[i] == '\n';
    return line;
}

}  // namespace hp
