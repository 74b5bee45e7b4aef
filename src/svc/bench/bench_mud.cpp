#include "svc/bench/bench_mud.h"

#include <unistd.h>

#include "codec/mud.h"
#include "common/fs.h"
#include "common/process.h"
#include "common/stats.h"
#include "common/time.h"
#include "net/nft.h"
#include "proto/mud_nft.h"
#include "proto/router_rules.h"

namespace gh::svc {
namespace {

const char* kBenchMud =
    R"({"ietf-mud:mud":{"mud-version":1,"mud-url":"https://mud.bench/sensor.json",
 "last-update":"2026-11-01T00:00:00Z","cache-validity":48,"is-supported":true,
 "from-device-policy":{"access-lists":{"access-list":[{"name":"fr"}]}},
 "to-device-policy":{"access-lists":{"access-list":[{"name":"to"}]}}},
 "ietf-access-control-list:acls":{"acl":[
  {"name":"fr","type":"ipv4-acl-type","aces":{"ace":[
   {"name":"cloud","matches":{"ipv4":{"protocol":6,"ietf-acldns:dst-dnsname":"cloud.bench"},
    "tcp":{"ietf-mud:direction-initiated":"from-device","destination-port":{"operator":"eq","port":443}}},
    "actions":{"forwarding":"accept"}},
   {"name":"peers","matches":{"ietf-mud:mud":{"same-manufacturer":[null]}},"actions":{"forwarding":"accept"}}]}},
  {"name":"to","type":"ipv4-acl-type","aces":{"ace":[
   {"name":"cloud","matches":{"ipv4":{"protocol":6,"ietf-acldns:src-dnsname":"cloud.bench"},
    "tcp":{"ietf-mud:direction-initiated":"from-device","source-port":{"operator":"eq","port":443}}},
    "actions":{"forwarding":"accept"}}]}}]}})";

std::string mac_of(int i) {
  char b[32];
  std::snprintf(b, sizeof b, "02:00:00:%02x:%02x:%02x", (i >> 16) & 255, (i >> 8) & 255, i & 255);
  return b;
}
std::string ip_of(int i) {
  return "10." + std::to_string(100 + (i >> 16)) + "." + std::to_string((i >> 8) & 255) + "." +
         std::to_string(i & 255);
}

}  // namespace

Result<Json> bench_mud(const MudBenchOptions& o) {
  if (::geteuid() != 0)
    return make_error("bench.root", "bench mud uses a network namespace: run as root");
  if (o.devices < 1 || o.devices > 60000) return make_error("usage", "--devices must be 1..60000");
  if (o.models < 1 || o.models > 1000) return make_error("usage", "--models must be 1..1000");
  std::string ns = "gh-bench-mud-" + std::to_string(::getpid());
  auto add = TRY(process::run({"ip", "netns", "add", ns}));
  if (add.exit_status != 0) return make_error("bench.netns", "cannot create a network namespace");
  struct Ns {
    std::string n;
    ~Ns() { (void)process::run({"ip", "netns", "del", n}); }
  } ns_guard{ns};

  // The router's own table code: M MUD files (models), N devices spread over them and over four
  // segments, each admitted on a port with its MAC and address, as router serve would hold them.
  double t0 = time::monotonic();
  proto::router::Frame frame{"gh_bench", "r-site", "r-dev*", "10.77.0.2", {8443, 8908}};
  proto::router::Table table;
  std::vector<std::string> ids;
  for (int m = 0; m < o.models; ++m) {
    std::string text = kBenchMud;
    std::string url = "https://mud.bench/sensor-" + std::to_string(m) + ".json";
    text.replace(text.find("https://mud.bench/sensor.json"), 29, url);
    auto file = TRY(codec::mud::parse_strict(text));
    ids.push_back(proto::mud::policy_chain_id(url));
    proto::router::add_policy(table, ids.back(), proto::mud::compile(file, ids.back(), true));
  }
  auto station = [](int i) {
    return proto::router::station_key("r-dev" + std::to_string(i % 4000), mac_of(i));
  };
  for (int i = 0; i < o.devices; ++i) {
    const std::string& id = ids[static_cast<size_t>(i % o.models)];
    table.from[station(i)] = id;
    table.to[ip_of(i)] = id;
    table.station_segment[station(i)] = "segment-" + std::to_string(i % 4);
    table.address_segment[ip_of(i)] = "segment-" + std::to_string(i % 4);
  }
  std::string all_text = proto::router::full_script(frame, table);
  double compile_ms = (time::monotonic() - t0) * 1000;
  // One libnftables context, kept open, as the router agent keeps it.
  auto nft = TRY(net::NftSession::open(ns));
  t0 = time::monotonic();
  TRY_CTX(nft->run(all_text), "bench: the whole table");
  double apply_ms = (time::monotonic() - t0) * 1000;

  // Single-device changes, in turn: its MUD file changes (it moves to another model's chains),
  // it moves back, it loses its admission (quarantine), it is admitted again. Each is the
  // incremental transaction the router agent would run.
  std::vector<double> single, diff;
  const int k = o.devices / 2;
  for (int c = 0; c < o.changes; ++c) {
    proto::router::Table next = table;
    const std::string& home = ids[static_cast<size_t>(k % o.models)];
    const std::string& other = ids[static_cast<size_t>((k + 1) % o.models)];
    switch (c % 4) {
      case 0:
      case 3:
        next.from[station(k)] = o.models > 1 && c % 4 == 0 ? other : home;
        next.to[ip_of(k)] = next.from[station(k)];
        break;
      case 1:
        next.from[station(k)] = home;
        next.to[ip_of(k)] = home;
        break;
      case 2:
        next.from.erase(station(k));
        next.to.erase(ip_of(k));
        break;
    }
    // Its segment goes with its admission.
    next.station_segment[station(k)] = next.address_segment[ip_of(k)] =
        "segment-" + std::to_string(k % 4);
    if (c % 4 == 2) {
      next.station_segment.erase(station(k));
      next.address_segment.erase(ip_of(k));
    }
    t0 = time::monotonic();
    std::string one = proto::router::delta_script(frame, table, next);
    diff.push_back((time::monotonic() - t0) * 1000);
    if (one.empty()) continue;
    t0 = time::monotonic();
    TRY_CTX(nft->run(one), "bench: a single-device change");
    single.push_back((time::monotonic() - t0) * 1000);
    table = std::move(next);
  }
  size_t rules = 0;
  for (const auto& [id, p] : table.policies) rules += p.from_rules.size() + p.to_rules.size();
  return Json{{"bench", "mud"},
              {"devices", o.devices},
              {"models", o.models},
              {"rules", rules},
              {"compile_ms", compile_ms},
              {"apply_all_ms", apply_ms},
              {"single_change_ms", stats::percentile(single, 0.5)},
              {"single_change_max_ms", stats::percentile(single, 1.0)},
              {"single_change_diff_ms", stats::percentile(diff, 0.5)},
              {"method",
               "the router agent's table (chains per MUD file, devices in verdict maps), "
               "libnftables with one context kept open, one transaction each, in a throwaway "
               "network namespace; single change = the incremental transaction only"}};
}

}  // namespace gh::svc
