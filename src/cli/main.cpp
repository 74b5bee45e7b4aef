// gatehouse: one binary, a subcommand per role (ARCHITECTURE section 1).
#include <unistd.h>

#include <iostream>

#include "cli/args.h"
#include "common/log.h"

namespace {

// The roles in the order a device meets them, with what each is for.
const std::vector<std::pair<std::string, std::string>> kRoles = {
    {"factory", "the device manufacturer: PKI, production line, sale, releases"},
    {"masa", "the manufacturer's services: vouchers, MUD files, updates"},
    {"mud", "MUD files, offline"},
    {"site", "the network owner: import, onboarding services, policy, lifecycle, evidence"},
    {"router", "the network's enforcement point: 802.1X and MUD rules"},
    {"device", "the on-device agent"},
    {"lab", "a whole network in namespaces on this machine (root)"},
    {"bench", "measurements"}};

// The placeholder the usage line gives an option ("--state DIR" -> "DIR"), else VALUE.
std::string placeholder(const gh::cli::Command& c, const std::string& option) {
  const std::string key = "--" + option + " ";
  size_t at = c.usage.find(key);
  if (at == std::string::npos) return "VALUE";
  size_t from = at + key.size(), to = from;
  while (to < c.usage.size() && c.usage[to] != ' ' && c.usage[to] != ']' && c.usage[to] != ')')
    ++to;
  std::string word = c.usage.substr(from, to - from);
  return word.empty() || word[0] == '-' ? "VALUE" : word;
}

void print_help(const gh::cli::Command& c) {
  std::cout << "usage: gatehouse " << c.usage << "\n\n" << c.summary << "\n";
  if (!c.options.empty()) std::cout << "\noptions:\n";
  for (const auto& o : c.options) {
    std::string left = "  --" + o.name + (o.takes_value ? " " + placeholder(c, o.name) : "");
    if (left.size() < 28) left.resize(28, ' ');
    std::cout << left << " " << o.help << (o.repeatable ? " (repeatable)" : "") << "\n";
  }
  if (!c.example.empty()) std::cout << "\nexample:\n  " << c.example << "\n";
}

// The commands of every role (prefix empty) or of one ("site "), grouped by role.
void print_overview(std::ostream& out, const std::string& prefix) {
  const std::string role = prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1);
  out << "usage: gatehouse " << (role.empty() ? "<role>" : role) << " <command> [options]\n";
  for (const auto& [name, what] : kRoles) {
    if (!role.empty() && name != role) continue;
    out << "\n" << name << ": " << what << "\n";
    for (const auto& c : gh::cli::commands()) {
      if (c.path.rfind(name + " ", 0) != 0 || c.internal) continue;
      std::string left = "  " + c.path;
      if (left.size() < 28) left.resize(28, ' ');
      out << left << " " << c.summary << "\n";
    }
  }
  out << "\n'gatehouse " << (role.empty() ? "<role> " : role + " ")
      << "<command> --help' explains one command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (const char* lvl = std::getenv("GATEHOUSE_LOG")) {
    gh::log::Level l;
    if (gh::log::parse_level(lvl, &l)) gh::log::set_level(l);
  }
  if (args.empty()) {
    print_overview(std::cerr, "");
    return gh::cli::kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_overview(std::cout, "");
    return 0;
  }
  if (args[0] == "--version") {
    std::cout << "gatehouse 0.1.0\n";
    return 0;
  }
  bool json = false;
  for (const auto& a : args) json = json || a == "--json";
  gh::cli::set_json_errors(json);
  size_t best_words = 0;
  const gh::cli::Command* best = gh::cli::find_command(args, &best_words);
  if (!best) {
    bool role_known = false;
    for (const auto& c : gh::cli::commands())
      role_known = role_known || c.path.rfind(args[0] + " ", 0) == 0;
    if (role_known && (args.size() == 1 || args[1] == "--help" || args[1] == "-h")) {
      const bool asked = args.size() > 1;
      print_overview(asked ? std::cout : std::cerr, args[0] + " ");
      return asked ? 0 : gh::cli::kExitUsage;
    }
    return gh::cli::fail(gh::make_error(
        "usage", "unknown command '" + args[0] +
                     (args.size() > 1 && role_known ? " " + args[1] : "") + "' (see gatehouse " +
                     (role_known ? args[0] + " " : "") + "--help)"));
  }
  std::vector<std::string> rest(args.begin() + static_cast<long>(best_words), args.end());
  for (const auto& a : rest)
    if (a == "--help" || a == "-h") {
      print_help(*best);
      return 0;
    }
  auto parsed = gh::cli::Args::parse(rest, best->options);
  if (!parsed) {
    int rc = gh::cli::fail(gh::make_error("usage", parsed.error().message));
    if (!json) std::cerr << "usage: gatehouse " << best->usage << "\n";
    return rc;
  }
  return best->run(*parsed);
}
