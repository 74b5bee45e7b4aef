#include "svc/bench_mud.h"

#include <unistd.h>

#include <set>
#include <sstream>

#include "codec/mud.h"
#include "common/fs.h"
#include "common/process.h"
#include "common/stats.h"
#include "common/time.h"
#include "net/nft.h"
#include "proto/mud_nft.h"

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
  auto file = TRY(codec::mud::parse_strict(kBenchMud));
  auto scratch = TRY(fs::TempDir::create("", "gatehouse-bench-mud"));
  std::string ns = "gh-bench-mud-" + std::to_string(::getpid());
  auto add = TRY(process::run({"ip", "netns", "add", ns}));
  if (add.exit_status != 0) return make_error("bench.netns", "cannot create a network namespace");
  struct Ns {
    std::string n;
    ~Ns() { (void)process::run({"ip", "netns", "del", n}); }
  } ns_guard{ns};

  double t0 = time::monotonic();
  std::ostringstream all;
  std::vector<proto::mud::Compiled> compiled;
  compiled.reserve(static_cast<size_t>(o.devices));
  for (int i = 0; i < o.devices; ++i)
    compiled.push_back(proto::mud::compile(file, "d" + std::to_string(i)));
  all << "table inet gh_bench {\n";
  for (const auto& s : compiled[0].sets) all << proto::mud::set_declaration(s, {});
  all << "  map dev_fr { type ether_addr : verdict; }\n  map dev_to { type ipv4_addr : verdict; }\n"
         "  chain mud_fwd { type filter hook forward priority filter; policy drop;\n"
         "    ct state established,related accept\n    ether saddr vmap @dev_fr\n"
         "    ip daddr vmap @dev_to\n  }\n";
  for (const auto& c : compiled) {
    all << "  chain " << c.from_chain << " {\n";
    for (const auto& r : c.from_rules) all << "    " << r << "\n";
    all << "  }\n  chain " << c.to_chain << " {\n";
    for (const auto& r : c.to_rules) all << "    " << r << "\n";
    all << "  }\n";
  }
  all << "}\nadd element inet gh_bench dev_fr { ";
  for (int i = 0; i < o.devices; ++i)
    all << (i ? ", " : "") << mac_of(i) << " : jump "
        << compiled[static_cast<size_t>(i)].from_chain;
  all << " }\nadd element inet gh_bench dev_to { ";
  for (int i = 0; i < o.devices; ++i)
    all << (i ? ", " : "") << ip_of(i) << " : jump " << compiled[static_cast<size_t>(i)].to_chain;
  all << " }\n";
  double compile_ms = (time::monotonic() - t0) * 1000;
  // One libnftables context, kept open, as the router agent keeps it.
  auto nft = TRY(net::NftSession::open(ns));
  std::string all_text = all.str();
  t0 = time::monotonic();
  TRY_CTX(nft->run(all_text), "bench: the whole ruleset");
  double apply_ms = (time::monotonic() - t0) * 1000;

  // One device's policy changes (its MUD file was updated): flush its chain and refill it.
  std::vector<double> single;
  for (int k = 0; k < o.changes; ++k) {
    const auto& c = compiled[static_cast<size_t>((o.devices / 2 + k) % o.devices)];
    std::ostringstream one;
    one << "flush chain inet gh_bench " << c.from_chain << "\n";
    for (const auto& rule : c.from_rules)
      one << "add rule inet gh_bench " << c.from_chain << " " << rule << "\n";
    std::string one_text = one.str();
    t0 = time::monotonic();
    TRY_CTX(nft->run(one_text), "bench: a single-device change");
    single.push_back((time::monotonic() - t0) * 1000);
  }
  size_t rules = 0;
  for (const auto& c : compiled) rules += c.from_rules.size() + c.to_rules.size();
  return Json{{"bench", "mud"},
              {"devices", o.devices},
              {"rules", rules},
              {"compile_ms", compile_ms},
              {"apply_all_ms", apply_ms},
              {"single_change_ms", stats::percentile(single, 0.5)},
              {"single_change_max_ms", stats::percentile(single, 1.0)},
              {"method",
               "libnftables, one context kept open, one transaction each, in a throwaway network "
               "namespace"}};
}

}  // namespace gh::svc
