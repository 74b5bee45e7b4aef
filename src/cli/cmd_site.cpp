// gatehouse site ...: the network owner's side.
#include <iostream>

#include "cli/cmds.h"
#include "common/fs.h"
#include "crypto/x509.h"
#include "svc/site/site.h"

namespace gh::cli {

int site_init(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto name = required(a, "name");
  if (!name) return fail(name.error());
  svc::SiteInitOptions o{*state, *name, a.all("dns")};
  auto st = svc::Site::init(o);
  if (!st) return fail(st.error());
  std::cout << "site '" << *name << "' initialised in " << *state << "\n"
            << "owner certificate (give it to your suppliers): "
            << fs::join(*state, "domain-ca.pem") << "\n";
  return kExitOk;
}

int site_import(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1) return fail(make_error("usage", "name exactly one BUNDLE file"));
  std::string anchor;
  if (a.has("trust-anchor")) {
    auto t = fs::read_file_limited(a.get("trust-anchor"), crypto::kMaxPemFileBytes, "cert.size");
    if (!t) return fail(t.error().context("--trust-anchor"));
    anchor = *t;
  }
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto r = (*site)->import_bundle(a.positional[0], anchor);
  if (!r) return fail(r.error());
  if (a.has("json")) {
    print_json(Json{{"manufacturer", r->manufacturer},
                    {"bundle", r->bundle_id},
                    {"added", r->counts.added},
                    {"updated", r->counts.updated},
                    {"unchanged", r->counts.unchanged},
                    {"anchor_added", r->anchor_added},
                    {"anchor_sha256", r->anchor_fingerprint}});
    return kExitOk;
  }
  if (r->anchor_added)
    std::cout << "now trusting manufacturer '" << r->manufacturer
              << "' root SHA256:" << r->anchor_fingerprint << "\n";
  std::cout << "imported bundle from " << r->manufacturer << ": " << r->counts.added << " new, "
            << r->counts.updated << " updated, " << r->counts.unchanged
            << " unchanged device(s) expected\n";
  return kExitOk;
}

int site_trust_add(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1) return fail(make_error("usage", "name exactly one ROOT.pem file"));
  auto pem = fs::read_file_limited(a.positional[0], crypto::kMaxPemFileBytes, "cert.size");
  if (!pem) return fail(pem.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto anchor = (*site)->trust_manufacturer(*pem, a.get("masa-url"));
  if (!anchor) return fail(anchor.error());
  std::cout << "trusting manufacturer '" << anchor->name << "' root SHA256:" << anchor->fingerprint
            << (anchor->masa_url.empty() ? ""
                                         : "; MASA for IDevIDs without one: " + anchor->masa_url)
            << "\n";
  return kExitOk;
}

int site_devices(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto list = (*site)->inventory().list();
  if (!list) return fail(list.error());
  if (a.has("json")) {
    Json arr = Json::array();
    for (const auto& d : *list)
      arr.push_back(Json{{"serial", d.serial},
                         {"model", d.model},
                         {"manufacturer", d.manufacturer},
                         {"state", d.state},
                         {"mud_url", d.mud_url},
                         {"mud_url_enforced", d.enforced_mud_url()},
                         {"mud_url_claimed", d.mud_url_claimed.empty()
                                                 ? Json()
                                                 : Json{{"url", d.mud_url_claimed},
                                                        {"source", d.mud_url_claimed_source},
                                                        {"status", d.mud_url_claimed_status}}},
                         {"dpp_uri", d.dpp_uri},
                         {"declaration_version", d.declaration_version},
                         {"bundle", d.bundle_id},
                         {"app_status", d.app_status},
                         {"app_path", d.app_path},
                         {"app_version", d.app_version},
                         {"updated_at", time::format_rfc3339(d.updated_at)}});
    print_json(arr);
    return kExitOk;
  }
  if (list->empty()) std::cout << "no devices\n";
  for (const auto& d : *list)
    std::cout << d.serial << "  " << d.model << "  " << d.manufacturer << "  " << d.state << "\n";
  return kExitOk;
}

int site_events(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto events = (*site)->inventory().events(a.get("serial"));
  if (!events) return fail(events.error());
  return print_events(*events, a.has("json"));
}

int print_events(const std::vector<store::Event>& events, bool json) {
  if (json) {
    Json arr = Json::array();
    for (const auto& e : events) {
      auto detail = parse_json(e.detail, "detail");
      arr.push_back(Json{{"id", e.id},
                         {"at", time::format_rfc3339(e.at)},
                         {"serial", e.serial},
                         {"kind", e.kind},
                         {"outcome", e.outcome},
                         {"reason", e.reason},
                         {"detail", detail ? *detail : Json(e.detail)}});
    }
    print_json(arr);
    return kExitOk;
  }
  for (const auto& e : events)
    std::cout << time::format_rfc3339(e.at) << "  " << (e.serial.empty() ? "-" : e.serial) << "  "
              << e.kind << "  " << e.outcome << "  " << e.reason << "\n";
  return kExitOk;
}

}  // namespace gh::cli
