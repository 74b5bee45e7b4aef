#include "svc/site/assets.h"

#include <map>
#include <set>

#include "common/fs.h"
#include "common/time.h"
#include "device/image.h"
#include "svc/site/admission.h"
#include "svc/site/mud_manager.h"
#include "svc/site/policy_store.h"

namespace gh::svc {
Result<Json> assets_check(Site& site) {
  auto text = fs::read_file(fs::join(site.state_dir(), "router-view.json"));
  if (!text)
    return make_error("assets.no-view", "no router has reported what it sees (router serve)");
  auto view = TRY(parse_json(*text, "router-view.json"));
  auto devices = TRY(site.inventory().list());
  // Every address each MAC was seen at, and where.
  std::map<std::string, std::set<std::string>> seen;
  std::map<std::string, std::string> port;
  for (const auto& l : view.value("leases", Json::array()))
    seen[l.value("mac", "")].insert(l.value("ip", ""));
  for (const auto& n : view.value("neighbours", Json::array())) {
    seen[n.value("mac", "")].insert(n.value("ip", ""));
    port[n.value("mac", "")] = n.value("port", "");
  }
  // A device's MAC: the one its 802.1X session authenticated with, else the one its image
  // declares (the lab derives it from the serial).
  std::map<std::string, const store::DeviceRecord*> by_serial, by_mac;
  for (const auto& d : devices) by_serial[d.serial] = &d;
  std::map<std::string, std::string> mac_of;
  for (const auto& d : devices) mac_of[d.serial] = device::device_mac_colons(d.serial);
  // Authenticated sessions: admitted, or authenticated but not admitted (and why).
  PolicyStore policy(site.state_dir());
  std::set<std::string> connected;
  Json refused_sessions = Json::array();
  for (const auto& x : view.value("authenticator_sessions", Json::array())) {
    struct {
      std::string port, mac, cert_serial;
    } es{x.value("port", ""), x.value("mac", ""), x.value("certificate_serial", "")};
    SessionVerdict v = judge_session(site.inventory(), policy, es.cert_serial);
    if (!v.device.empty()) mac_of[v.device] = es.mac;
    if (v.admitted)
      connected.insert(v.device);
    else
      refused_sessions.push_back({{"port", es.port},
                                  {"mac", es.mac},
                                  {"serial", v.device},
                                  {"check", v.check},
                                  {"reason", v.reason}});
  }
  for (const auto& [serial, mac] : mac_of)
    if (by_serial.count(serial)) by_mac[mac] = by_serial[serial];
  // What each MAC announced in DHCP (option 161): an unknown device's claim is shown with it; a
  // known device announcing another URL than the one the site enforces is a mismatch (firmware
  // changed, or not the device the inventory thinks).
  std::map<std::string, Json> announced;
  for (const auto& a : view.value("dhcp_mud_urls", Json::array()))
    announced[a.value("mac", "")] = a;
  Json mismatches = Json::array();
  for (const auto& [mac, a] : announced) {
    auto it = by_mac.find(mac);
    if (it == by_mac.end()) continue;
    const store::DeviceRecord& d = *it->second;
    const std::string said = a.value("mud_url", "");
    const std::string& ours = d.mud_url.empty() ? d.mud_url_claimed : d.mud_url;
    if (a.contains("mud_url_problem") || (!said.empty() && !ours.empty() && said != ours))
      mismatches.push_back({{"serial", d.serial},
                            {"mac", mac},
                            {"announced", a.value("mud_url", "")},
                            {"problem", a.value("mud_url_problem", "")},
                            {"enforced", d.enforced_mud_url()}});
  }
  Json unknown = Json::array(), not_onboarded = Json::array(), not_seen = Json::array(),
       drift = Json::array(), violations = Json::array(), unsupported = Json::array(),
       not_connected = Json::array();
  for (const auto& [mac, ips] : seen) {
    Json addrs(ips);
    auto it = by_mac.find(mac);
    if (it == by_mac.end()) {
      unknown.push_back({{"mac", mac}, {"addresses", addrs}, {"port", port[mac]}});
      if (announced.count(mac))
        unknown.back()["mud_url_announced"] = announced[mac].value("mud_url", "");
      continue;
    }
    if (!store::in_service(it->second->state))
      not_onboarded.push_back({{"serial", it->second->serial},
                               {"state", it->second->state},
                               {"mac", mac},
                               {"addresses", addrs}});
    if (ips.size() > 1)
      drift.push_back({{"serial", it->second->serial}, {"mac", mac}, {"addresses", addrs}});
  }
  const Json drops = view.value("device_drops", Json::object());
  for (const auto& d : devices) {
    if (!store::in_service(d.state)) continue;
    std::string mac = mac_of[d.serial];
    if (!seen.count(mac)) not_seen.push_back({{"serial", d.serial}, {"mac", mac}});
    if (!connected.count(d.serial)) not_connected.push_back({{"serial", d.serial}, {"mac", mac}});
    uint64_t dropped = drops.value(d.serial, uint64_t{0});
    if (dropped > 0) violations.push_back({{"serial", d.serial}, {"dropped_packets", dropped}});
    if (const std::string& url = d.enforced_mud_url(); !url.empty())
      if (auto c = MudManager::cached(site.state_dir(), url); c && *c && !(*c)->file.is_supported)
        unsupported.push_back({{"serial", d.serial}, {"mud-url", url}});
  }
  return Json{{"router_view_at", time::format_rfc3339(view.value("at", int64_t{0}))},
              {"unknown", unknown},
              {"not_onboarded_seen", not_onboarded},
              {"onboarded_not_seen", not_seen},
              {"address_drift", drift},
              {"mud_violations", violations},
              {"mud_url_mismatches", mismatches},
              {"onboarded_not_connected", not_connected},
              {"sessions_not_admitted", refused_sessions},
              {"authentication_failures", view.value("authenticator_failures", Json::array())},
              {"unsupported", unsupported},
              {"onboarding_segment_drops", view.value("onboarding_segment_drops", uint64_t{0})}};
}

}  // namespace gh::svc
