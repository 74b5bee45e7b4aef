#include "common/json.h"

#include <optional>

namespace gh {

namespace {

// A SAX pass that counts values and nesting and stops at the first limit passed, or at the first
// syntax error, before anything is built.
class LimitCheck {
 public:
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;
  explicit LimitCheck(const JsonLimits& l) : l_(l) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(Json::number_integer_t) { return value(); }
  bool number_unsigned(Json::number_unsigned_t) { return value(); }
  bool number_float(Json::number_float_t, const string_t&) { return value(); }
  bool string(string_t&) { return value(); }
  bool binary(binary_t&) { return value(); }
  bool key(string_t&) { return value(); }
  bool start_object(std::size_t) { return open(); }
  bool start_array(std::size_t) { return open(); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) {
    syntax_at = position;
    return false;
  }

  std::string exceeded;  // which limit, when one was passed
  std::optional<size_t> syntax_at;

 private:
  bool value() {
    if (++values_ <= l_.max_values) return true;
    exceeded = "more than " + std::to_string(l_.max_values) + " values";
    return false;
  }
  bool open() {
    if (++depth_ > l_.max_depth) {
      exceeded = "nested deeper than " + std::to_string(l_.max_depth);
      return false;
    }
    return value();
  }
  bool close() {
    --depth_;
    return true;
  }

  const JsonLimits& l_;
  size_t values_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Json> parse_json(std::string_view text, const std::string& what, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes)
    return make_error(what + ".size", what + ": " + std::to_string(text.size()) +
                                          " bytes of JSON (limit " +
                                          std::to_string(limits.max_bytes) + ")");
  LimitCheck check(limits);
  Json::sax_parse(text, &check);
  if (check.syntax_at)
    return make_error(what + ".json",
                      what + ": not JSON (byte " + std::to_string(*check.syntax_at) + ")");
  if (!check.exceeded.empty()) return make_error(what + ".size", what + ": " + check.exceeded);
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    return make_error(what + ".json", what + ": not JSON (" + std::string(e.what()) + ")");
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
