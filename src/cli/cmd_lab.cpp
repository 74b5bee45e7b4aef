// gatehouse lab up|status|down: the network of namespaces the network side is tried and tested on.
#include <arpa/inet.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cli/cmds.h"
#include "codec/mud.h"
#include "common/time.h"
#include "net/tcp.h"
#include "svc/lab/lab.h"
#include "svc/router/authenticator.h"
#include "svc/router/dhcp_journal.h"
#include "svc/router/router_agent.h"

namespace gh::cli {
namespace {
// Empty without --dir: the services find the lab that is up (svc::find_lab_dir).
std::string lab_dir(const Args& a) {
  return a.get("dir");
}
// lab.json as text; a field that is missing or of another type (a record edited or cut short)
// prints as "?" rather than stopping the command.
std::string field(const Json& o, const char* key) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_string()) return "?";
  return o[key].get<std::string>();
}
const Json& list(const Json& o, const char* key) {
  static const Json empty = Json::array();
  return o.is_object() && o.contains(key) && o[key].is_array() ? o[key] : empty;
}
void print_lab(const Json& j) {
  std::cout << "lab in " << field(j, "dir") << " ("
            << (j.value("up", false) ? "up" : "down: its namespaces are gone") << ")\n";
  for (const auto& ns : list(j, "namespaces")) {
    std::cout << field(ns, "name") << "  " << field(ns, "role") << "  ";
    for (const auto& a : list(ns, "addresses"))
      std::cout << (a.is_string() ? a.get<std::string>() : "?") << " ";
    std::cout << "\n";
  }
  for (const auto& d : list(j, "devices"))
    std::cout << "device " << field(d, "serial") << " in " << field(d, "namespace") << " ("
              << field(d, "protocol") << "), state " << field(d, "state_dir") << "\n";
  for (const auto& h : list(j, "hosts"))
    std::cout << "host " << field(h, "name") << " " << field(h, "address")
              << (list(h, "permitted_by").empty() ? "" : " (permitted by a MUD file)") << "\n";
  if (j.contains("dashboard"))
    std::cout << "dashboard " << field(j["dashboard"], "url") << " (token in "
              << field(j["dashboard"], "token_file") << ")\n";
}
int show(const Args& a, const Result<Json>& r) {
  if (!r) return fail(r.error());
  if (a.has("json"))
    print_json(*r);
  else
    print_lab(*r);
  return kExitOk;
}
}  // namespace

// The lab's options from the command line.
static Result<svc::LabOptions> lab_options(const Args& a) {
  svc::LabOptions o;
  o.dir = lab_dir(a);
  o.devices = TRY(a.get_int("devices", 2));
  o.self_exe = TRY(self_exe());
  return o;
}

int lab_up(const Args& a) {
  auto o = lab_options(a);
  if (!o) return fail(o.error());
  return show(a, svc::lab_up(*o));
}

int lab_dashboard(const Args& a) {
  auto exe = self_exe();
  if (!exe) return fail(exe.error());
  const std::string listen = a.get("listen", "127.0.0.1:8444");
  if (!net::parse_host_port(listen)) return fail(make_error("usage", "--listen takes HOST:PORT"));
  auto d = svc::lab_dashboard(lab_dir(a), *exe, listen);
  if (!d) return fail(d.error());
  if (a.has("json")) {
    print_json(*d);
    return kExitOk;
  }
  std::cout << "dashboard: " << (*d)["url"].get<std::string>() << "\n"
            << "sign in with the token in " << (*d)["token_file"].get<std::string>()
            << " (operator " << (*d)["operator"].get<std::string>() << ", "
            << (*d)["role"].get<std::string>() << ")\n"
            << "its certificate is issued by the site's CA: " << (*d)["ca"].get<std::string>()
            << "\n"
            << "it runs until gatehouse lab down\n";
  return kExitOk;
}

int lab_status(const Args& a) {
  return show(a, svc::lab_status(lab_dir(a)));
}

int lab_demo(const Args& a) {
  auto o = lab_options(a);
  if (!o) return fail(o.error());
  auto r = svc::lab_demo(*o);
  if (!r) return fail(r.error());
  if (a.has("json")) {
    print_json(*r);
    return kExitOk;
  }
  for (const auto& d : (*r)["devices"]) {
    std::cout << d["serial"].get<std::string>() << " (" << d["namespace"].get<std::string>() << ", "
              << d["protocol"].get<std::string>()
              << "): " << (d["onboarded"].get<bool>() ? "onboarded" : "NOT onboarded") << "\n";
    for (const auto& [host, ok] : d["before"].items())
      std::cout << "  " << host << ": before " << (ok.get<bool>() ? "reachable" : "blocked")
                << ", after " << (d["after"][host].get<bool>() ? "reachable" : "blocked") << "\n";
  }
  std::cout << "the lab stays up: gatehouse lab status, gatehouse lab down\n";
  return kExitOk;
}

int router_serve(const Args& a) {
  svc::RouterOptions o;
  auto st = required(a, "site-state");
  if (!st) return fail(st.error());
  o.site_state = *st;
  o.leases = a.get("leases");
  o.dhcp_journal = a.get("dhcp-journal");
  o.table = a.get("table", o.table);
  o.ruleset_path = a.get("ruleset");
  o.device_ports = a.get("device-ports", o.device_ports);
  o.upstream_port = a.get("upstream-port", o.upstream_port);
  o.onboarding_addr = a.get("onboarding-addr", o.onboarding_addr);
  for (const char* v : {"device-ports", "upstream-port"}) {
    const std::string x = a.get(v, "x");
    if (x.empty() || x.size() > 15 || x.find_first_of("\"\\ \n") != std::string::npos)
      return fail(make_error("usage", std::string("--") + v + " must be an interface name"));
  }
  if (in_addr ia{}; ::inet_pton(AF_INET, o.onboarding_addr.c_str(), &ia) != 1)
    return fail(make_error("usage", "--onboarding-addr must be an IPv4 address"));
  if (a.has("onboarding-ports")) {
    o.onboarding_ports.clear();
    std::istringstream in(a.get("onboarding-ports"));
    for (std::string p; std::getline(in, p, ',');) {
      char* end = nullptr;
      long n = std::strtol(p.c_str(), &end, 10);
      if (p.empty() || *end != 0 || n < 1 || n > 65535)
        return fail(make_error("usage", "--onboarding-ports must be TCP ports, e.g. 8443,8908"));
      o.onboarding_ports.push_back(static_cast<int>(n));
    }
    if (o.onboarding_ports.empty())
      return fail(make_error("usage", "--onboarding-ports must name at least one port"));
  }
  o.auth.server_cert = a.get("eap-cert");
  o.auth.server_key = a.get("eap-key");
  o.auth.dir = a.get("auth-dir");
  auto exe = self_exe();
  if (!exe) return fail(exe.error());
  o.auth.self_exe = *exe;
  auto reauth = a.get_int("reauth-seconds", o.auth.reauth_period_s);
  if (!reauth) return fail(reauth.error());
  if (*reauth < 10) return fail(make_error("usage", "--reauth-seconds must be at least 10"));
  o.auth.reauth_period_s = *reauth;
  o.metrics_listen = a.get("metrics-listen");
  auto r = svc::router_serve(o);
  if (!r) return fail(r.error());
  return kExitOk;
}

// dnsmasq's --dhcp-script: "ACTION MAC IP [HOSTNAME]", the client's options in the environment.
int router_dhcp_event(const Args& a) {
  auto journal = required(a, "journal");
  if (!journal) return fail(journal.error());
  const std::string action = a.positional.empty() ? "" : a.positional[0];
  // init (a lease database dnsmasq asks for), tftp and arp events carry nothing for us.
  if (!action.empty() && action != "add" && action != "old" && action != "del") return kExitOk;
  if (a.positional.size() < 3)
    return fail(make_error("usage", "router dhcp-event --journal FILE ACTION MAC IP [HOSTNAME]"));
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  svc::DhcpAnnouncement ann;
  ann.mac = a.positional[1];
  ann.ip = a.positional[2];
  ann.port = env("DNSMASQ_INTERFACE");
  ann.at = time::now();
  if (std::string url = env("DNSMASQ_MUD_URL"); !url.empty()) {
    ann.mud_url_problem = codec::mud::url_problem(url);
    if (ann.mud_url_problem.empty())
      ann.mud_url = url;
    else
      ann.mud_url_problem += " (" + std::to_string(url.size()) + " bytes sent)";
  }
  auto st = svc::dhcp_journal_append(*journal, action, ann);
  if (!st) return fail(st.error());
  return kExitOk;
}

int router_authenticator_port(const Args& a) {
  auto conf = required(a, "conf");
  if (!conf) return fail(conf.error());
  auto log = required(a, "log");
  if (!log) return fail(log.error());
  auto st = svc::supervise_hostapd(a.get("hostapd", "hostapd"), *conf, *log);
  if (!st) return fail(st.error());
  return kExitOk;
}

int lab_down(const Args& a) {
  auto dir = svc::lab_down(lab_dir(a));
  if (!dir) return fail(dir.error());
  std::cout << "lab down: namespaces, processes and their files removed (its state stays in "
            << *dir << ")\n";
  return kExitOk;
}

}  // namespace gh::cli
