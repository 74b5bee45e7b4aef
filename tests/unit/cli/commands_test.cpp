// The command table explains itself (issue 17, item 4): every command a person runs has an
// example in its --help, and the example is a command line the CLI accepts: it names that very
// command, and its arguments parse against the command's options with the parser main() uses
// (unknown options, missing values and values given to flags are refused). The command is not run.
#include <gtest/gtest.h>

#include <set>

#include "cli/args.h"

namespace gh::cli {
namespace {

// Splits a command line into words as a POSIX shell does for what the examples use: blanks
// between words, '...' taken literally, "..." with \ escaping " \ $ `.
Result<std::vector<std::string>> shell_words(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t') {
      if (in_word) out.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      const size_t end = line.find('\'', i + 1);
      if (end == std::string::npos) return make_error("quote", "unterminated ' in: " + line);
      word += line.substr(i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      for (++i;; ++i) {
        if (i >= line.size()) return make_error("quote", "unterminated \" in: " + line);
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size() &&
            std::string("\"\\$`").find(line[i + 1]) != std::string::npos)
          ++i;
        word += line[i];
      }
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
    } else {
      word += c;
    }
  }
  if (in_word) out.push_back(word);
  return out;
}

// What a command's example must be. Error codes: example.missing, example.quote,
// example.command, example.usage (the option parser's refusal).
Status check_example(const Command& c) {
  if (c.example.empty()) return make_error("example.missing", c.path + ": no example");
  auto words = shell_words(c.example);
  if (!words) return make_error("example.quote", words.error().message);
  const std::string start = "gatehouse " + c.path;
  if (c.example.rfind(start, 0) != 0 ||
      (c.example.size() > start.size() && c.example[start.size()] != ' '))
    return make_error("example.command", "'" + c.example + "' does not start with '" + start + "'");
  const std::vector<std::string> argv(words->begin() + 1, words->end());
  size_t taken = 0;
  const Command* named = find_command(argv, &taken);
  if (!named || named->path != c.path)
    return make_error("example.command", "'" + c.example + "' runs " +
                                             (named ? "'" + named->path + "'" : "no command"));
  const std::vector<std::string> rest(argv.begin() + static_cast<long>(taken), argv.end());
  for (const auto& a : rest)
    if (a == "--help" || a == "-h")
      return make_error("example.command", "'" + c.example + "' only asks for help");
  auto parsed = Args::parse(rest, c.options);
  if (!parsed) return make_error("example.usage", "'" + c.example + "': " + parsed.error().message);
  return {};
}

TEST(CommandExamples, EveryCommandAPersonRunsHasOneThatParses) {
  size_t checked = 0;
  for (const auto& c : commands()) {
    if (c.internal) continue;
    SCOPED_TRACE(c.path);
    Status st = check_example(c);
    EXPECT_TRUE(st.ok()) << st.error().str();
    ++checked;
  }
  // (the table is not empty, and the internal commands are the exception)
  EXPECT_GT(checked, 70u);
}

TEST(CommandExamples, TheInternalCommandsAreTheOnesOtherProcessesRun) {
  std::set<std::string> internal;
  for (const auto& c : commands())
    if (c.internal) internal.insert(c.path);
  EXPECT_EQ(internal, (std::set<std::string>{"router authenticator-port", "router dhcp-event"}));
}

TEST(CommandExamples, EveryPathIsFoundByItsOwnWords) {
  std::set<std::string> seen;
  for (const auto& c : commands()) {
    SCOPED_TRACE(c.path);
    EXPECT_TRUE(seen.insert(c.path).second) << "twice in the table";
    auto words = shell_words(c.path);
    ASSERT_TRUE(words.ok());
    size_t taken = 0;
    EXPECT_EQ(find_command(*words, &taken), &c);
    EXPECT_EQ(taken, words->size());
  }
  size_t taken = 7;
  EXPECT_EQ(find_command({"site", "nothing"}, &taken), nullptr);
  EXPECT_EQ(taken, 0u);
}

// The check itself refuses what a stale example would be.
class StaleExample : public ::testing::Test {
 protected:
  // A command of the table whose options include a flag (--json) and a value (--state).
  Command site_devices() const {
    for (const auto& c : commands())
      if (c.path == "site devices") return c;
    ADD_FAILURE() << "no 'site devices' command";
    return {};
  }
  Error refusal(const std::string& example) const {
    Command c = site_devices();
    c.example = example;
    Status st = check_example(c);
    EXPECT_FALSE(st.ok()) << example;
    return st.ok() ? Error{} : st.error();
  }
};

TEST_F(StaleExample, Missing) {
  EXPECT_EQ(refusal("").code, "example.missing");
}

// The option parser's refusals, each named in the message.
TEST_F(StaleExample, OptionsTheParserRefuses) {
  const struct {
    const char* example;
    const char* says;
  } cases[] = {
      {"gatehouse site devices --state /var/lib/gatehouse/site --all", "unknown option --all"},
      {"gatehouse site devices --json --state", "--state needs a value"},
      {"gatehouse site devices --state /var/lib/gatehouse/site --json=yes",
       "--json takes no value"},
      {"gatehouse site devices --state a --state b", "--state given twice"},
  };
  for (const auto& c : cases) {
    Error e = refusal(c.example);
    EXPECT_EQ(e.code, "example.usage") << c.example;
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.message;
  }
}

TEST_F(StaleExample, AnotherCommand) {
  EXPECT_EQ(refusal("gatehouse site device --state /var/lib/gatehouse/site").code,
            "example.command");
  EXPECT_EQ(refusal("gatehouse site events --state /var/lib/gatehouse/site").code,
            "example.command");
  EXPECT_EQ(refusal("site devices --state /var/lib/gatehouse/site").code, "example.command");
  // A longer command whose path begins with this one's.
  Error e = refusal("gatehouse site devices show --state /var/lib/gatehouse/site ACMESE-00000001");
  EXPECT_EQ(e.code, "example.command");
  EXPECT_NE(e.message.find("runs 'site devices show'"), std::string::npos) << e.message;
}

TEST_F(StaleExample, OnlyHelp) {
  EXPECT_EQ(refusal("gatehouse site devices --help").code, "example.command");
}

TEST_F(StaleExample, UnbalancedQuote) {
  EXPECT_EQ(refusal("gatehouse site devices --state '/var/lib/gatehouse/site").code,
            "example.quote");
}

TEST(ShellWords, QuotesAsAShellReadsThem) {
  auto w = shell_words(R"(gatehouse  x --name 'Acme Sensors' "DPP:K:a;;" --kind 'brski.*' a\ b)");
  ASSERT_TRUE(w.ok()) << w.error().str();
  EXPECT_EQ(*w, (std::vector<std::string>{"gatehouse", "x", "--name", "Acme Sensors", "DPP:K:a;;",
                                          "--kind", "brski.*", "a b"}));
  auto e = shell_words(R"(a "b\"c" '')");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, (std::vector<std::string>{"a", "b\"c", ""}));
}

}  // namespace
}  // namespace gh::cli
