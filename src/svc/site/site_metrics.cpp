#include "svc/site/site_metrics.h"

#include <map>

#include "common/fs.h"
#include "common/time.h"
#include "store/lifecycle.h"

namespace gh::svc {
namespace {

using metrics::Registry;

constexpr size_t kTallyPage = 10'000;
constexpr int64_t kDay = 86400;

// Where a device holds a credential the site counts as its current LDevID (the states a renewal
// may start from, store/lifecycle.cpp): a revoked, decommissioned or transferred device's was
// revoked with it, and an expected one has none yet.
bool holds_ldevid(const std::string& state) {
  return store::in_service(state) || state == "enrolled" || state == "quarantined";
}

// The evidence-log kinds that are a step of onboarding by each protocol and that the site
// refuses (a device's own failure report is telemetry, not the site's refusal).
const std::map<std::string, std::string>& onboarding_refusal_kinds() {
  static const std::map<std::string, std::string> kinds = {
      {"brski.voucher-request", "brski"}, {"est.simpleenroll", "brski"}, {"dpp.exchange", "dpp"}};
  return kinds;
}

}  // namespace

void observe_step(const std::string& step, bool ok, double seconds) {
  Registry::process()
      .histogram("gatehouse_step_duration_seconds",
                 "How long the site took to answer one step, request in to answer out: "
                 "brski_voucher_request (with the MASA's voucher), est_enroll, est_reenroll, "
                 "dpp_exchange (the whole exchange, waiting on the enrollee included), "
                 "attestation_appraisal. outcome: ok, or refused (an error answer)",
                 {"step", "outcome"}, metrics::latency_buckets())
      .observe({step, ok ? "ok" : "refused"}, seconds);
}

void count_policy_decision(const std::string& protocol, const proto::policy::Decision& d) {
  Registry::process()
      .counter("gatehouse_policy_decisions_total",
               "Decisions of the authorization policy for a device, by the protocol that asked "
               "(brski, dpp, connect: 802.1X admission), the rule that decided (default: none "
               "matched) and the decision",
               {"protocol", "rule", "decision"})
      .inc({protocol, d.rule, d.allow ? "allow" : "deny"});
}

std::optional<OnboardingOutcome> onboarding_outcome(const store::Event& e) {
  const bool ok = e.outcome == "ok";
  if (e.kind == "brski.enroll-status" && ok) return OnboardingOutcome{"brski", true};
  if (e.kind == "dpp.exchange" && ok) return OnboardingOutcome{"dpp", true};
  if (auto it = onboarding_refusal_kinds().find(e.kind);
      it != onboarding_refusal_kinds().end() && !ok)
    return OnboardingOutcome{it->second, false};
  return std::nullopt;
}

SiteMetrics::SiteMetrics(Site& site)
    : site_(site),
      events_(tally_.counter("gatehouse_evidence_events_total",
                             "Entries written to the evidence log since this process started, "
                             "by outcome",
                             {"outcome"})),
      onboardings_(tally_.counter(
          "gatehouse_onboardings_total",
          "Onboardings by protocol and outcome, from the evidence log since this process "
          "started. ok: brski, the device confirmed its LDevID (brski.enroll-status); dpp, the "
          "exchange ended with a configuration (dpp.exchange). refused: the site refused a "
          "voucher request, an enrollment or a DPP exchange",
          {"protocol", "outcome"})),
      refusals_(tally_.counter(
          "gatehouse_refusals_total",
          "Refusals in the evidence log since this process started, by the entry's kind and the "
          "check that refused (its reason). Peers that proved no identity are not logged, and "
          "each device's refusals are logged within a rate: gatehouse_step_duration_seconds "
          "counts every answer",
          {"kind", "check"})),
      dot1x_(tally_.counter("gatehouse_8021x_sessions_total",
                            "802.1X EAP-TLS sessions the router reported (network.8021x) since "
                            "this process started: admitted to the device's segment, or refused "
                            "by the site's admission (the check is in gatehouse_refusals_total)",
                            {"outcome"})),
      dot1x_ended_(tally_.counter("gatehouse_8021x_sessions_ended_total",
                                  "802.1X sessions the router reported ended (logoff, another "
                                  "authentication on the port)")),
      quarantines_(tally_.counter("gatehouse_quarantines_total",
                                  "Devices quarantined, by an operator or by the verifier's "
                                  "policy")),
      releases_(tally_.counter("gatehouse_quarantine_releases_total",
                               "Devices released from quarantine")),
      revocations_(
          tally_.counter("gatehouse_revocations_total", "Devices whose credentials were revoked")),
      mud_(tally_.counter("gatehouse_mud_files_applied_total",
                          "MUD files the MUD manager fetched, verified and made a device's rules "
                          "(mud.fetch); the router applies them (gatehouse_router_*)")) {
  // The series everyone looks for exist from the start, at 0.
  for (const char* p : {"brski", "dpp"})
    for (const char* o : {"ok", "refused"}) onboardings_.inc({p, o}, 0);
  for (const char* o : {"admitted", "refused"}) dot1x_.inc({o}, 0);
}

Result<std::unique_ptr<SiteMetrics>> SiteMetrics::open(Site& site) {
  std::unique_ptr<SiteMetrics> m(new SiteMetrics(site));
  m->tail_ = TRY(EvidenceTail::open(fs::join(site.state_dir(), "inventory.db")));
  m->last_id_ = TRY(m->tail_->last_id());
  return m;
}

void SiteMetrics::tally(const store::Event& e) {
  const bool ok = e.outcome == "ok";
  events_.inc({e.outcome});
  if (!ok) refusals_.inc({e.kind, e.reason.empty() ? "unnamed" : e.reason});
  if (auto o = onboarding_outcome(e)) onboardings_.inc({o->protocol, o->ok ? "ok" : "refused"});
  // The router writes one entry as a session is admitted or refused, and one as it ends.
  if (e.kind == "network.8021x") {
    if (!ok)
      dot1x_.inc({"refused"});
    else if (e.reason == "session ended")
      dot1x_ended_.inc();
    else
      dot1x_.inc({"admitted"});
  }
  if (!ok) return;
  if (e.kind == "device.quarantine") quarantines_.inc();
  if (e.kind == "device.release") releases_.inc();
  if (e.kind == "device.revoke") revocations_.inc();
  if (e.kind == "mud.fetch") mud_.inc();
}

void SiteMetrics::inventory_gauges(Registry& r) {
  auto devices = site_.inventory().list();
  if (!devices) return;
  auto by_state =
      r.gauge("gatehouse_devices", "Devices in the inventory by lifecycle state", {"state"});
  for (const auto& s : store::lifecycle_states()) by_state.set({s}, 0);
  auto expiring = r.gauge("gatehouse_ldevids_expiring",
                          "Devices whose current LDevID expires within the window (30d includes "
                          "7d; already expired ones included)",
                          {"within"});
  const time::Seconds now = time::now();
  double in7 = 0, in30 = 0;
  for (const auto& d : *devices) {
    by_state.add({d.state}, 1);
    if (!holds_ldevid(d.state) || d.ldevid_serial.empty() || d.ldevid_not_after <= 0) continue;
    if (d.ldevid_not_after <= now + 7 * kDay) ++in7;
    if (d.ldevid_not_after <= now + 30 * kDay) ++in30;
  }
  expiring.set({"7d"}, in7);
  expiring.set({"30d"}, in30);
}

Result<std::string> SiteMetrics::scrape() {
  std::lock_guard<std::mutex> lock(mu_);
  // Catch up with the log: pages of kTallyPage, at most kMaxTallyPerScrape (the rest next time).
  for (size_t read = 0; read < kMaxTallyPerScrape;) {
    auto page = TRY(tail_->after(last_id_, kTallyPage));
    for (const auto& e : page) tally(e);
    if (!page.empty()) last_id_ = page.back().id;
    read += page.size();
    if (page.size() < kTallyPage) break;
  }
  Registry now;
  inventory_gauges(now);
  now.gauge("gatehouse_evidence_last_id", "The newest evidence-log entry tallied")
      .set({}, static_cast<double>(last_id_));
  metrics::process_metrics(now);
  return Registry::process().render() + tally_.render() + now.render();
}

}  // namespace gh::svc
