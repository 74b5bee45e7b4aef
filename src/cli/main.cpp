// gatehouse: one binary, a subcommand per role (ARCHITECTURE section 1).
#include <iostream>

#include "cli/args.h"
#include "common/log.h"

namespace {

void print_help(const gh::cli::Command& c) {
  std::cout << "usage: gatehouse " << c.usage << "\n\n" << c.summary << "\n";
  if (!c.options.empty()) std::cout << "\noptions:\n";
  for (const auto& o : c.options) {
    std::string left = "  --" + o.name + (o.takes_value ? " VALUE" : "");
    if (left.size() < 28) left.resize(28, ' ');
    std::cout << left << " " << o.help << (o.repeatable ? " (repeatable)" : "") << "\n";
  }
}

int print_overview(const std::string& prefix) {
  std::cout << "usage: gatehouse <role> <command> [options]\n\ncommands:\n";
  for (const auto& c : gh::cli::commands()) {
    if (!prefix.empty() && c.path.rfind(prefix, 0) != 0) continue;
    std::string left = "  " + c.path;
    if (left.size() < 26) left.resize(26, ' ');
    std::cout << left << " " << c.summary << "\n";
  }
  std::cout << "\n'gatehouse <role> <command> --help' explains one command.\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (const char* lvl = std::getenv("GATEHOUSE_LOG")) {
    gh::log::Level l;
    if (gh::log::parse_level(lvl, &l)) gh::log::set_level(l);
  }
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help")
    return print_overview("");
  if (args[0] == "--version") {
    std::cout << "gatehouse 0.1.0\n";
    return 0;
  }
  // Longest command path that matches the leading words.
  const gh::cli::Command* best = nullptr;
  size_t best_words = 0;
  for (const auto& c : gh::cli::commands()) {
    std::vector<std::string> words;
    size_t start = 0;
    for (size_t sp; (sp = c.path.find(' ', start)) != std::string::npos; start = sp + 1)
      words.push_back(c.path.substr(start, sp - start));
    words.push_back(c.path.substr(start));
    if (words.size() > args.size()) continue;
    bool match = true;
    for (size_t i = 0; i < words.size(); ++i) match = match && args[i] == words[i];
    if (match && words.size() > best_words) {
      best = &c;
      best_words = words.size();
    }
  }
  if (!best) {
    bool role_known = false;
    for (const auto& c : gh::cli::commands())
      role_known = role_known || c.path.rfind(args[0] + " ", 0) == 0;
    if (role_known && (args.size() == 1 || args[1] == "--help" || args[1] == "-h"))
      return print_overview(args[0] + " ");
    std::cerr << "gatehouse: unknown command '" << args[0]
              << (args.size() > 1 && role_known ? " " + args[1] : "")
              << "' (see gatehouse --help) [usage]\n";
    return gh::cli::kExitUsage;
  }
  std::vector<std::string> rest(args.begin() + static_cast<long>(best_words), args.end());
  for (const auto& a : rest)
    if (a == "--help" || a == "-h") {
      print_help(*best);
      return 0;
    }
  auto parsed = gh::cli::Args::parse(rest, best->options);
  if (!parsed) {
    std::cerr << "gatehouse: " << parsed.error().message << "\nusage: gatehouse " << best->usage
              << " [usage]\n";
    return gh::cli::kExitUsage;
  }
  return best->run(*parsed);
}
