// DPP commands: the site's controller and configurator (`site dpp ...`, `site export
// hostapd-psk`) and the device's enrollee (`device onboard --dpp`, `device dpp listen`).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/cmds.h"
#include "common/fs.h"
#include "common/process.h"
#include "net/dpp_tcp.h"
#include "svc/device/dpp_enrollee.h"
#include "svc/site/dpp_site.h"

namespace gh::cli {

Result<std::unique_ptr<svc::DppSite>> open_dpp_site(const Args& a, const std::string& state) {
  svc::DppSiteOptions o;
  o.ssid = a.get("ssid", o.ssid);
  o.akm = a.get("akm", o.akm);
  o.accept_unknown = a.has("accept-unknown");
  o.eap_server_name = a.get("eap-server-name", o.eap_server_name);
  auto days = TRY(a.get_int("connector-days", 0));
  if (days < 0) return make_error("usage", "--connector-days must not be negative");
  o.connector_lifetime_s = int64_t{days} * 86400;
  o.timeout_s = TRY(a.get_int("dpp-timeout", o.timeout_s));
  if (o.timeout_s < 1) return make_error("usage", "--dpp-timeout must be at least 1 s");
  return svc::DppSite::open(state, o);
}

int site_dpp_uri(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto curve = crypto::parse_curve(a.get("curve", "P-256"));
  if (!curve) return fail(make_error("usage", "--curve takes P-256, P-384 or P-521"));
  auto d = open_dpp_site(a, *state);
  if (!d) return fail(d.error());
  auto uri = (*d)->uri(*curve);
  if (!uri) return fail(uri.error());
  std::cout << *uri << "\n";
  return kExitOk;
}

namespace {
int add_uri(const Args& a, const std::string& state, const std::string& uri,
            const std::string& source) {
  auto d = open_dpp_site(a, state);
  if (!d) return fail(d.error());
  if (a.has("tcp")) {
    auto given = host_port(a, "tcp");
    if (!given) return fail(given.error());
    auto hp = net::parse_host_port(*given);
    if (!hp) return fail(make_error("usage", "--tcp takes HOST:PORT"));
    auto x = (*d)->initiate(uri, hp->first, hp->second);
    if (!x) return fail(x.error());
    if (!x->ok) return fail(x->error);
    std::cout << "configured " << x->device << " (akm " << x->akm << (x->mutual ? ", mutual" : "")
              << ")\n";
    return kExitOk;
  }
  auto p = (*d)->add_uri(uri, source);
  if (!p) return fail(p.error());
  if (a.has("json")) {
    print_json(Json{{"bkh", p->bkh}, {"chirp", p->chirp}, {"uri", p->uri}, {"source", source}});
  } else {
    std::cout << "known: bootstrapping key " << p->bkh.substr(0, 16) << "...\n";
  }
  return kExitOk;
}
}  // namespace

int site_dpp_add_uri(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1) return fail(make_error("usage", "site dpp add-uri takes one URI"));
  return add_uri(a, *state, a.positional[0], "add-uri");
}

int site_dpp_scan(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1) return fail(make_error("usage", "site dpp scan takes one image"));
  const std::string& image = a.positional[0];
  if (!fs::exists(image)) return fail(make_error("io.open", "no such image: " + image));
  // zbar reads the label; the file name is passed as an argument vector, not through a shell.
  auto run = process::run({"zbarimg", "--raw", "-q", image});
  if (!run) return fail(make_error("scan.zbar", run.error().message));
  const std::string& out = run->out;
  std::string uri;
  for (size_t pos = 0; pos < out.size();) {
    size_t end = out.find('\n', pos);
    std::string line = trim(out.substr(pos, end == std::string::npos ? end : end - pos));
    if (line.rfind("DPP:", 0) == 0) {
      uri = line;
      break;
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  if (uri.empty()) return fail(make_error("scan.no-dpp", "no DPP QR code found in " + image));
  return add_uri(a, *state, uri, "scan");
}

int site_export_hostapd_psk(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto out = required(a, "out");
  if (!out) return fail(out.error());
  auto d = open_dpp_site(a, *state);
  if (!d) return fail(d.error());
  auto text = (*d)->hostapd_psk_file();
  if (!text) return fail(text.error());
  auto st = fs::write_file_atomic(*out, *text, 0600);
  if (!st) return fail(st.error());
  std::cout << "wrote " << *out << " (mode 0600)\n";
  return kExitOk;
}

namespace {
int print_enrollee(const Args& a, const svc::DppEnrolleeResult& r) {
  if (a.has("json")) {
    print_json(Json{{"serial", r.serial},
                    {"akm", r.akm},
                    {"ssid", r.ssid},
                    {"mutual", r.mutual},
                    {"csign_kid", r.csign_kid}});
  } else {
    std::cout << r.serial << " configured by DPP: SSID '" << r.ssid << "', akm " << r.akm
              << (r.mutual ? " (mutual authentication)" : "") << "\n";
  }
  return kExitOk;
}
svc::DppEnrolleeOptions enrollee_options(const Args& a, const std::string& state) {
  svc::DppEnrolleeOptions o;
  o.device_dir = state;
  o.controller = a.get("dpp");
  o.peer_uri = a.get("peer-uri");
  o.net_role = a.get("net-role", "sta");
  return o;
}
}  // namespace

int device_onboard_dpp(const Args& a) {
  auto controller = host_port(a, "dpp");
  if (!controller) return fail(controller.error());
  auto o = enrollee_options(a, a.get("state"));
  auto t = a.get_int_in("timeout", 30, 1, 86400);
  if (!t) return fail(t.error());
  o.timeout_s = *t;
  auto r = svc::onboard_dpp(o);
  if (!r) return fail(r.error());
  return print_enrollee(a, *r);
}

int device_dpp_listen(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto o = enrollee_options(a, *state);
  auto port = a.get_int_in("port", net::kDppPort, 0, 65535);
  if (!port) return fail(port.error());
  o.listen = a.get("host", "0.0.0.0") + ":" + std::to_string(*port);
  auto t = a.get_int_in("timeout", 30, 1, 86400);
  if (!t) return fail(t.error());
  o.timeout_s = *t;
  auto r = svc::onboard_dpp_listen(
      o, [](int p) { std::cerr << "enrollee listening on tcp port " << p << std::endl; });
  if (!r) return fail(r.error());
  return print_enrollee(a, *r);
}

}  // namespace gh::cli
