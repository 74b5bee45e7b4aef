#include "svc/router/router_metrics.h"

#include "svc/common/metrics.h"
#include "svc/site/site_metrics.h"

namespace gh::svc::router_metrics {
namespace {

using metrics::Registry;

// An nft transaction is a netlink round trip: from a millisecond to seconds for a large table.
const std::vector<double>& nft_buckets() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,   0.25,   0.5,   1,    2.5,   5};
  return b;
}

metrics::Counter sessions() {
  return Registry::process().counter(
      "gatehouse_router_8021x_sessions_total",
      "802.1X EAP-TLS sessions authenticated on the router's device ports, by the site's "
      "admission: admitted to the device's segment, or refused (gatehouse_router_8021x_"
      "refusals_total says why)",
      {"outcome"});
}

}  // namespace

void eap_event(const EapEvent& e, const SessionVerdict* verdict) {
  auto& r = Registry::process();
  if (e.kind == "authenticated" && verdict) {
    sessions().inc({verdict->admitted ? "admitted" : "refused"});
    if (!verdict->admitted)
      r.counter("gatehouse_router_8021x_refusals_total",
                "Authenticated 802.1X sessions the site's admission refused, by check", {"check"})
          .inc({verdict->check});
    if (!verdict->decision.rule.empty()) count_policy_decision("connect", verdict->decision);
  } else if (e.kind == "failed") {
    r.counter("gatehouse_router_8021x_failures_total",
              "802.1X authentications that failed, by what hostapd's EAP or TLS server refused",
              {"reason"})
        .inc({e.reason});
  } else if (e.kind == "ended") {
    r.counter("gatehouse_router_8021x_sessions_ended_total",
              "802.1X sessions ended: logoff, the station left, another authentication")
        .inc();
  }
}

void nft_applied(const std::string& mode, bool ok, double seconds) {
  auto& r = Registry::process();
  r.histogram("gatehouse_router_nft_apply_duration_seconds",
              "How long one nftables transaction took, by mode (incremental: only what changed; "
              "full: the whole table) and outcome",
              {"mode", "outcome"}, nft_buckets())
      .observe({mode, ok ? "ok" : "refused"}, seconds);
  if (ok)
    r.counter("gatehouse_router_ruleset_applications_total",
              "Rulesets applied to the kernel, by mode (incremental transactions, whole tables)",
              {"mode"})
        .inc({mode});
  else
    r.counter("gatehouse_router_ruleset_failures_total",
              "nftables transactions the kernel refused, by mode (a refused incremental one is "
              "followed by the whole table; a refused table leaves the previous rules)",
              {"mode"})
        .inc({mode});
}

void table(const RouterView& view, size_t authenticated) {
  auto& r = Registry::process();
  const auto& t = view.table;
  r.gauge("gatehouse_router_8021x_sessions_active", "802.1X sessions authenticated now")
      .set({}, static_cast<double>(authenticated));
  r.gauge("gatehouse_router_admitted_stations", "Stations admitted through their MUD chains now")
      .set({}, static_cast<double>(t.from.size()));
  r.gauge("gatehouse_router_quarantined_stations", "Stations held in the quarantine segment now")
      .set({}, static_cast<double>(t.quarantined.size()));
  r.gauge("gatehouse_router_mud_policies",
          "MUD policies (chain pairs, shared by the devices of one MUD file) in the table now")
      .set({}, static_cast<double>(t.policies.size()));
}

void drops(uint64_t mud_denied, uint64_t onboarding_rejected) {
  auto& r = Registry::process();
  // Gauges: the kernel's counters as they are now (an element goes with its device; a whole
  // table applied anew starts them at 0).
  r.gauge("gatehouse_router_mud_denied_packets",
          "Packets the default deny of admitted devices' MUD chains dropped, summed over the "
          "devices admitted now (router-view.json has them per device)")
      .set({}, static_cast<double>(mud_denied));
  r.gauge("gatehouse_router_onboarding_segment_rejected_packets",
          "Packets from the onboarding segment rejected (logged, then rejected) by the table now")
      .set({}, static_cast<double>(onboarding_rejected));
}

std::string scrape() {
  Registry now;
  metrics::process_metrics(now);
  return Registry::process().render() + now.render();
}

}  // namespace gh::svc::router_metrics
