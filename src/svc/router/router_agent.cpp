#include "svc/router/router_agent.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "common/fs.h"
#include "common/log.h"
#include "common/process.h"
#include "common/time.h"
#include "device/image.h"
#include "net/dns.h"
#include "net/nft.h"
#include "proto/mud_nft.h"
#include "proto/policy.h"
#include "store/inventory.h"
#include "svc/common/metrics_http.h"
#include "svc/common/role.h"
#include "svc/router/router_metrics.h"
#include "svc/site/mud_manager.h"

namespace gh::svc {
namespace {

// dnsmasq lease lines: "<expiry> <mac> <ip> <name> <client-id>".
std::map<std::string, std::string> read_leases(const std::string& path) {
  std::map<std::string, std::string> out;
  auto text = fs::read_file(path);
  if (!text) return out;
  std::istringstream in(*text);
  std::string expiry, mac, ip, rest;
  while (in >> expiry >> mac >> ip) {
    std::getline(in, rest);
    out[mac] = ip;
  }
  return out;
}

}  // namespace

std::vector<std::string> DnsCache::get(const std::string& name, bool v6, double now) {
  Entry& e = entries_[{name, v6}];
  e.asked = now;
  if (e.resolved && now < e.expires) return e.addresses;
  auto answer = net::resolve(name, v6);
  e.resolved = true;
  if (!answer) {
    // Keep the last answer and ask again soon.
    if (e.error != answer.error().str()) log::warn("router", answer.error().str());
    e.error = answer.error().str();
    e.expires = now + kRetryS;
    return e.addresses;
  }
  e.error.clear();
  e.addresses = answer->addresses;
  e.expires = now + std::clamp(answer->ttl_s, kMinTtlS, kMaxTtlS);
  return e.addresses;
}

void DnsCache::prune(double now) {
  std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.asked > kMaxTtlS; });
}

proto::router::Frame router_frame(const RouterOptions& o) {
  return proto::router::Frame{o.table, o.upstream_port, o.device_ports, o.onboarding_addr,
                              o.onboarding_ports};
}

Result<RouterView> router_table(const RouterOptions& o, store::Inventory& inv, PolicyStore& policy,
                                const std::vector<EapSession>& sessions, DnsCache* dns) {
  DnsCache fresh;
  if (!dns) dns = &fresh;
  auto leases = read_leases(o.leases);
  const auto pol = policy.current(&inv);  // the overlay and the controllers
  RouterView view;
  auto& t = view.table;
  std::vector<proto::router::Member> members;
  // The quarantine segment reaches the lifecycle service: what the policy names, by default the
  // site's own services (EST re-enrollment among them).
  if (pol.quarantine_reach_set) {
    for (const auto& r : pol.quarantine_reach)
      for (const auto& m : proto::mud::remote_matches(r))
        t.quarantine_rules.push_back(m + " accept comment \"lifecycle " + r.name.substr(0, 80) +
                                     "\"");
  } else {
    t.quarantine_rules.push_back(proto::router::onboarding_services(router_frame(o)) +
                                 " accept comment \"lifecycle: the site's services\"");
  }
  for (const auto& s : sessions) {
    SessionVerdict v = judge_session(inv, policy, s.cert_serial);
    if (!v.admitted && v.check == "device.quarantined")
      t.quarantined.insert(proto::router::station_key(s.port, s.mac));
    if (!v.admitted) continue;
    const std::string& url = v.record.enforced_mud_url();
    if (url.empty()) continue;  // no declared intent: onboarding segment only
    std::string id = proto::mud::policy_chain_id(url);
    if (!t.policies.count(id)) {
      auto copy = MudManager::cached(o.site_state, url);
      if (!copy || !*copy) continue;  // not verified yet: it stays in the onboarding segment
      auto compiled = proto::mud::compile((*copy)->file, id, true);
      proto::mud::apply_overlay(compiled, url, pol.overlay);
      proto::router::add_policy(t, id, compiled);
    }
    std::string key = proto::router::station_key(s.port, s.mac);
    t.from[key] = id;
    t.station_segment[key] = v.segment;
    view.station_owner[key] = v.device;
    auto lease = leases.find(s.mac);
    if (lease != leases.end()) {
      t.to[lease->second] = id;
      t.address_segment[lease->second] = v.segment;
      view.address_owner[lease->second] = v.device;
    }
    members.push_back({url, lease == leases.end() ? "" : lease->second});
  }
  proto::router::fill_abstraction_sets(t, members, pol.controllers, pol.my_controllers);
  const double now = time::monotonic();
  for (auto& [name, set] : t.sets)
    if (set.ref.kind == "dns") set.elements = dns->get(set.ref.key, set.ref.family == "ipv6", now);
  dns->prune(now);
  return view;
}

Result<bool> router_sync(const RouterOptions& o, store::Inventory& inv, PolicyStore& policy,
                         const std::vector<EapSession>& sessions, RouterState* state) {
  RouterView next = TRY(router_table(o, inv, policy, sessions, &state->dns));
  if (state->applied && next.table == state->view.table) {
    state->view = std::move(next);  // owners may change without a rule changing
    return false;
  }
  const proto::router::Frame frame = router_frame(o);
  std::string full = proto::router::full_script(frame, next.table);
  std::string path = o.ruleset_path.empty() ? fs::join(o.site_state, "router.nft") : o.ruleset_path;
  TRY(fs::write_file_atomic(path, full, 0644));
  if (!state->nft) state->nft = TRY(net::NftSession::open());
  // Only what changed, so counters and the per-device drop counts survive; the whole table when
  // nothing is known to be in the kernel yet, or when the change is refused (the table was
  // altered behind the agent's back).
  auto apply = [&](const std::string& mode, const std::string& script) {
    const double start = time::monotonic();
    Status done = state->nft->run(script);
    router_metrics::nft_applied(mode, done.ok(), time::monotonic() - start);
    return done;
  };
  Status st = make_error("router.nft", "no table applied yet");
  if (state->applied)
    st = apply("incremental", proto::router::delta_script(frame, state->view.table, next.table));
  if (!st) {
    if (state->applied)
      log::warn("router", "incremental change refused (" + st.error().message +
                              "), applying the whole table");
    if (Status whole = apply("full", full); !whole)
      return make_error("router.nft", "nft refused the ruleset (" + path + ": " +
                                          whole.error().message +
                                          "); the previous rules stay in place");
  }
  state->applied = true;
  // Established flows are accepted before any device chain: a device that loses its admission
  // (quarantine, revocation, logoff) loses its open connections here, not when they end. A device
  // moved to another segment loses them too (they may cross the new boundary).
  for (const auto& [ip, seg] : state->view.table.address_segment)
    if (auto it = next.table.address_segment.find(ip);
        it == next.table.address_segment.end() || it->second != seg) {
      (void)process::run({"conntrack", "-D", "-s", ip});
      (void)process::run({"conntrack", "-D", "-d", ip});
    }
  state->view = std::move(next);
  return true;
}

void claim_announced(store::Inventory& inv, const std::vector<EapSession>& sessions,
                     const std::map<std::string, DhcpAnnouncement>& dhcp,
                     std::map<std::string, std::string>* offered) {
  // Only the current sessions' credentials are remembered (a device back after a logoff is
  // offered again: confirming or unchanged claims record nothing).
  std::set<std::string> current;
  for (const auto& s : sessions) current.insert(s.cert_serial);
  std::erase_if(*offered, [&](const auto& kv) { return !current.count(kv.first); });
  for (const auto& s : sessions) {
    std::string mac = s.mac;
    std::transform(mac.begin(), mac.end(), mac.begin(), ::tolower);
    auto a = dhcp.find(mac);
    if (a == dhcp.end() || a->second.mud_url.empty()) continue;
    if (!a->second.port.empty() && a->second.port != s.port) continue;  // not this station
    const std::string& url = a->second.mud_url;
    if (auto o = offered->find(s.cert_serial); o != offered->end() && o->second == url) continue;
    auto cred = inv.credential(s.cert_serial);
    if (!cred || !*cred || (*cred)->status != "active") continue;
    const std::string device = (*cred)->device;
    auto r = inv.claim_mud_url(device, url, "dhcp");
    if (!r) {
      log::warn("router", device + ": " + r.error().str());
      continue;
    }
    (*offered)[s.cert_serial] = url;
    const char* what = *r == store::MudClaim::kConfirms ? "the URL of its birth credentials"
                       : *r == store::MudClaim::kConflicts
                           ? "refused: its birth credentials name another"
                       : *r == store::MudClaim::kRecorded ? "recorded, pending verification"
                                                          : "already claimed";
    log::info("router", device + " announced MUD URL " + url + " in DHCP: " + what);
  }
}

Status router_report(const RouterOptions& o, const RouterView& view,
                     const std::vector<EapSession>& sessions, const std::deque<EapEvent>& failures,
                     const std::map<std::string, DhcpAnnouncement>& dhcp) {
  Json leases = Json::array();
  for (const auto& [mac, ip] : read_leases(o.leases)) leases.push_back({{"mac", mac}, {"ip", ip}});
  Json neighbours = Json::array();
  if (auto n = process::run({"ip", "-j", "neigh", "show"}); n && n->exit_status == 0)
    if (auto j = parse_json(n->out, "ip neigh"); j && j->is_array())
      for (const auto& e : *j)
        if (e.contains("lladdr") && e.contains("dst") && e.contains("dev") &&
            proto::policy::glob_match(o.device_ports, e["dev"].get<std::string>()))
          neighbours.push_back({{"mac", e["lladdr"]}, {"ip", e["dst"]}, {"port", e["dev"]}});
  // What each admitted device tried and its MUD file does not allow: the default deny of its
  // chains counts it in a dynamic set, per station (from the device) and per address (to it).
  auto list = [&](const std::string& what, const std::string& name) -> Json {
    auto l = process::run({"nft", "-j", "list", what, "inet", o.table, name});
    if (!l || l->exit_status != 0) return Json::array();
    auto j = parse_json(l->out, "nft");
    return j && j->contains("nftables") ? (*j)["nftables"] : Json::array();
  };
  std::map<std::string, uint64_t> dropped;
  for (const auto& [set, owners] : {std::pair{proto::mud::kDropsFrom, &view.station_owner},
                                    std::pair{proto::mud::kDropsTo4, &view.address_owner}})
    for (const auto& item : list("set", set)) {
      if (!item.contains("set")) continue;
      for (const auto& e : item["set"].value("elem", Json::array())) {
        if (!e.contains("elem")) continue;
        const Json& el = e["elem"];
        std::string key;
        const Json& val = el.value("val", Json());
        if (val.is_string())
          key = val.get<std::string>();
        else if (val.is_object() && val.contains("concat") && val["concat"].size() == 2)
          key = proto::router::station_key(val["concat"][0].get<std::string>(),
                                           val["concat"][1].get<std::string>());
        auto it = owners->find(key);
        if (it == owners->end()) continue;
        dropped[it->second] += el.value("counter", Json::object()).value("packets", uint64_t{0});
      }
    }
  Json drops = Json::object();
  for (const auto& [serial, packets] : dropped) drops[serial] = packets;
  uint64_t segment_drops = 0;
  for (const auto& item : list("chain", "forward")) {
    if (!item.contains("rule")) continue;
    bool logs = false, rejects = false;  // the onboarding segment's rule logs before it rejects
    uint64_t packets = 0;
    for (const auto& e : item["rule"].value("expr", Json::array())) {
      if (e.contains("counter")) packets = e["counter"].value("packets", uint64_t{0});
      logs = logs || e.contains("log");
      rejects = rejects || e.contains("reject");
    }
    if (logs && rejects) segment_drops += packets;
  }
  uint64_t mud_denied = 0;
  for (const auto& [serial, packets] : dropped) mud_denied += packets;
  router_metrics::drops(mud_denied, segment_drops);
  Json auth = Json::array();
  for (const auto& x : sessions)
    auth.push_back({{"port", x.port},
                    {"mac", x.mac},
                    {"certificate_serial", x.cert_serial},
                    {"subject", x.subject},
                    {"since", x.since}});
  Json failed = Json::array();
  for (const auto& f : failures)
    failed.push_back({{"port", f.port},
                      {"mac", f.mac},
                      {"certificate_serial", f.cert_serial},
                      {"reason", f.reason},
                      {"at", f.at}});
  Json announced = Json::array();
  for (const auto& [mac, a] : dhcp) {
    if (a.mud_url.empty() && a.mud_url_problem.empty()) continue;
    Json e{{"mac", mac}, {"ip", a.ip}, {"port", a.port}, {"at", a.at}};
    if (!a.mud_url.empty()) e["mud_url"] = a.mud_url;
    if (!a.mud_url_problem.empty()) e["mud_url_problem"] = a.mud_url_problem;
    announced.push_back(e);
  }
  Json out{{"at", time::now()},
           {"dhcp_mud_urls", announced},
           {"authenticator_sessions", auth},
           {"authenticator_failures", failed},
           {"leases", leases},
           {"neighbours", neighbours},
           {"device_drops", drops},
           {"onboarding_segment_drops", segment_drops}};
  return fs::write_file_atomic(fs::join(o.site_state, "router-view.json"), out.dump(2), 0644);
}

namespace {

// The router's interfaces whose names match the device-port pattern.
std::vector<std::string> device_ports(const std::string& pattern) {
  std::vector<std::string> out;
  auto l = process::run({"ip", "-j", "link", "show"});
  if (!l || l->exit_status != 0) return out;
  auto j = parse_json(l->out, "ip link");
  if (!j || !j->is_array()) return out;
  for (const auto& e : *j)
    if (e.contains("ifname") && proto::policy::glob_match(pattern, e["ifname"].get<std::string>()))
      out.push_back(e["ifname"].get<std::string>());
  return out;
}

// Each authenticator event into the site's evidence log, with the admission decision.
void record(store::Inventory& inv, PolicyStore& policy, const EapEvent& e) {
  Json detail{{"port", e.port},
              {"mac", e.mac},
              {"certificate_serial", e.cert_serial},
              {"subject", e.subject}};
  std::string device;
  if (!e.cert_serial.empty())
    if (auto c = inv.credential(e.cert_serial); c && *c) device = (*c)->device;
  store::Event ev{0, 0, device, "network.8021x", "ok", "", ""};
  if (e.kind == "authenticated") {
    SessionVerdict v = judge_session(inv, policy, e.cert_serial);
    router_metrics::eap_event(e, &v);
    ev.outcome = v.admitted ? "ok" : "refused";
    ev.reason = v.admitted ? "authenticated: admitted to its segment" : v.check;
    if (!v.admitted) detail["message"] = v.reason;
  } else if (e.kind == "failed") {
    router_metrics::eap_event(e, nullptr);
    ev.outcome = "refused";
    ev.reason = "eap.failed";
    detail["message"] = e.reason;
  } else {
    router_metrics::eap_event(e, nullptr);
    ev.reason = "session ended";
    detail["message"] = e.reason;
  }
  ev.detail = detail.dump();
  if (Status st = inv.append(ev); !st) log::warn("router", st.error().str());
  log::info("router", e.port + " " + e.mac + ": " + e.kind +
                          (e.reason.empty() ? "" : " (" + e.reason + ")") +
                          (ev.outcome == "refused" ? " -> refused: " + ev.reason : ""));
}

}  // namespace

Status router_serve(const RouterOptions& options) {
  RouterOptions o = options;
  if (o.auth.dir.empty()) o.auth.dir = fs::join(o.site_state, "authenticator");
  if (o.auth.domain_ca.empty()) o.auth.domain_ca = fs::join(o.site_state, "domain-ca.pem");
  if (o.auth.crl.empty()) o.auth.crl = fs::join(o.site_state, "crl.pem");
  if (o.auth.server_cert.empty() || o.auth.server_key.empty())
    return make_error("usage", "router serve needs the EAP server's --eap-cert and --eap-key");
  auto inv = TRY(store::open_sqlite_inventory(fs::join(o.site_state, "inventory.db")));
  PolicyStore policy(o.site_state);
  Authenticator auth(o.auth);
  std::deque<EapEvent> failures;
  // The agent's own metrics, for a scraper on the router's management side.
  std::unique_ptr<metrics::HttpEndpoint> exporter;
  std::string exporter_url;
  if (!o.metrics_listen.empty()) {
    auto hp = net::parse_host_port(o.metrics_listen);
    if (!hp) return make_error("usage", "--metrics-listen takes HOST:PORT: " + hp.error().message);
    const auto& [host, port] = *hp;
    exporter =
        TRY(metrics::HttpEndpoint::start(host, port, "router-metrics", router_metrics::scrape));
    exporter_url = "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                   ":" + std::to_string(exporter->port()) + "/metrics";
  }
  std::cout << "router agent listening on the site's state " << o.site_state << std::endl;
  if (exporter) std::cout << "router metrics listening on " << exporter_url << std::endl;
  RouterState state;
  std::optional<DhcpJournal> journal;
  if (!o.dhcp_journal.empty()) journal.emplace(o.dhcp_journal);
  std::map<std::string, std::string> offered;  // credential serial -> MUD URL offered
  int round = 0;
  std::string last_warning;
  do {
    Status st = auth.ensure(device_ports(o.device_ports));
    if (!st && st.error().str() != last_warning) log::warn("router", st.error().str());
    last_warning = st ? "" : st.error().str();
    auto events = auth.poll();
    for (const auto& e : events) {
      record(*inv, policy, e);
      if (e.kind == "failed") failures.push_back(e);
      if (failures.size() > 100) failures.pop_front();
    }
    auto sessions = auth.sessions();
    bool announced = journal && journal->poll();
    if (journal) claim_announced(*inv, sessions, journal->by_mac(), &offered);
    // The rules are built on a connection of their own, opened per round: a long-lived one that
    // also writes the evidence events stalled the loop for seconds while the site was writing.
    auto changed = [&]() -> Result<bool> {
      auto view = TRY(store::open_sqlite_inventory(fs::join(o.site_state, "inventory.db")));
      return router_sync(o, *view, policy, sessions, &state);
    }();
    if (!changed)
      log::warn("router", changed.error().str());
    else if (*changed)
      log::info("router", "ruleset applied");
    router_metrics::table(state.view, sessions.size());
    if (round++ % 5 == 0 || (changed && *changed) || !events.empty() || announced) {
      Status rs =
          router_report(o, state.view, sessions, failures,
                        journal ? journal->by_mac() : std::map<std::string, DhcpAnnouncement>{});
      if (!rs) log::warn("router", rs.error().str());
    }
  } while (!wait_for_stop_signal_for(o.interval_ms));
  auth.stop_all();
  return ok_status();
}

}  // namespace gh::svc
