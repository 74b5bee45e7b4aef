// JSON helpers over nlohmann::json, which throws: every throw is caught here, at the library edge.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace gh {

using Json = nlohmann::json;

// Parses text; refuses with code "<what>.json" naming the position of the syntax error.
Result<Json> parse_json(std::string_view text, const std::string& what);
// Typed member access with errors that name the JSON path.
Result<std::string> json_string(const Json& obj, const std::string& key, const std::string& path);
Result<int64_t> json_int(const Json& obj, const std::string& key, const std::string& path);
std::string json_string_or(const Json& obj, const std::string& key, std::string fallback);

}  // namespace gh
