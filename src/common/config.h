// Configuration of a role's state directory: DIR/config.json, written atomically.
#pragma once

#include <string>

#include "common/json.h"
#include "common/result.h"

namespace gh {

struct Config {
  std::string path;
  Json data = Json::object();

  static Result<Config> load(const std::string& state_dir);
  static bool exists(const std::string& state_dir);
  Status save() const;
  std::string get(const std::string& key, const std::string& fallback = "") const;
  void set(const std::string& key, const std::string& value) { data[key] = value; }
};

}  // namespace gh
