#include "cli/args.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/output.h"
#include "common/json.h"
#include "net/http.h"

namespace gh::cli {

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

Result<int> Args::get_int(const std::string& name, int fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  try {
    size_t used = 0;
    long n = std::stol(v, &used);
    if (used != v.size() || n < INT32_MIN || n > INT32_MAX) throw std::invalid_argument(v);
    return static_cast<int>(n);
  } catch (const std::exception&) {
    return make_error("usage", "--" + name + " takes a whole number, not '" + v + "'");
  }
}

Result<int> Args::get_int_in(const std::string& name, int fallback, int min, int max) const {
  int v = TRY(get_int(name, fallback));
  if (v < min || v > max)
    return make_error("usage", "--" + name + " takes " + std::to_string(min) + " to " +
                                   std::to_string(max) + ", not " + std::to_string(v));
  return v;
}

Result<Args> Args::parse(const std::vector<std::string>& argv,
                         const std::vector<OptionSpec>& spec) {
  Args out;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const OptionSpec* s = nullptr;
    for (const auto& o : spec)
      if (o.name == name) s = &o;
    if (!s) return make_error("usage", "unknown option --" + name);
    if (s->takes_value && !inline_value) {
      if (i + 1 >= argv.size()) return make_error("usage", "--" + name + " needs a value");
      value = argv[++i];
    }
    if (!s->takes_value && inline_value)
      return make_error("usage", "--" + name + " takes no value");
    if (!s->repeatable && out.values_.count(name))
      return make_error("usage", "--" + name + " given twice");
    out.values_[name].push_back(value);
  }
  return out;
}

const Command* find_command(const std::vector<std::string>& argv, size_t* words) {
  const Command* best = nullptr;
  size_t best_words = 0;
  for (const auto& c : commands()) {
    std::vector<std::string> path;
    size_t start = 0;
    for (size_t sp; (sp = c.path.find(' ', start)) != std::string::npos; start = sp + 1)
      path.push_back(c.path.substr(start, sp - start));
    path.push_back(c.path.substr(start));
    if (path.size() > argv.size() || path.size() <= best_words) continue;
    if (std::equal(path.begin(), path.end(), argv.begin())) {
      best = &c;
      best_words = path.size();
    }
  }
  *words = best_words;
  return best;
}

namespace {
bool json_errors = false;
}

void set_json_errors(bool on) {
  json_errors = on;
}

int fail(const Error& e) {
  if (json_errors)
    std::cerr << Json{{"error", {{"check", e.code}, {"message", e.message}}}}.dump() << "\n";
  else
    // (the message may quote a peer: no control character of it reaches the terminal)
    std::cerr << "gatehouse: " << terminal_safe(e.message) << " [" << terminal_safe(e.code)
              << "]\n";
  return e.code == "usage" ? kExitUsage : kExitRefused;
}

Result<std::string> required(const Args& args, const std::string& name) {
  if (!args.has(name) || args.get(name).empty())
    return make_error("usage", "--" + name + " is required");
  return args.get(name);
}

Result<std::string> https_url(const Args& args, const std::string& name) {
  if (!args.has(name)) return std::string();
  const std::string v = args.get(name);
  if (auto u = net::Url::parse(v); !u)
    return make_error("usage",
                      "--" + name + " takes an https://HOST[:PORT] URL: " + u.error().message);
  return v;
}

Result<std::string> host_port(const Args& args, const std::string& name) {
  if (!args.has(name)) return std::string();
  const std::string v = args.get(name);
  auto hp = net::parse_host_port(v);
  if (!hp || hp->first.empty() || hp->second == 0)
    return make_error("usage", "--" + name + " takes tcp:HOST:PORT, not '" + v + "'");
  return v;
}

Result<std::vector<std::pair<std::string, std::string>>> name_value_pairs(const Args& args,
                                                                          const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& v : args.all(name)) {
    auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0)
      return make_error("usage", "--" + name + " takes NAME=FILE");
    out.emplace_back(v.substr(0, eq), v.substr(eq + 1));
  }
  return out;
}

void print_json(const Json& j) {
  std::cout << j.dump(2) << "\n";
}

Result<std::string> self_exe() {
  char exe[4096] = {0};
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return make_error("cli.self", "cannot find the gatehouse binary");
  return std::string(exe);
}

}  // namespace gh::cli
