// gatehouse site ...: the network owner's side.
#include <iostream>

#include "cli/cmds.h"
#include "cli/output.h"
#include "common/fs.h"
#include "crypto/x509.h"
#include "proto/policy.h"
#include "svc/common/role.h"
#include "svc/site/device_view.h"
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
  // A bundle of thousands of devices takes a while to verify: progress on a terminal's stderr,
  // cleared before the result is printed.
  Progress progress;
  auto r = (*site)->import_bundle(a.positional[0], anchor, progress.fn());
  progress.done();
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
  auto masa_url = https_url(a, "masa-url");
  if (!masa_url) return fail(masa_url.error());
  auto pem = fs::read_file_limited(a.positional[0], crypto::kMaxPemFileBytes, "cert.size");
  if (!pem) return fail(pem.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto anchor = (*site)->trust_manufacturer(*pem, *masa_url);
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
  if (list->empty()) {
    std::cout << "no devices (site import BUNDLE expects them)\n";
    return kExitOk;
  }
  Table t({"serial", "model", "manufacturer", "state", "updated"});
  for (const auto& d : *list)
    t.add({d.serial, d.model, d.manufacturer, d.state, readable_time(d.updated_at)});
  t.print(std::cout);
  return kExitOk;
}

namespace {

// Which events `site events` shows: --serial, --since, --kind (a glob, or else a prefix).
struct EventFilter {
  std::string serial;
  time::Seconds since = 0;
  std::vector<std::string> kinds;
  bool matches(const store::Event& e) const {
    if (e.at < since) return false;
    if (kinds.empty()) return true;
    for (const auto& k : kinds) {
      bool glob = k.find_first_of("*?") != std::string::npos;
      if (glob ? proto::policy::glob_match(k, e.kind) : e.kind.rfind(k, 0) == 0) return true;
    }
    return false;
  }
};

std::vector<std::string> event_row(const store::Event& e) {
  return {readable_time(e.at), e.serial, e.kind, e.outcome, e.reason};
}

const std::vector<std::string> kEventHeader = {"time", "serial", "kind", "outcome", "reason"};

}  // namespace

int site_events(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  EventFilter filter;
  filter.serial = a.get("serial");
  if (a.has("since")) {
    auto t = parse_since(a.get("since"), time::now());
    if (!t) return fail(t.error());
    filter.since = *t;
  }
  for (const auto& k : a.all("kind"))
    for (size_t at = 0; at <= k.size();) {
      size_t comma = std::min(k.find(',', at), k.size());
      if (comma > at) filter.kinds.push_back(k.substr(at, comma - at));
      at = comma + 1;
    }
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto& inventory = (*site)->inventory();
  auto events = inventory.events(filter.serial);
  if (!events) return fail(events.error());
  if (!filter.serial.empty() && events->empty()) {
    // A serial the site has never heard of (one it refused is in the log, though not expected).
    auto rec = inventory.get(filter.serial);
    if (!rec) return fail(rec.error());
    if (!*rec)
      return fail(make_error("inventory.unknown", filter.serial +
                                                      " is not in the inventory and no event "
                                                      "names it"));
  }
  const bool json = a.has("json");
  std::vector<store::Event> shown;
  for (auto& e : *events)
    if (filter.matches(e)) shown.push_back(std::move(e));
  if (!a.has("follow")) return print_events(shown, json);

  // --follow: what there is, then each new entry as it is appended (polled as the API's feed
  // is), one line each (with --json one object a line), until SIGINT or SIGTERM.
  int64_t last = events->empty() ? 0 : events->back().id;
  Table table(kEventHeader);
  if (json) {
    for (const auto& e : shown) std::cout << svc::event_json(e).dump() << "\n";
  } else {
    for (const auto& e : shown) table.add(event_row(e));
    table.print(std::cout);
  }
  std::cout << std::flush;
  while (!svc::wait_for_stop_signal_for(500)) {
    auto more = inventory.events(filter.serial);
    if (!more) return fail(more.error());
    for (const auto& e : *more) {
      if (e.id <= last) continue;
      last = e.id;
      if (!filter.matches(e)) continue;
      if (json)
        std::cout << svc::event_json(e).dump() << "\n";
      else
        table.print_row(std::cout, event_row(e));
    }
    std::cout << std::flush;
  }
  return kExitOk;
}

int print_events(const std::vector<store::Event>& events, bool json) {
  if (json) {
    Json arr = Json::array();
    for (const auto& e : events) arr.push_back(svc::event_json(e));
    print_json(arr);
    return kExitOk;
  }
  if (events.empty()) {
    std::cout << "no events\n";
    return kExitOk;
  }
  Table t(kEventHeader);
  for (const auto& e : events) t.add(event_row(e));
  t.print(std::cout);
  return kExitOk;
}

}  // namespace gh::cli
