// gatehouse site policy set|show|check: the site's authorization policy.
#include <iostream>
#include <set>

#include "cli/cmds.h"
#include "cli/output.h"
#include "common/fs.h"
#include "svc/site/assets.h"
#include "svc/site/device_view.h"
#include "svc/site/policy_store.h"
#include "svc/site/site.h"

namespace gh::cli {

int site_policy_set(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1) return fail(make_error("usage", "site policy set takes one FILE"));
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto st = svc::PolicyStore::install(*state, a.positional[0], (*site)->inventory());
  if (!st) return fail(st.error());
  std::cout << "policy installed: " << svc::PolicyStore::path(*state) << "\n";
  return kExitOk;
}

int site_policy_show(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto text = fs::read_file_limited(svc::PolicyStore::path(*state), proto::policy::kMaxPolicyBytes,
                                    "policy.size");
  if (!text && text.error().code == "policy.size") return fail(text.error());
  if (!text) {
    std::cout << "# no policy file: the built-in policy (allow; the protocols' own checks apply)\n";
    return kExitOk;
  }
  std::cout << *text;
  return kExitOk;
}

int site_policy_check(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1)
    return fail(make_error("usage", "site policy check takes one SERIAL"));
  std::string protocol = a.get("protocol", "brski");
  if (protocol != "brski" && protocol != "dpp" && protocol != "connect")
    return fail(make_error("usage", "--protocol takes brski, dpp or connect"));
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  svc::PolicyStore store(*state);
  auto j = svc::policy_check_json(**site, store, a.positional[0], protocol);
  if (!j) return fail(j.error());
  if (a.has("json")) {
    print_json(*j);
  } else {
    std::cout << (*j)["serial"].get<std::string>() << ": " << (*j)["decision"].get<std::string>()
              << ", segment " << (*j)["segment"].get<std::string>() << " (rule '"
              << (*j)["rule"].get<std::string>() << "' of " << (*j)["policy"].get<std::string>()
              << ")\n";
  }
  return kExitOk;
}

}  // namespace gh::cli

namespace gh::cli {

// site quarantine / site release: a device's network access cut to the onboarding segment (the
// router agent applies it within its interval and drops the device's open connections), and back.
namespace {
int set_quarantine(const Args& a, bool quarantine) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1) return fail(make_error("usage", "takes one SERIAL"));
  const std::string& serial = a.positional[0];
  std::string reason = a.get("reason");
  if (quarantine && reason.empty())
    return fail(make_error("usage", "site quarantine needs --reason TEXT"));
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto rec = (*site)->inventory().get(serial);
  if (!rec) return fail(rec.error());
  if (!*rec) return fail(make_error("inventory.unknown", serial + " is not in the inventory"));
  const std::string& now = (*rec)->state;
  if (quarantine && now == "quarantined")
    return fail(make_error("device.state", serial + " is already quarantined"));
  if (!quarantine && now != "quarantined")
    return fail(make_error("device.state", serial + " is not quarantined (" + now + ")"));
  std::string next = quarantine ? "quarantined" : "onboarded";
  auto st = (*site)->inventory().transition(
      serial, quarantine ? store::Transition::kQuarantine : store::Transition::kRelease,
      store::Actor::kOperator,
      store::Event{0, 0, serial, quarantine ? "device.quarantine" : "device.release", "ok",
                   quarantine ? reason : "released",
                   Json{{"from", now}, {"reason", reason}}.dump()});
  if (!st) return fail(st.error());
  std::cout << serial << ": " << now << " -> " << next << "\n";
  return kExitOk;
}
}  // namespace

int site_quarantine(const Args& a) {
  return set_quarantine(a, true);
}
int site_release(const Args& a) {
  return set_quarantine(a, false);
}

int site_revoke(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1) return fail(make_error("usage", "takes one SERIAL"));
  std::string reason = a.get("reason");
  if (reason.empty()) return fail(make_error("usage", "site revoke needs --reason TEXT"));
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  Status st = (*site)->revoke(a.positional[0], reason);
  if (!st) return fail(st.error());
  std::cout << a.positional[0] << ": revoked; CRL written to " << (*site)->crl_path() << "\n";
  return kExitOk;
}

int site_crl(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto pem = (*site)->publish_crl();
  if (!pem) return fail(pem.error());
  std::cout << *pem;
  return kExitOk;
}

int site_server_cert(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto cert = required(a, "cert");
  if (!cert) return fail(cert.error());
  auto key = required(a, "key");
  if (!key) return fail(key.error());
  auto names = a.all("name");
  if (names.empty()) return fail(make_error("usage", "site server-cert needs --name DNS"));
  auto days = a.get_int("days", 365);
  if (!days) return fail(days.error());
  if (*days < 1) return fail(make_error("usage", "--days must be at least 1"));
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  Status st = (*site)->issue_server_certificate(names, *cert, *key, int64_t{*days} * 86400);
  if (!st) return fail(st.error());
  std::cout << "server certificate for " << names.front() << " written to " << *cert << "\n";
  return kExitOk;
}

}  // namespace gh::cli

namespace gh::cli {

namespace {
// The kinds of problem the asset check reports (its lists), in the order it prints them.
const std::vector<std::pair<const char*, const char*>> kAssetKinds = {
    {"unknown", "unknown devices"},
    {"not_onboarded_seen", "expected devices on the network, not onboarded"},
    {"onboarded_not_seen", "onboarded devices not seen"},
    {"address_drift", "address drift"},
    {"mud_violations", "MUD violations (dropped traffic)"},
    {"mud_url_mismatches", "MUD URLs announced that differ from the enforced one"},
    {"unsupported", "devices whose MUD file says they are no longer supported"},
    {"onboarded_not_connected", "onboarded devices without an admitted 802.1X session"},
    {"sessions_not_admitted", "802.1X sessions not admitted (the check that failed)"},
    {"authentication_failures", "recent 802.1X refusals"}};

// --fail-on KINDS: a comma list of kinds, "any" (the default) or "none".
Result<std::set<std::string>> fail_on(const Args& a) {
  std::set<std::string> out;
  const std::string text = a.get("fail-on", "any");
  for (size_t at = 0; at <= text.size();) {
    size_t comma = std::min(text.find(',', at), text.size());
    std::string k = text.substr(at, comma - at);
    at = comma + 1;
    if (k.empty()) continue;
    if (k == "none") continue;
    if (k == "any") {
      for (const auto& [kind, title] : kAssetKinds) out.insert(kind);
      continue;
    }
    bool known = false;
    for (const auto& [kind, title] : kAssetKinds) known = known || k == kind;
    if (!known) {
      std::string all;
      for (const auto& [kind, title] : kAssetKinds)
        all += std::string(all.empty() ? "" : ", ") + kind;
      return make_error("usage", "--fail-on: no kind '" + k + "' (any, none, or of: " + all + ")");
    }
    out.insert(k);
  }
  return out;
}
}  // namespace

int site_assets_check(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto failing = fail_on(a);
  if (!failing) return fail(failing.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto r = svc::assets_check(**site);
  if (!r) return fail(r.error());
  const Json& j = *r;
  if (a.has("json")) {
    print_json(j);
  } else {
    std::cout << "router view of " << j["router_view_at"].get<std::string>() << "\n";
    for (const auto& [key, title] : kAssetKinds) {
      const Json& list = j.contains(key) ? j[key] : Json::array();
      std::cout << title << ": " << list.size() << "\n";
      for (const auto& e : list) std::cout << "  " << terminal_safe(e.dump()) << "\n";
    }
  }
  // Exit 1 when a problem of a kind --fail-on names was found: a script or a timer can act on it.
  std::string found;
  for (const auto& [key, title] : kAssetKinds)
    if (failing->count(key) && j.contains(key) && !j[key].empty())
      found += (found.empty() ? "" : ", ") + std::string(key) + " (" +
               std::to_string(j[key].size()) + ")";
  if (!found.empty()) return fail(make_error("assets.problems", "the asset check found " + found));
  return kExitOk;
}

}  // namespace gh::cli
