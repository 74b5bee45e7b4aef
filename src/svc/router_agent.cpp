#include "svc/router_agent.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/fs.h"
#include "common/log.h"
#include "common/process.h"
#include "common/time.h"
#include "device/image.h"
#include "proto/mud_nft.h"
#include "proto/policy.h"
#include "store/inventory.h"
#include "svc/identity.h"
#include "svc/mud_manager.h"

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

std::vector<std::string> resolve(const std::string& name, bool v6) {
  std::vector<std::string> out;
  addrinfo hints{};
  hints.ai_family = v6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) return out;
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    const void* src =
        v6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
           : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    if (::inet_ntop(a->ai_family, src, buf, sizeof buf)) out.push_back(buf);
  }
  ::freeaddrinfo(res);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Result<std::string> router_ruleset(const RouterOptions& o) {
  auto inv = TRY(store::open_sqlite_inventory(fs::join(o.site_state, "inventory.db")));
  auto devices = TRY(inv->list());
  auto leases = read_leases(o.leases);
  struct Dev {
    std::string id, mac, ip;
    proto::mud::Compiled rules;
  };
  std::vector<Dev> onboarded;
  std::map<std::string, proto::mud::SetRef> sets;
  for (const auto& d : devices) {
    if (d.state != "onboarded" || d.mud_url.empty()) continue;
    auto copy = MudManager::cached(o.site_state, d.mud_url);
    if (!copy || !*copy) continue;  // not verified yet: it stays in the onboarding segment
    Dev dev;
    dev.id = proto::mud::device_chain_id(d.serial);
    dev.mac = device::device_mac_colons(d.serial);
    auto it = leases.find(dev.mac);
    dev.ip = it == leases.end() ? "" : it->second;
    dev.rules = proto::mud::compile((*copy)->file, dev.id);
    for (const auto& s : dev.rules.sets) sets.emplace(s.name, s);
    onboarded.push_back(std::move(dev));
  }
  std::ostringstream r;
  r << "table inet " << o.table << "\ndelete table inet " << o.table << "\ntable inet " << o.table
    << " {\n";
  for (const auto& [name, s] : sets)
    r << proto::mud::set_declaration(
        s, s.kind == "dns" ? resolve(s.key, s.family == "ipv6") : std::vector<std::string>{});
  r << "  set onboarded_mac { type ether_addr; ";
  if (!onboarded.empty()) {
    r << "elements = { ";
    for (size_t i = 0; i < onboarded.size(); ++i) r << (i ? ", " : "") << onboarded[i].mac;
    r << " } ";
  }
  r << "}\n";
  r << "  chain input {\n    type filter hook input priority filter; policy drop;\n"
       "    ct state established,related accept\n    iif lo accept\n"
       "    udp dport { 53, 67 } accept\n    tcp dport 53 accept\n"
       "    iifname \""
    << o.upstream_port
    << "\" icmp type echo-request accept\n"
       "    counter reject with icmpx admin-prohibited\n  }\n";
  r << "  chain forward {\n    type filter hook forward priority filter; policy drop;\n"
       "    ct state established,related accept\n"
       "    iifname \""
    << o.upstream_port
    << "\" accept\n"
       "    iifname \""
    << o.device_ports << "\" ip daddr " << o.onboarding_addr
    << " tcp dport { 8443, 8908 } accept comment \"onboarding services\"\n";
  for (const auto& d : onboarded)
    r << "    ether saddr " << d.mac << " jump " << d.rules.from_chain << "\n";
  for (const auto& d : onboarded)
    if (!d.ip.empty()) r << "    ip daddr " << d.ip << " jump " << d.rules.to_chain << "\n";
  r << "    ether saddr @onboarded_mac accept comment \"allowed by the device's MUD file\"\n";
  for (const auto& d : onboarded)
    if (!d.ip.empty()) r << "    ip daddr " << d.ip << " accept\n";
  r << "    iifname \"" << o.device_ports
    << "\" counter log prefix \"gh onboarding-segment drop \" group 2 reject with icmpx "
       "admin-prohibited comment \"onboarding segment: nothing else\"\n"
       "    counter reject with icmpx admin-prohibited\n  }\n";
  for (const auto& d : onboarded) {
    r << "  chain " << d.rules.from_chain << " {\n";
    for (const auto& x : d.rules.from_rules) r << "    " << x << "\n";
    r << "  }\n  chain " << d.rules.to_chain << " {\n";
    for (const auto& x : d.rules.to_rules) r << "    " << x << "\n";
    r << "  }\n";
  }
  r << "}\n";
  return r.str();
}

// Addresses of quarantined devices (their open connections are dropped when they enter it).
std::set<std::string> quarantined_addresses(const RouterOptions& o) {
  std::set<std::string> out;
  auto inv = store::open_sqlite_inventory(fs::join(o.site_state, "inventory.db"));
  if (!inv) return out;
  auto devices = (*inv)->list();
  if (!devices) return out;
  auto leases = read_leases(o.leases);
  for (const auto& d : *devices) {
    if (d.state != "quarantined") continue;
    auto it = leases.find(device::device_mac_colons(d.serial));
    if (it != leases.end()) out.insert(it->second);
  }
  return out;
}

Result<bool> router_sync(const RouterOptions& o, RouterState* state) {
  auto rules = TRY(router_ruleset(o));
  if (rules == state->applied) return false;
  std::string path = o.ruleset_path.empty() ? fs::join(o.site_state, "router.nft") : o.ruleset_path;
  TRY(fs::write_file_atomic(path, rules, 0644));
  auto r = TRY(process::run({"nft", "-f", path}));
  if (r.exit_status != 0)
    return make_error("router.nft",
                      "nft refused the ruleset (" + path + "); the previous rules stay in place");
  state->applied = rules;
  // Established flows are accepted before any device chain: a device entering quarantine loses
  // its open connections here, not when they end.
  auto now_q = quarantined_addresses(o);
  for (const auto& ip : now_q)
    if (!state->quarantined.count(ip)) {
      (void)process::run({"conntrack", "-D", "-s", ip});
      (void)process::run({"conntrack", "-D", "-d", ip});
    }
  state->quarantined = now_q;
  return true;
}

Status router_report(const RouterOptions& o) {
  Json leases = Json::array();
  for (const auto& [mac, ip] : read_leases(o.leases)) leases.push_back({{"mac", mac}, {"ip", ip}});
  Json neighbours = Json::array();
  if (auto n = process::run({"ip", "-j", "neigh", "show"}); n && n->exit_status == 0)
    if (auto j = parse_json(n->out, "ip neigh"); j && j->is_array())
      for (const auto& e : *j)
        if (e.contains("lladdr") && e.contains("dst") && e.contains("dev") &&
            proto::policy::glob_match(o.device_ports, e["dev"].get<std::string>()))
          neighbours.push_back({{"mac", e["lladdr"]}, {"ip", e["dst"]}, {"port", e["dev"]}});
  // The default-deny rule closes each device chain: its counter is what the device tried and its
  // MUD file does not allow.
  Json drops = Json::object();
  uint64_t segment_drops = 0;
  if (auto l = process::run({"nft", "-j", "list", "table", "inet", o.table});
      l && l->exit_status == 0)
    if (auto j = parse_json(l->out, "nft"); j && j->contains("nftables"))
      for (const auto& item : (*j)["nftables"]) {
        if (!item.contains("rule")) continue;
        const Json& rule = item["rule"];
        std::string chain = rule.value("chain", "");
        uint64_t packets = 0;
        bool rejects = false;
        for (const auto& e : rule.value("expr", Json::array())) {
          if (e.contains("counter")) packets = e["counter"].value("packets", uint64_t{0});
          if (e.contains("reject")) rejects = true;
        }
        if (!rejects) continue;
        if (chain.size() > 3 && (chain.compare(chain.size() - 3, 3, "_fr") == 0 ||
                                 chain.compare(chain.size() - 3, 3, "_to") == 0))
          drops[chain] = drops.value(chain, uint64_t{0}) + packets;
        else if (chain == "forward")
          segment_drops += packets;
      }
  Json view{{"at", time::now()},
            {"leases", leases},
            {"neighbours", neighbours},
            {"device_chain_drops", drops},
            {"onboarding_segment_drops", segment_drops}};
  return fs::write_file_atomic(fs::join(o.site_state, "router-view.json"), view.dump(2), 0644);
}

Status router_serve(const RouterOptions& o) {
  std::cout << "router agent listening on the site's state " << o.site_state << std::endl;
  RouterState state;
  int round = 0;
  do {
    auto changed = router_sync(o, &state);
    if (!changed)
      log::warn("router", changed.error().str());
    else if (*changed)
      log::info("router", "ruleset applied");
    if (round++ % 5 == 0 || (changed && *changed)) {
      Status st = router_report(o);
      if (!st) log::warn("router", st.error().str());
    }
  } while (!wait_for_stop_signal_for(o.interval_ms));
  return ok_status();
}

}  // namespace gh::svc
