#include "common/json.h"

namespace gh {

Result<Json> parse_json(std::string_view text, const std::string& what) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return make_error(what + ".json", what + ": not JSON (byte " + std::to_string(e.byte) + ")");
  } catch (const Json::exception&) {
    // A number no double holds (1e999) is out_of_range, not parse_error: a refusal all the same.
    return make_error(what + ".json", what + ": not JSON (a number out of range)");
  }
}

Result<std::string> json_string(const Json& obj, const std::string& key, const std::string& path) {
  if (!obj.is_object()) return make_error("json.type", path + ": not an object");
  auto it = obj.find(key);
  if (it == obj.end()) return make_error("json.missing", path + "/" + key + ": missing");
  if (!it->is_string()) return make_error("json.type", path + "/" + key + ": not a string");
  return it->get<std::string>();
}

Result<int64_t> json_int(const Json& obj, const std::string& key, const std::string& path) {
  if (!obj.is_object()) return make_error("json.type", path + ": not an object");
  auto it = obj.find(key);
  if (it == obj.end()) return make_error("json.missing", path + "/" + key + ": missing");
  if (!it->is_number_integer())
    return make_error("json.type", path + "/" + key + ": not an integer");
  return it->get<int64_t>();
}

std::string json_string_or(const Json& obj, const std::string& key, std::string fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return fallback;
  return it->get<std::string>();
}

}  // namespace gh
