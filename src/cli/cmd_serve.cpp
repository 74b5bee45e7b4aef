// Servers (masa serve, site serve) and the device's onboarding command.
#include <iostream>

#include "cli/cmds.h"
#include "common/log.h"
#include "net/http.h"
#include "svc/common/role.h"
#include "svc/device/pledge_agent.h"
#include "svc/factory/masa_service.h"
#include "svc/site/api_service.h"
#include "svc/site/dpp_site.h"
#include "svc/site/evidence_export.h"
#include "svc/site/mud_manager.h"
#include "svc/site/registrar_service.h"

namespace gh::cli {
namespace {

Result<std::pair<std::string, int>> parse_listen(const std::string& listen) {
  auto hp = net::parse_host_port(listen);
  if (!hp) return make_error("usage", "--listen takes HOST:PORT");
  return hp;
}

std::string bracket(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

int masa_serve(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto listen = required(a, "listen");
  if (!listen) return fail(listen.error());
  auto masa = svc::MasaService::open(*state);
  if (!masa) return fail(masa.error());
  auto hp = parse_listen(*listen);
  if (!hp) return fail(hp.error());
  auto port = (*masa)->serve(hp->first, hp->second);
  if (!port) return fail(port.error());
  // The first line names the bound address (useful with port 0).
  std::cout << "masa listening on https://" << bracket(hp->first) << ":" << *port << std::endl;
  if (a.has("mud-listen")) {
    auto mhp = parse_listen(a.get("mud-listen"));
    if (!mhp) return fail(mhp.error());
    auto mport = (*masa)->serve_mud(mhp->first, mhp->second);
    if (!mport) return fail(mport.error());
    std::cout << "mud file server listening on https://" << bracket(mhp->first) << ":" << *mport
              << std::endl;
  }
  svc::wait_for_stop_signal();
  (*masa)->stop();
  return kExitOk;
}

int site_serve(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (!a.has("listen") && !a.has("dpp-listen") && !a.has("api-listen"))
    return fail(make_error("usage", "site serve needs --listen, --dpp-listen or --api-listen"));
  std::unique_ptr<svc::RegistrarService> reg;
  std::unique_ptr<svc::DppSite> dpp;
  std::unique_ptr<svc::ApiService> api;
  if (a.has("api-listen")) {
    if (a.has("api-cert") != a.has("api-key"))
      return fail(make_error("usage", "--api-cert and --api-key go together"));
    svc::ApiOptions o{a.get("api-cert"), a.get("api-key"), {}};
    const std::string who = a.get("metrics-role", "public");
    if (who != "public" && who != "viewer")
      return fail(make_error("usage", "--metrics-role takes public or viewer"));
    o.metrics_role = who == "viewer" ? svc::ApiRole::kViewer : svc::ApiRole::kPublic;
    o.ui_dir = a.get("ui-dir");
    auto r = svc::ApiService::open(*state, o);
    if (!r) return fail(r.error());
    api = std::move(*r);
  }
  if (a.has("listen")) {
    auto days = a.get_int("ldevid-days", 90);
    if (!days) return fail(days.error());
    auto secs = a.get_int("ldevid-seconds", 0);
    if (!secs) return fail(secs.error());
    svc::RegistrarOptions o;
    o.ldevid_lifetime_s = *secs > 0 ? *secs : int64_t{*days} * 86400;
    if (o.ldevid_lifetime_s < 60)
      return fail(make_error("usage", "LDevID lifetime must be at least 60 s"));
    o.check_audit_log = !a.has("no-audit-log-check");
    auto mirror = a.get_int("mirror-interval", 300);
    if (!mirror) return fail(mirror.error());
    if (*mirror < 0) return fail(make_error("usage", "--mirror-interval takes 0 or more seconds"));
    o.mirror_interval_s = *mirror;
    auto r = svc::RegistrarService::open(*state, o);
    if (!r) return fail(r.error());
    reg = std::move(*r);
  }
  if (a.has("dpp-listen")) {
    auto d = open_dpp_site(a, *state);
    if (!d) return fail(d.error());
    dpp = std::move(*d);
  }
  // The MUD manager keeps verified copies of onboarded devices' MUD files.
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  svc::MudManager mud(**site);
  if (!a.has("no-mud")) mud.start();
  // The first lines name the bound addresses (useful with port 0).
  if (reg) {
    auto hp = parse_listen(a.get("listen"));
    if (!hp) return fail(hp.error());
    auto port = reg->serve(hp->first, hp->second);
    if (!port) return fail(port.error());
    std::cout << "registrar listening on https://" << bracket(hp->first) << ":" << *port
              << std::endl;
  }
  if (dpp) {
    auto hp = parse_listen(a.get("dpp-listen"));
    if (!hp) return fail(hp.error());
    auto port = dpp->serve(hp->first, hp->second);
    if (!port) return fail(port.error());
    std::cout << "dpp controller listening on tcp:" << bracket(hp->first) << ":" << *port
              << std::endl;
  }
  if (api) {
    auto hp = parse_listen(a.get("api-listen"));
    if (!hp) return fail(hp.error());
    auto port = api->serve(hp->first, hp->second);
    if (!port) return fail(port.error());
    std::cout << "api listening on https://" << bracket(hp->first) << ":" << *port << "/api/v1/"
              << std::endl;
    std::cout << "dashboard at https://" << bracket(hp->first) << ":" << *port << "/ui/"
              << (api->ui_installed() ? "" : " (not installed: --ui-dir DIR)") << std::endl;
  }
  // The evidence log's signed checkpoints (RFC 9162 tree heads), each checked against the last.
  auto checkpoint_every = a.get_int("checkpoint-interval", 3600);
  if (!checkpoint_every) return fail(checkpoint_every.error());
  if (*checkpoint_every < 0)
    return fail(make_error("usage", "--checkpoint-interval takes 0 or more seconds"));
  double next_checkpoint = time::monotonic() + *checkpoint_every;
  // Continuous assurance: devices whose evidence is overdue are marked stale each second. With
  // --no-upkeep (a second serve on the same state, such as the lab's dashboard) another process
  // does that, the checkpoints and the CRL, and this one only answers.
  std::unique_ptr<svc::Verifier> verifier;
  if (!a.has("no-upkeep")) {
    auto v = svc::Verifier::open(**site);
    if (!v) return fail(v.error());
    verifier = std::move(*v);
  }
  // The CRL (superseded and revoked LDevIDs) stays current for the 802.1X authenticator.
  int tick = 0;
  do {
    if (!verifier) continue;
    if (*checkpoint_every > 0 && time::monotonic() >= next_checkpoint) {
      next_checkpoint = time::monotonic() + *checkpoint_every;
      if (auto cp = svc::checkpoint_evidence(**site); !cp)
        log::error("site", "evidence checkpoint: " + cp.error().str());
      else
        log::info("site", "evidence checkpoint signed");
    }
    if (auto stale = verifier->sweep_stale(time::now()); !stale)
      log::warn("site", "attestation sweep: " + stale.error().str());
    else
      for (const auto& serial : *stale) log::warn("site", serial + ": attestation is stale");
    if (tick++ % 2 != 0) continue;
    if (auto c = (*site)->refresh_crl(); !c)
      log::warn("site", "CRL: " + c.error().str());
    else if (*c)
      log::info("site", "CRL published to " + (*site)->crl_path());
  } while (!svc::wait_for_stop_signal_for(1000));
  mud.stop();
  if (api) api->stop();
  if (dpp) dpp->stop();
  if (reg) reg->stop();
  return kExitOk;
}

int device_onboard(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.has("dpp") == a.has("brski"))
    return fail(
        make_error("usage", "device onboard takes one of --brski URL or --dpp tcp:HOST:PORT"));
  if (a.has("dpp")) return device_onboard_dpp(a);
  auto url = https_url(a, "brski");
  if (!url) return fail(url.error());
  auto timeout = a.get_int_in("timeout", 120, 1, 86400);
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
