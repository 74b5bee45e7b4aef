// MUD files (codec/mud.h, RFC 8520): fetched from a URL a device announces, so anyone who can
// announce one chooses the bytes. Read strictly and in legacy mode; a file that validates is
// compiled into nft rules (proto/mud_nft.h), each of which must stay one rule on one line whose
// only free text from the file is inside its closing comment "..."; the address prefixes it pastes
// into rules must be prefixes.
#include "codec/mud.h"

#include <arpa/inet.h>

#include "codec/mud_file.h"
#include "fuzz_util.h"
#include "proto/mud_nft.h"

namespace {

void check_rule(const std::string& rule) {
  gh::fuzz::check(rule.find_first_of("\n\r") == std::string::npos);
  size_t at = rule.find(" comment \"");
  gh::fuzz::check(rule.substr(0, at).find_first_of(";#") == std::string::npos);
  if (at == std::string::npos) return;
  std::string_view comment = std::string_view(rule).substr(at + 10);
  gh::fuzz::check(comment.size() >= 1 && comment.back() == '"' &&
                  comment.find('"') == comment.size() - 1);
}

// "address/length" of either family, as an nft rule can take it.
bool is_prefix(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash + 1 == text.size() || slash + 4 < text.size())
    return false;
  std::string address = text.substr(0, slash), length = text.substr(slash + 1);
  if (length.find_first_not_of("0123456789") != std::string::npos) return false;
  unsigned char buf[16];
  if (::inet_pton(AF_INET, address.c_str(), buf) == 1) return std::stoi(length) <= 32;
  return ::inet_pton(AF_INET6, address.c_str(), buf) == 1 && std::stoi(length) <= 128;
}

void compile(const gh::codec::mud::File& file) {
  for (const auto& [name, acl] : file.acls)
    for (const auto& ace : acl.aces) {
      if (!ace.dst_network.empty()) gh::fuzz::check(is_prefix(ace.dst_network));
      if (!ace.src_network.empty()) gh::fuzz::check(is_prefix(ace.src_network));
    }
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
