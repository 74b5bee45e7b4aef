// MUD files (codec/mud.h, RFC 8520): fetched from a URL a device announces, so anyone who can
// announce one chooses the bytes. Read strictly and in legacy mode; a file that validates is
// compiled into nft rules (proto/mud_nft.h), each of which must stay one rule on one line whose
// only text from the file is inside its closing comment "...".
#include "codec/mud.h"

#include "codec/mud_file.h"
#include "fuzz_util.h"
#include "proto/mud_nft.h"

namespace {

void check_rule(const std::string& rule) {
  gh::fuzz::check(rule.find_first_of("\n\r") == std::string::npos);
  size_t at = rule.find(" comment \"");
  if (at == std::string::npos) return;
  std::string_view comment = std::string_view(rule).substr(at + 10);
  gh::fuzz::check(comment.size() >= 1 && comment.back() == '"' &&
                  comment.find('"') == comment.size() - 1);
}

void compile(const gh::codec::mud::File& file) {
  auto c = gh::proto::mud::compile(file, "m0123456789", true);
  for (const auto* rules : {&c.from_rules, &c.to_rules})
    for (const auto& r : *rules) check_rule(r);
  for (const auto& set : c.sets) (void)gh::proto::mud::set_declaration(set, {});
  (void)gh::proto::mud::standalone_script(c, "gh_fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = gh::fuzz::text(data, size);
  for (bool legacy : {false, true}) {
    std::vector<gh::codec::mud::Problem> problems;
    auto file = gh::codec::mud::parse(text, {legacy}, &problems);
    if (problems.empty()) compile(file);
  }
  auto strict = gh::codec::mud::parse_strict(text);
  auto summary = gh::codec::check_mud_file(text);
  gh::fuzz::check(strict.ok() == summary.ok());
  return 0;
}
