// JSON helpers over nlohmann::json, which throws: every throw is caught here, at the library edge.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gh {

using Json = nlohmann::json;

// How much JSON from outside may cost. A parsed value holds several times its text (an object
// member about 200 bytes for 7 of text), so the number of values is bounded as well as the bytes;
// the depth bounds every recursive walk over the result.
struct JsonLimits {
  size_t max_bytes = 8 * 1024 * 1024;
  int max_depth = 64;
  size_t max_values = 250'000;  // every value and every object key counts
};

// Parses text; refuses with code "<what>.json" naming the position of the syntax error, and with
// "<what>.size" text beyond the limits (checked in a first pass that builds nothing).
Result<Json> parse_json(std::string_view text, const std::string& what,
                        const JsonLimits& limits = {});
// Typed member access with errors that name the JSON path.
Result<std::string> json_string(const Json& obj, const std::string& key, const std::string& path);
Result<int64_t> json_int(const Json& obj, const std::string& key, const std::string& path);
std::string json_string_or(const Json& obj, const std::string& key, std::string fallback);

}  // namespace gh
