// Command-line parsing: "--name value", "--name=value", boolean "--flag", positionals.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace gh::cli {

struct OptionSpec {
  std::string name;  // without "--"
  bool takes_value = true;
  bool repeatable = false;
  std::string help;
};

class Args {
 public:
  std::vector<std::string> positional;
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> all(const std::string& name) const;
  Result<int> get_int(const std::string& name, int fallback) const;
  // get_int, and a usage error for a value outside [min, max].
  Result<int> get_int_in(const std::string& name, int fallback, int min, int max) const;

  static Result<Args> parse(const std::vector<std::string>& argv,
                            const std::vector<OptionSpec>& spec);

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// Exit statuses (ARCHITECTURE section 5).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  std::string path;  // "factory make"
  std::string summary;
  std::string usage;  // the line after "gatehouse "
  std::vector<OptionSpec> options;
  // One realistic command line, whole ("gatehouse site serve --state /var/lib/gatehouse/site
  // ..."), shown by --help; checked to parse (tests/unit/cli/commands_test.cpp). Empty only for an
  // internal command.
  std::string example;
  int (*run)(const Args& args);
  // Run by other gatehouse processes, not by people: left out of the overviews, no example.
  bool internal = false;
};

const std::vector<Command>& commands();
// The command the leading words of argv name (the longest path that matches), and in words how
// many of argv that path takes; nullptr when none does.
const Command* find_command(const std::vector<std::string>& argv, size_t* words);
// Prints "gatehouse: <message> [<check>]" on stderr (with --json: {"error": {"check", "message"}})
// and returns 1 (or 2 for a usage error).
int fail(const Error& e);
// Whether errors are printed as JSON (the command was given --json).
void set_json_errors(bool on);
void print_json(const Json& j);
// The path of this gatehouse binary (for commands that start other gatehouse processes).
Result<std::string> self_exe();
// Required option: the value, or a usage error naming it.
Result<std::string> required(const Args& args, const std::string& name);
// An https URL option's value (empty when not given): a usage error for another scheme or a URL
// without a host, as a bad URL is a mistake on the command line, not a refusal.
Result<std::string> https_url(const Args& args, const std::string& name);
// A tcp:HOST:PORT (or HOST:PORT) option's value: a usage error when it is not one.
Result<std::string> host_port(const Args& args, const std::string& name);
// Every --name NAME=VALUE given, in order (a usage error for one without '=' or a name).
Result<std::vector<std::pair<std::string, std::string>>> name_value_pairs(const Args& args,
                                                                          const std::string& name);

}  // namespace gh::cli
