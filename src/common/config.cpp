#include "common/config.h"

#include "common/fs.h"

namespace gh {

bool Config::exists(const std::string& state_dir) {
  return fs::exists(fs::join(state_dir, "config.json"));
}

Result<Config> Config::load(const std::string& state_dir) {
  Config c;
  c.path = fs::join(state_dir, "config.json");
  auto text = fs::read_file(c.path);
  if (!text) {
    return make_error("state.missing", "no state in " + state_dir +
                                           " (run the role's init first): " + text.error().message);
  }
  c.data = TRY_CTX(parse_json(*text, "config"), c.path);
  if (!c.data.is_object()) return make_error("config.json", c.path + ": not a JSON object");
  return c;
}

Status Config::save() const {
  return fs::write_file_atomic(path, data.dump(2) + "\n", 0644);
}

std::string Config::get(const std::string& key, const std::string& fallback) const {
  return json_string_or(data, key, fallback);
}

}  // namespace gh
