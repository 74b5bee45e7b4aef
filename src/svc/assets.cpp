#include "svc/assets.h"

#include <map>
#include <set>

#include "common/fs.h"
#include "common/time.h"
#include "device/image.h"
#include "proto/mud_nft.h"
#include "svc/mud_manager.h"

namespace gh::svc {
namespace {}  // namespace

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
  std::map<std::string, const store::DeviceRecord*> by_mac;
  for (const auto& d : devices) by_mac[device::device_mac_colons(d.serial)] = &d;
  Json unknown = Json::array(), not_onboarded = Json::array(), not_seen = Json::array(),
       drift = Json::array(), violations = Json::array(), unsupported = Json::array();
  for (const auto& [mac, ips] : seen) {
    Json addrs(ips);
    auto it = by_mac.find(mac);
    if (it == by_mac.end()) {
      unknown.push_back({{"mac", mac}, {"addresses", addrs}, {"port", port[mac]}});
      continue;
    }
    if (it->second->state != "onboarded")
      not_onboarded.push_back({{"serial", it->second->serial},
                               {"state", it->second->state},
                               {"mac", mac},
                               {"addresses", addrs}});
    if (ips.size() > 1)
      drift.push_back({{"serial", it->second->serial}, {"mac", mac}, {"addresses", addrs}});
  }
  const Json drops = view.value("device_chain_drops", Json::object());
  for (const auto& d : devices) {
    if (d.state != "onboarded") continue;
    std::string mac = device::device_mac_colons(d.serial);
    if (!seen.count(mac)) not_seen.push_back({{"serial", d.serial}, {"mac", mac}});
    std::string id = proto::mud::device_chain_id(d.serial);
    uint64_t dropped = drops.value(id + "_fr", uint64_t{0}) + drops.value(id + "_to", uint64_t{0});
    if (dropped > 0) violations.push_back({{"serial", d.serial}, {"dropped_packets", dropped}});
    if (!d.mud_url.empty())
      if (auto c = MudManager::cached(site.state_dir(), d.mud_url);
          c && *c && !(*c)->file.is_supported)
        unsupported.push_back({{"serial", d.serial}, {"mud-url", d.mud_url}});
  }
  return Json{{"router_view_at", time::format_rfc3339(view.value("at", int64_t{0}))},
              {"unknown", unknown},
              {"not_onboarded_seen", not_onboarded},
              {"onboarded_not_seen", not_seen},
              {"address_drift", drift},
              {"mud_violations", violations},
              {"unsupported", unsupported},
              {"onboarding_segment_drops", view.value("onboarding_segment_drops", uint64_t{0})}};
}

}  // namespace gh::svc
