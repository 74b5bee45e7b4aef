// Servers (masa serve, site serve) and the device's onboarding command.
#include <iostream>

#include "cli/cmds.h"
#include "net/http.h"
#include "svc/identity.h"
#include "svc/masa_service.h"
#include "svc/pledge_agent.h"
#include "svc/registrar_service.h"

namespace gh::cli {
namespace {

Result<std::pair<std::string, int>> parse_listen(const std::string& listen) {
  auto hp = net::parse_host_port(listen);
  if (!hp) return make_error("usage", "--listen takes HOST:PORT");
  return hp;
}

template <class Service>
int run_server(Service& service, const std::string& listen, const std::string& what) {
  auto hp = parse_listen(listen);
  if (!hp) return fail(hp.error());
  auto port = service.serve(hp->first, hp->second);
  if (!port) return fail(port.error());
  std::string host = hp->first.find(':') != std::string::npos ? "[" + hp->first + "]" : hp->first;
  // The first line names the bound address (useful with port 0).
  std::cout << what << " listening on https://" << host << ":" << *port << std::endl;
  svc::wait_for_stop_signal();
  service.stop();
  return kExitOk;
}

}  // namespace

int masa_serve(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto listen = required(a, "listen");
  if (!listen) return fail(listen.error());
  auto masa = svc::MasaService::open(*state);
  if (!masa) return fail(masa.error());
  return run_server(**masa, *listen, "masa");
}

int site_serve(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto listen = required(a, "listen");
  if (!listen) return fail(listen.error());
  auto days = a.get_int("ldevid-days", 90);
  if (!days) return fail(days.error());
  auto secs = a.get_int("ldevid-seconds", 0);
  if (!secs) return fail(secs.error());
  svc::RegistrarOptions o;
  o.ldevid_lifetime_s = *secs > 0 ? *secs : int64_t{*days} * 86400;
  if (o.ldevid_lifetime_s < 60)
    return fail(make_error("usage", "LDevID lifetime must be at least 60 s"));
  o.check_audit_log = !a.has("no-audit-log-check");
  auto reg = svc::RegistrarService::open(*state, o);
  if (!reg) return fail(reg.error());
  return run_server(**reg, *listen, "registrar");
}

int device_onboard(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto url = required(a, "brski");
  if (!url) return fail(url.error());
  auto timeout = a.get_int("timeout", 120);
  if (!timeout) return fail(timeout.error());
  auto r = svc::onboard_brski({*state, *url, *timeout});
  if (!r) return fail(r.error());
  if (a.has("json")) {
    print_json(Json{{"serial", r->serial},
                    {"ldevid_serial", r->ldevid_serial},
                    {"domain", r->domain},
                    {"attempts", r->attempts}});
  } else {
    std::cout << r->serial << " onboarded to " << r->domain << " (LDevID serial "
              << r->ldevid_serial << ")\n";
  }
  return kExitOk;
}

}  // namespace gh::cli
