// gatehouse mud check FILE [--legacy] [--json]: validate a MUD file offline and print the nftables
// rules it compiles to (without applying them).
#include <iostream>

#include "cli/cmds.h"
#include "codec/mud.h"
#include "common/fs.h"
#include "common/time.h"
#include "proto/mud_nft.h"
#include "svc/site/mud_manager.h"
#include "svc/site/policy_store.h"

namespace gh::cli {

int mud_check(const Args& a) {
  if (a.positional.size() != 1) return fail(make_error("usage", "mud check takes one FILE"));
  const std::string& path = a.positional[0];
  auto text = fs::read_file_limited(path, codec::mud::kMaxMudBytes, "mud.size");
  if (!text) return fail(text.error());
  codec::mud::Options o;
  o.legacy = a.has("legacy");
  std::vector<codec::mud::Problem> problems;
  auto file = codec::mud::parse(*text, o, &problems);
  auto to_json = [](const std::vector<codec::mud::Problem>& ps) {
    Json arr = Json::array();
    for (const auto& p : ps)
      arr.push_back({{"path", p.path}, {"code", p.code}, {"message", p.message}});
    return arr;
  };
  if (!problems.empty()) {
    if (a.has("json")) {
      print_json(Json{
          {"valid", false}, {"problems", to_json(problems)}, {"warnings", to_json(file.warnings)}});
    } else {
      for (const auto& p : problems)
        std::cout << p.path << ": " << p.message << " [" << p.code << "]\n";
    }
    return fail(make_error("mud.invalid", path + ": " + std::to_string(problems.size()) +
                                              " problem(s), " + problems[0].code + " first"));
  }
  auto compiled = proto::mud::compile(file, "dev");
  std::string script = proto::mud::standalone_script(compiled, "gh_mud_check");
  if (a.has("json")) {
    Json sets = Json::array();
    for (const auto& s : compiled.sets)
      sets.push_back({{"name", s.name}, {"family", s.family}, {"kind", s.kind}, {"key", s.key}});
    print_json(Json{{"valid", true},
                    {"mud-url", file.mud_url},
                    {"problems", Json::array()},
                    {"warnings", to_json(file.warnings)},
                    {"needs-approval", file.has_ip_literals},
                    {"sets", sets},
                    {"from-device", compiled.from_rules},
                    {"to-device", compiled.to_rules},
                    {"nft", script}});
    return kExitOk;
  }
  std::cout << "# " << path << ": valid MUD file for " << file.mud_url << "\n";
  for (const auto& w : file.warnings)
    std::cout << "# warning: " << w.path << ": " << w.message << " [" << w.code << "]\n";
  if (file.has_ip_literals)
    std::cout << "# needs an administrator's approval before it is applied (address literals)\n";
  std::cout << "# the rules for one device ('dev'); the sets are filled by the MUD manager\n"
            << script;
  return kExitOk;
}

int site_mud_assign(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 2)
    return fail(make_error("usage", "site mud assign takes SERIAL and URL"));
  const std::string &serial = a.positional[0], &url = a.positional[1];
  if (std::string why = codec::mud::url_problem(url); !why.empty())
    return fail(make_error("mud.url", url + ": " + why));
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto r = (*site)->inventory().claim_mud_url(serial, url, "operator");
  if (!r) return fail(r.error());
  if (*r == store::MudClaim::kConflicts)
    return fail(make_error("mud.url-conflict",
                           serial + "'s birth credentials name another MUD URL, which stays"));
  std::cout << serial << ": "
            << (*r == store::MudClaim::kConfirms ? "already its birth credentials' MUD URL"
                : *r == store::MudClaim::kRecorded
                    ? "MUD URL recorded; the site verifies the file (site mud show --fetch now)"
                    : "that MUD URL is already recorded")
            << "\n";
  return kExitOk;
}

int site_mud_show(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1) return fail(make_error("usage", "site mud show takes one SERIAL"));
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto rec = (*site)->inventory().get(a.positional[0]);
  if (!rec) return fail(rec.error());
  if (!*rec)
    return fail(make_error("inventory.unknown", a.positional[0] + " is not in the inventory"));
  if ((*rec)->mud_url.empty() && (*rec)->mud_url_claimed_status == "pending" && a.has("fetch")) {
    svc::MudManager m(**site);
    if (auto st = m.judge_claim(**rec); !st) return fail(st.error());
    rec = (*site)->inventory().get(a.positional[0]);
    if (!rec || !*rec) return fail(make_error("inventory.unknown", a.positional[0] + " is gone"));
  }
  const std::string url = (*rec)->enforced_mud_url();
  if (url.empty()) {
    if (!(*rec)->mud_url_claimed.empty())
      return fail(make_error(
          "mud.claim-" + (*rec)->mud_url_claimed_status,
          a.positional[0] + " has the claimed MUD URL " + (*rec)->mud_url_claimed + " (from " +
              (*rec)->mud_url_claimed_source + "), " + (*rec)->mud_url_claimed_status +
              " (site events says why; --fetch verifies a pending one now)"));
    return fail(make_error("mud.none", a.positional[0] + " has no MUD URL"));
  }
  std::optional<svc::MudCopy> copy;
  if (a.has("fetch")) {
    svc::MudManager m(**site);
    auto c = m.fetch(url, a.positional[0]);
    if (!c) return fail(c.error());
    copy = std::move(*c);
  } else {
    auto c = svc::MudManager::cached(*state, url);
    if (!c) return fail(c.error());
    if (!*c)
      return fail(make_error("mud.not-fetched", "no verified copy of " + url +
                                                    " yet (the site fetches it once the device is "
                                                    "onboarded; --fetch fetches now)"));
    copy = std::move(**c);
  }
  // Under the chain names the router gives this MUD file (shared by every device declaring it).
  auto compiled = proto::mud::compile(copy->file, proto::mud::policy_chain_id(url));
  // With the site's local overlay, as the router applies it.
  svc::PolicyStore policy(*state);
  proto::mud::apply_overlay(compiled, url, policy.current(nullptr).overlay);
  if (a.has("json")) {
    print_json(Json{{"serial", a.positional[0]},
                    {"mud-url", url},
                    {"signer", copy->signer},
                    {"fetched-at", time::format_rfc3339(copy->fetched_at)},
                    {"from-device", compiled.from_rules},
                    {"to-device", compiled.to_rules}});
    return kExitOk;
  }
  std::cout << "# " << a.positional[0] << ": " << url << ", signed by " << copy->signer
            << ", fetched " << time::format_rfc3339(copy->fetched_at) << "\n"
            << proto::mud::standalone_script(compiled, "gh_mud_show");
  return kExitOk;
}

}  // namespace gh::cli
