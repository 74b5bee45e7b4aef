#include "svc/lab/lab.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "common/fs.h"
#include "common/process.h"
#include "device/image.h"
#include "store/inventory.h"
#include "svc/router/router_agent.h"
#include "svc/site/policy_store.h"

namespace gh::svc {
namespace {

constexpr const char* kRouter = "gh-router";
constexpr const char* kSite = "gh-site";
constexpr const char* kInet = "gh-inet";
constexpr const char* kSiteAddr = "10.77.0.2";
constexpr const char* kMasaAddr = "10.77.1.2";
constexpr int kRegistrarPort = 8443;
constexpr int kDppPort = 8908;
constexpr int kMasaPort = 8444;
// The router agent's metrics, on the router namespace's loopback (its management side).
constexpr int kRouterMetricsPort = 9108;
constexpr const char* kEapServerName = "eap.lab";
constexpr const char* kLabMudUrl = "https://mud.lab/lab-sensor.json";
const char* kHosts[][3] = {
    {"telemetry.lab", "10.77.1.10", "permitted by the lab sensors' MUD file"},
    {"updates.lab", "10.77.1.11",
     "permitted to the lab sensors only when the site's policy names it their controller "
     "(my-controller)"},
    {"elsewhere.lab", "10.77.1.12", "permitted by no MUD file"}};

std::string dev_ns(int i) {
  return "gh-dev" + std::to_string(i);
}

Status run(const std::vector<std::string>& argv) {
  auto r = TRY(process::run(argv));
  if (r.exit_status != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return make_error("lab.command",
                      "'" + cmd + "' failed (exit " + std::to_string(r.exit_status) + ")");
  }
  return ok_status();
}
Status in_ns(const std::string& ns, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
  return run(argv);
}
bool ns_exists(const std::string& ns) {
  return fs::exists("/run/netns/" + ns);
}

Status check_prerequisites() {
  if (::geteuid() != 0)
    return make_error("lab.root", "the lab creates network namespaces: run it as root");
  for (const char* tool :
       {"ip", "nft", "dnsmasq", "busybox", "curl", "hostapd", "wpa_supplicant", "wpa_cli"}) {
    auto r = process::run({"sh", "-c", std::string("command -v ") + tool});
    if (!r || r->exit_status != 0)
      return make_error("lab.tool", std::string(tool) + " is missing (make deps installs it)");
  }
  return ok_status();
}

Status gatehouse(const LabOptions& o, std::vector<std::string> args) {
  args.insert(args.begin(), o.self_exe);
  auto r = TRY(process::run(args));
  if (r.exit_status != 0)
    return make_error("lab.setup", "gatehouse " + args[1] + " " + args[2] + " failed");
  return ok_status();
}

// Waits for a service's "listening on" line in its log.
Status wait_listening(const std::string& log, const std::string& what) {
  for (int i = 0; i < 200; ++i) {
    auto text = fs::read_file(log);
    if (text && text->find("listening on") != std::string::npos) return ok_status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return make_error("lab.start", what + " did not start (see " + log + ")");
}

Status veth(const std::string& a_ns, const std::string& a_if, const std::string& a_addr,
            const std::string& b_ns, const std::string& b_if, const std::string& b_addr,
            const std::string& b_mac = "") {
  std::string tmp_a = "gh" + std::to_string(::getpid() % 10000) + "a",
              tmp_b = "gh" + std::to_string(::getpid() % 10000) + "b";
  TRY(run({"ip", "link", "add", tmp_a, "type", "veth", "peer", "name", tmp_b}));
  TRY(run({"ip", "link", "set", tmp_a, "netns", a_ns}));
  TRY(run({"ip", "link", "set", tmp_b, "netns", b_ns}));
  TRY(in_ns(a_ns, {"ip", "link", "set", tmp_a, "name", a_if}));
  TRY(in_ns(b_ns, {"ip", "link", "set", tmp_b, "name", b_if}));
  if (!b_mac.empty()) TRY(in_ns(b_ns, {"ip", "link", "set", b_if, "address", b_mac}));
  if (!a_addr.empty()) TRY(in_ns(a_ns, {"ip", "addr", "add", a_addr, "dev", a_if}));
  if (!b_addr.empty()) TRY(in_ns(b_ns, {"ip", "addr", "add", b_addr, "dev", b_if}));
  TRY(in_ns(a_ns, {"ip", "link", "set", a_if, "up"}));
  TRY(in_ns(b_ns, {"ip", "link", "set", b_if, "up"}));
  return ok_status();
}

const char* kLabMud = R"({
  "ietf-mud:mud": {
    "mud-version": 1,
    "mud-url": "https://mud.lab/lab-sensor.json",
    "last-update": "2026-11-01T00:00:00Z",
    "cache-validity": 24,
    "is-supported": true,
    "systeminfo": "Gatehouse lab sensor",
    "mfg-name": "Lab Devices",
    "from-device-policy": {"access-lists": {"access-list": [{"name": "from-sensor"}]}},
    "to-device-policy": {"access-lists": {"access-list": [{"name": "to-sensor"}]}}
  },
  "ietf-access-control-list:acls": {"acl": [
    {"name": "from-sensor", "type": "ipv4-acl-type", "aces": {"ace": [
      {"name": "telemetry", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:dst-dnsname": "telemetry.lab"},
        "tcp": {"ietf-mud:direction-initiated": "from-device", "destination-port": {"operator": "eq", "port": 80}}},
       "actions": {"forwarding": "accept"}},
      {"name": "peers", "matches": {"ietf-mud:mud": {"same-manufacturer": [null]}, "ipv4": {"protocol": 6},
        "tcp": {"destination-port": {"operator": "eq", "port": 7000}}},
       "actions": {"forwarding": "accept"}},
      {"name": "controller", "matches": {"ietf-mud:mud": {"my-controller": [null]}, "ipv4": {"protocol": 6},
        "tcp": {"ietf-mud:direction-initiated": "from-device", "destination-port": {"operator": "eq", "port": 80}}},
       "actions": {"forwarding": "accept"}}]}},
    {"name": "to-sensor", "type": "ipv4-acl-type", "aces": {"ace": [
      {"name": "telemetry", "matches": {"ipv4": {"protocol": 6, "ietf-acldns:src-dnsname": "telemetry.lab"},
        "tcp": {"ietf-mud:direction-initiated": "from-device", "source-port": {"operator": "eq", "port": 80}}},
       "actions": {"forwarding": "accept"}},
      {"name": "peers", "matches": {"ietf-mud:mud": {"same-manufacturer": [null]}, "ipv4": {"protocol": 6},
        "tcp": {"destination-port": {"operator": "eq", "port": 7000}}},
       "actions": {"forwarding": "accept"}},
      {"name": "controller", "matches": {"ietf-mud:mud": {"my-controller": [null]}, "ipv4": {"protocol": 6},
        "tcp": {"ietf-mud:direction-initiated": "from-device", "source-port": {"operator": "eq", "port": 80}}},
       "actions": {"forwarding": "accept"}}]}}]}
}
)";

const char* kDhcpScript = R"(#!/bin/sh
# busybox udhcpc hook: configure the lease on the device namespace's interface.
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    ;;
esac
exit 0
)";

// A device namespace asks the router for an address (busybox udhcpc), announcing the model's MUD
// URL in DHCP option 161 as the sensors' firmware does.
Status device_dhcp(const std::string& lab_dir, const std::string& ns) {
  return in_ns(ns, {"busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "10", "-T", "1", "-s",
                    fs::join(lab_dir, "udhcpc.sh"), "-x",
                    "0xa1:" + hex_encode(to_bytes(std::string(kLabMudUrl)))});
}

}  // namespace

namespace {
std::string absolute(const std::string& d) {
  std::error_code ec;
  auto p = std::filesystem::absolute(d, ec);
  return ec ? d : p.lexically_normal().string();
}
// lab up and lab demo: the DIR given (where the lab is to be), else the lab that is up.
std::string dir_for_up(const std::string& given) {
  return given.empty() ? find_lab_dir("") : absolute(given);
}
}  // namespace

std::string find_lab_dir(const std::string& dir, const std::string& record) {
  auto holds_lab = [](const std::string& d) { return fs::exists(fs::join(d, "lab.json")); };
  if (!dir.empty() && holds_lab(dir)) return absolute(dir);
  if (auto text = fs::read_file(record)) {
    std::string recorded = trim(*text);
    if (!recorded.empty() && recorded[0] == '/' && holds_lab(recorded)) return recorded;
  }
  return absolute(dir.empty() ? kDefaultLabDir : dir);
}

Result<Json> lab_status(const std::string& given) {
  const std::string dir = find_lab_dir(given);
  auto text = fs::read_file(fs::join(dir, "lab.json"));
  if (!text) return make_error("lab.down", "no lab is up (none in " + dir + ")");
  auto j = TRY(parse_json(*text, "lab.json"));
  j["dir"] = dir;
  j["up"] = ns_exists(kRouter);
  return j;
}

Result<std::string> lab_down(const std::string& given) {
  if (::geteuid() != 0) return make_error("lab.root", "run lab down as root");
  const std::string dir = find_lab_dir(given);
  if (auto text = fs::read_file(fs::join(dir, "lab.json"))) {
    if (auto j = parse_json(*text, "lab.json"); j && j->contains("pids"))
      for (const auto& p : (*j)["pids"])
        if (p.is_number_integer() && p.get<int>() > 1) ::kill(p.get<int>(), SIGTERM);
  }
  // Every namespace the lab names, whether or not lab.json survived.
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    std::string n = e.path().filename().string();
    bool lab_ns = n == kRouter || n == kSite || n == kInet ||
                  (n.rfind("gh-dev", 0) == 0 && n.size() > 6 &&
                   n.find_first_not_of("0123456789", 6) == std::string::npos);
    if (!lab_ns) continue;
    auto pids = process::run({"ip", "netns", "pids", n});
    if (pids)
      for (size_t pos = 0; pos < pids->out.size();) {
        size_t end = pids->out.find('\n', pos);
        std::string pid = pids->out.substr(pos, end == std::string::npos ? end : end - pos);
        if (!pid.empty()) ::kill(std::atoi(pid.c_str()), SIGKILL);
        if (end == std::string::npos) break;
        pos = end + 1;
      }
    TRY(run({"ip", "netns", "del", n}));
    std::filesystem::remove_all("/etc/netns/" + n, ec);
  }
  std::filesystem::remove("/etc/netns", ec);  // only if empty: other users may keep files there
  (void)fs::remove_all(fs::join(dir, "lab.json"));
  std::filesystem::remove(kLabRecord, ec);  // no lab is up any more, wherever it was
  return dir;
}

Result<Json> lab_up(const LabOptions& given) {
  TRY(check_prerequisites());
  LabOptions o = given;
  o.dir = dir_for_up(given.dir);
  if (o.devices < 1 || o.devices > 200) return make_error("usage", "--devices must be 1..200");
  if (ns_exists(kRouter) && fs::exists(fs::join(o.dir, "lab.json"))) {
    auto st = TRY(lab_status(o.dir));
    if (st.value("devices_requested", 0) == o.devices) return st;
    return make_error("lab.up", "a lab with " + std::to_string(st.value("devices_requested", 0)) +
                                    " devices is up; `gatehouse lab down` first");
  }
  TRY(lab_down(o.dir));  // leftovers of an interrupted run (or a lab up in another DIR)
  TRY(fs::make_dirs(o.dir, 0700));
  TRY(fs::make_dirs(std::filesystem::path(kLabRecord).parent_path().string(), 0755));
  TRY(fs::write_file_atomic(kLabRecord, o.dir + "\n", 0644));
  const std::string f = fs::join(o.dir, "factory"), s = fs::join(o.dir, "site"),
                    d = fs::join(o.dir, "devices"), logs = fs::join(o.dir, "logs");
  TRY(fs::remove_all(f));
  TRY(fs::remove_all(s));
  TRY(fs::remove_all(d));
  TRY(fs::make_dirs(logs, 0755));

  // The manufacturer and the site, as a real deployment would have them.
  TRY(gatehouse(o, {"factory", "init", "--state", f, "--name", "Lab Devices", "--masa-url",
                    "https://masa.lab:" + std::to_string(kMasaPort)}));
  // Every third device is an older build whose birth credentials name no MUD URL: it announces
  // its URL in DHCP only.
  auto make = [&](int count, bool with_url) -> Result<std::vector<std::string>> {
    std::vector<std::string> out;
    if (count == 0) return out;
    std::vector<std::string> argv = {o.self_exe,   "factory", "make",
                                     "--state",    f,         "--model",
                                     "lab-sensor", "--count", std::to_string(count),
                                     "--out",      d};
    if (with_url) argv.insert(argv.end(), {"--mud-url", kLabMudUrl});
    auto made = TRY(process::run(argv));
    std::istringstream in(made.out);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(line);
    if (made.exit_status != 0 || static_cast<int>(out.size()) != count)
      return make_error("lab.setup", "factory make did not make the devices");
    return out;
  };
  auto born = TRY(make(o.devices - o.devices / 3, true));
  auto bare = TRY(make(o.devices / 3, false));
  std::vector<std::string> serials;
  for (int i = 1; i <= o.devices; ++i) {
    auto& from = i % 3 == 0 ? bare : born;
    serials.push_back(from.front());
    from.erase(from.begin());
  }
  // The model's MUD file: the sensors may talk to telemetry.lab over HTTP, nothing else.
  std::string mud_path = fs::join(o.dir, "lab-sensor.mud.json");
  TRY(fs::write_file_atomic(mud_path, kLabMud, 0644));
  TRY(gatehouse(
      o, {"factory", "publish-mud", "--state", f, "--model", "lab-sensor", "--file", mud_path}));
  TRY(gatehouse(o, {"site", "init", "--state", s, "--name", "Lab Site", "--dns", "site.lab"}));
  std::string serial_file = fs::join(o.dir, "serials.txt");
  std::string list;
  for (const auto& x : serials) list += x + "\n";
  TRY(fs::write_file_atomic(serial_file, list, 0644));
  TRY(gatehouse(o, {"factory", "sell", "--state", f, "--serials-from", serial_file, "--owner-cert",
                    fs::join(s, "domain-ca.pem"), "--bundle", fs::join(o.dir, "bundle.pem")}));
  TRY(gatehouse(o, {"site", "import", "--state", s, fs::join(o.dir, "bundle.pem"), "--trust-anchor",
                    fs::join(f, "pki/root.pem")}));
  // The router's 802.1X authenticator: an EAP server certificate from the domain CA.
  const std::string router_dir = fs::join(o.dir, "router");
  TRY(fs::make_dirs(router_dir, 0700));
  TRY(gatehouse(o, {"site", "server-cert", "--state", s, "--name", kEapServerName, "--cert",
                    fs::join(router_dir, "eap-server.pem"), "--key",
                    fs::join(router_dir, "eap-server.key")}));

  // Namespaces and links.
  std::vector<std::string> all = {kRouter, kSite, kInet};
  for (int i = 1; i <= o.devices; ++i) all.push_back(dev_ns(i));
  for (const auto& ns : all) {
    TRY(run({"ip", "netns", "add", ns}));
    TRY(in_ns(ns, {"ip", "link", "set", "lo", "up"}));
  }
  TRY(in_ns(kRouter, {"sysctl", "-qw", "net.ipv4.ip_forward=1"}));
  TRY(veth(kRouter, "r-site", "10.77.0.1/24", kSite, "eth0", std::string(kSiteAddr) + "/24"));
  TRY(in_ns(kSite, {"ip", "route", "add", "default", "via", "10.77.0.1"}));
  TRY(veth(kRouter, "r-inet", "10.77.1.1/24", kInet, "eth0", std::string(kMasaAddr) + "/24"));
  TRY(in_ns(kInet, {"ip", "route", "add", "default", "via", "10.77.1.1"}));
  for (const auto& h : kHosts)
    TRY(in_ns(kInet, {"ip", "addr", "add", std::string(h[1]) + "/24", "dev", "eth0"}));
  Json devices = Json::array();
  std::string dhcp_ifaces, ranges;
  std::vector<std::string> dnsmasq_ranges;
  for (int i = 1; i <= o.devices; ++i) {
    std::string net = "10.78." + std::to_string(i);
    std::string mac = device::device_mac_colons(serials[i - 1]);
    TRY(veth(kRouter, "r-dev" + std::to_string(i), net + ".1/24", dev_ns(i), "eth0", "", mac));
    dnsmasq_ranges.push_back("--dhcp-range=set:dev" + std::to_string(i) + "," + net + ".10," + net +
                             ".50,255.255.255.0,12h");
    dnsmasq_ranges.push_back("--interface=r-dev" + std::to_string(i));
    devices.push_back({{"namespace", dev_ns(i)},
                       {"serial", serials[i - 1]},
                       {"state_dir", fs::join(d, serials[i - 1])},
                       {"mac", mac},
                       {"port", "r-dev" + std::to_string(i)},
                       {"mud_url_from", i % 3 == 0 ? "dhcp" : "birth credentials"},
                       {"protocol", i % 2 == 1 ? "brski" : "dpp"}});
  }
  // Name resolution inside the namespaces goes to the router's dnsmasq.
  for (const auto& ns : all) {
    if (ns == kInet) continue;
    std::string nsdir = "/etc/netns/" + ns;
    TRY(fs::make_dirs(nsdir, 0755));
    std::string gw = ns == kSite     ? "10.77.0.1"
                     : ns == kRouter ? "127.0.0.1"
                                     : "10.78." + ns.substr(6) + ".1";
    TRY(fs::write_file_atomic(fs::join(nsdir, "resolv.conf"), "nameserver " + gw + "\n", 0644));
  }
  std::string rules_path = fs::join(o.dir, "router.nft");
  // Until the router agent runs: the same ruleset it builds when nobody is admitted (a device port
  // reaches DHCP, DNS and the onboarding services only).
  {
    RouterOptions ro;
    ro.onboarding_addr = kSiteAddr;
    ro.onboarding_ports = {kRegistrarPort, kDppPort};
    TRY(fs::write_file_atomic(
        rules_path, proto::router::full_script(router_frame(ro), proto::router::Table{}), 0644));
  }
  TRY(in_ns(kRouter, {"nft", "-f", rules_path}));

  Json pids = Json::array();
  auto spawn = [&](const std::string& ns, std::vector<std::string> argv,
                   const std::string& log) -> Status {
    argv.insert(argv.begin(), {"ip", "netns", "exec", ns});
    pids.push_back(TRY(process::spawn_detached(argv, log)));
    return ok_status();
  };
  std::vector<std::string> dnsmasq = {"dnsmasq",
                                      "--keep-in-foreground",
                                      "--no-resolv",
                                      "--no-hosts",
                                      "--conf-file=/dev/null",
                                      "--bind-dynamic",
                                      "--user=root",
                                      "--log-dhcp",
                                      "--local-ttl=60",
                                      "--dhcp-leasefile=" + fs::join(o.dir, "dnsmasq.leases"),
                                      "--interface=r-site",
                                      "--interface=lo",
                                      "--host-record=site.lab,10.77.0.2",
                                      "--host-record=masa.lab,10.77.1.2",
                                      "--host-record=mud.lab,10.77.1.2"};
  // What devices announce in DHCP (option 161) goes to the router agent's journal.
  dnsmasq.push_back("--dhcp-script=" + fs::join(o.dir, "dhcp-event.sh"));
  dnsmasq.push_back("--script-on-renewal");
  for (const auto& h : kHosts) dnsmasq.push_back(std::string("--host-record=") + h[0] + "," + h[1]);
  for (const auto& r : dnsmasq_ranges) dnsmasq.push_back(r);
  TRY(fs::write_file_atomic(fs::join(o.dir, "dhcp-event.sh"),
                            "#!/bin/sh\nexec '" + o.self_exe + "' router dhcp-event --journal '" +
                                fs::join(o.dir, "dhcp-events.jsonl") + "' \"$@\"\n",
                            0755));
  TRY(spawn(kRouter, dnsmasq, fs::join(logs, "dnsmasq.log")));
  TRY(spawn(kInet,
            {o.self_exe, "masa", "serve", "--state", f, "--listen",
             std::string(kMasaAddr) + ":" + std::to_string(kMasaPort), "--mud-listen",
             std::string(kMasaAddr) + ":443"},
            fs::join(logs, "masa.log")));
  // The site first: it publishes the CRL the authenticator needs. DPP enrollees get 802.1X
  // configurations (an LDevID from their CSR) naming the router's EAP server.
  TRY(spawn(kSite,
            {o.self_exe, "site", "serve", "--state", s, "--listen",
             std::string(kSiteAddr) + ":" + std::to_string(kRegistrarPort), "--dpp-listen",
             std::string(kSiteAddr) + ":" + std::to_string(kDppPort), "--akm", "dot1x",
             "--eap-server-name", kEapServerName},
            fs::join(logs, "site.log")));
  // The enforcement point: hostapd (802.1X EAP-TLS) on every device port, and the router's table
  // kept in step with the site (admitted sessions, MUD per device).
  TRY(spawn(kRouter,
            {o.self_exe,
             "router",
             "serve",
             "--site-state",
             s,
             "--leases",
             fs::join(o.dir, "dnsmasq.leases"),
             "--dhcp-journal",
             fs::join(o.dir, "dhcp-events.jsonl"),
             "--table",
             "gh_lab",
             "--device-ports",
             "r-dev*",
             "--upstream-port",
             "r-site",
             "--onboarding-addr",
             kSiteAddr,
             "--onboarding-ports",
             std::to_string(kRegistrarPort) + "," + std::to_string(kDppPort),
             "--ruleset",
             fs::join(o.dir, "router-applied.nft"),
             "--eap-cert",
             fs::join(router_dir, "eap-server.pem"),
             "--eap-key",
             fs::join(router_dir, "eap-server.key"),
             "--auth-dir",
             fs::join(router_dir, "auth"),
             "--metrics-listen",
             std::string("127.0.0.1:") + std::to_string(kRouterMetricsPort)},
            fs::join(logs, "router.log")));
  // Plain hosts: an HTTP server on each address.
  Json hosts = Json::array();
  for (const auto& h : kHosts) {
    std::string www = fs::join(o.dir, std::string("www/") + h[0]);
    TRY(fs::make_dirs(www, 0755));
    TRY(fs::write_file_atomic(fs::join(www, "index.html"), std::string(h[0]) + "\n", 0644));
    TRY(spawn(kInet, {"busybox", "httpd", "-f", "-p", std::string(h[1]) + ":80", "-h", www},
              fs::join(logs, std::string(h[0]) + ".log")));
    hosts.push_back(
        {{"name", h[0]},
         {"address", h[1]},
         {"permitted_by",
          std::string(h[0]) == "telemetry.lab" ? Json::array({kLabMudUrl}) : Json::array()}});
  }
  Json lab{
      {"dir", o.dir},
      {"devices_requested", o.devices},
      {"pids", pids},
      {"namespaces",
       {{{"name", kRouter},
         {"role", "router"},
         {"addresses", {"10.77.0.1/24", "10.77.1.1/24"}},
         {"services",
          {"dnsmasq (DHCP, DNS)", "hostapd (802.1X EAP-TLS authenticator) on every device port",
           "nftables (table inet gh_lab)",
           "gatehouse router serve (admission after 802.1X, MUD enforcement)",
           "router metrics http://127.0.0.1:" + std::to_string(kRouterMetricsPort) +
               "/metrics (in the router's namespace)"}}},
        {{"name", kSite},
         {"role", "site"},
         {"addresses", {std::string(kSiteAddr) + "/24"}},
         {"services",
          {"registrar https://site.lab:" + std::to_string(kRegistrarPort),
           "dpp controller tcp:site.lab:" + std::to_string(kDppPort)}}},
        {{"name", kInet},
         {"role", "internet"},
         {"addresses", {std::string(kMasaAddr) + "/24"}},
         {"services",
          {"masa https://masa.lab:" + std::to_string(kMasaPort), "MUD files https://mud.lab/"}}}}},
      {"devices", devices},
      {"hosts", hosts}};
  // The services must be up before anyone uses the lab.
  TRY(fs::write_file_atomic(fs::join(o.dir, "lab.json"), lab.dump(2) + "\n", 0600));
  TRY(wait_listening(fs::join(logs, "masa.log"), "masa serve"));
  TRY(wait_listening(fs::join(logs, "site.log"), "site serve"));
  TRY(wait_listening(fs::join(logs, "router.log"), "router serve"));
  // Devices get their addresses by DHCP from the router.
  TRY(fs::write_file_atomic(fs::join(o.dir, "udhcpc.sh"), kDhcpScript, 0755));
  for (int i = 1; i <= o.devices; ++i) {
    if (!device_dhcp(o.dir, dev_ns(i)))
      return make_error("lab.dhcp", dev_ns(i) + " got no DHCP lease from the router");
    auto addr = TRY(process::run(
        {"ip", "netns", "exec", dev_ns(i), "ip", "-4", "-o", "addr", "show", "dev", "eth0"}));
    size_t at = addr.out.find("inet ");
    lab["devices"][i - 1]["address"] =
        at == std::string::npos ? "" : addr.out.substr(at + 5, addr.out.find(' ', at + 5) - at - 5);
    lab["namespaces"].push_back({{"name", dev_ns(i)},
                                 {"role", "device"},
                                 {"addresses", {lab["devices"][i - 1]["address"]}}});
  }
  TRY(fs::write_file_atomic(fs::join(o.dir, "lab.json"), lab.dump(2) + "\n", 0600));
  lab["up"] = true;
  return lab;
}

Result<Json> lab_demo(const LabOptions& given) {
  LabOptions o = given;
  o.dir = dir_for_up(given.dir);
  auto lab = TRY(lab_up(o));
  // Can a device namespace fetch http://HOST/ right now?
  auto reaches = [](const std::string& ns, const std::string& host) {
    auto r = process::run({"ip", "netns", "exec", ns, "curl", "-s", "-m", "1", "-o", "/dev/null",
                           "http://" + host + "/"});
    return r && r->exit_status == 0;
  };
  Json results = Json::array();
  for (auto& d : lab["devices"]) {
    std::string ns = d["namespace"], dir = d["state_dir"], proto = d["protocol"];
    Json entry{{"serial", d["serial"]}, {"namespace", ns}, {"protocol", proto}};
    // The device starts up: DHCP (with its MUD URL), then onboarding.
    if (!device_dhcp(o.dir, ns)) return make_error("lab.dhcp", ns + " got no DHCP lease");
    Json before = Json::object();
    for (const auto& h : kHosts) before[h[0]] = reaches(ns, h[0]);
    entry["before"] = before;
    std::vector<std::string> argv = {"ip",     "netns",   "exec",    ns, o.self_exe,
                                     "device", "onboard", "--state", dir};
    if (proto == "brski") {
      argv.insert(argv.end(), {"--brski", "https://site.lab:" + std::to_string(kRegistrarPort)});
    } else {
      argv.insert(argv.end(), {"--dpp", "tcp:site.lab:" + std::to_string(kDppPort)});
    }
    auto r = process::run(argv);
    bool onboarded = (r && r->exit_status == 0) ||
                     fs::exists(fs::join(dir, "onboarding/network.json"));  // from an earlier run
    entry["onboarded"] = onboarded;
    // Onboarded is not connected: the port opens only after 802.1X with the new LDevID.
    Json between = Json::object();
    for (const auto& h : kHosts) between[h[0]] = reaches(ns, h[0]);
    entry["onboarded_not_connected"] = between;
    auto c = process::run({"ip", "netns", "exec", ns, o.self_exe, "device", "connect", "--state",
                           dir, "--iface", "eth0", "--server-name", kEapServerName});
    entry["connected"] = onboarded && c && c->exit_status == 0;
    results.push_back(entry);
  }
  // The MUD manager fetches the files and the router admits each session within its interval:
  // wait for each connected device's first allowed flow.
  for (const auto& e : results)
    for (int i = 0; i < 40 && e["connected"].get<bool>(); ++i) {
      if (reaches(e["namespace"], kHosts[0][0])) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  for (auto& e : results) {
    Json after = Json::object();
    for (const auto& h : kHosts) after[h[0]] = reaches(e["namespace"], h[0]);
    e["after"] = after;
  }
  return Json{{"dir", o.dir}, {"devices", results}};
}

}  // namespace gh::svc
