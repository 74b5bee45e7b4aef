// The site's metrics, served at /metrics by the REST API listener (`site serve --api-listen`).
// Three sources, each named in its HELP text:
//   - what this process's services measure as they work, in metrics::Registry::process(): step
//     latencies (BRSKI voucher request, EST enroll and reenroll, DPP exchange, attestation
//     appraisal), policy decisions by rule, server connection counts and limits;
//   - a running tally of the evidence log since this process started (EvidenceTail: only new
//     entries are read, at most kMaxTallyPerScrape a scrape): onboardings by protocol and outcome,
//     refusals by check, quarantines, 802.1X sessions, MUD files. The log is the one record every
//     writer shares, so the router's 802.1X events and an operator's CLI actions count too; the
//     counters start at 0 with the process, as Prometheus counters do;
//   - gauges read from the inventory at scrape time: devices by lifecycle state, LDevIDs expiring
//     within 7 and 30 days.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "proto/policy.h"
#include "store/records.h"
#include "svc/common/metrics.h"
#include "svc/site/evidence_tail.h"
#include "svc/site/site.h"

namespace gh::svc {

// gatehouse_step_duration_seconds{step, outcome}: one onboarding or assurance step as the site
// handled it, from its request in to its answer out. outcome: ok, or refused (any answer >= 400).
void observe_step(const std::string& step, bool ok, double seconds);
// gatehouse_policy_decisions_total{protocol, rule, decision}: the authorization policy asked for
// a device (brski, dpp, connect), by the rule that decided.
void count_policy_decision(const std::string& protocol, const proto::policy::Decision& d);

// What an evidence-log entry says about onboarding: an onboarding by protocol (brski, dpp) that
// ended ok or that the site refused; nullopt for any other entry. The one reading of it for the
// metrics' tally and the API's onboarding statistics (GET /api/v1/stats/onboarding).
struct OnboardingOutcome {
  std::string protocol;
  bool ok = false;
};
std::optional<OnboardingOutcome> onboarding_outcome(const store::Event& e);

class SiteMetrics {
 public:
  static constexpr size_t kMaxTallyPerScrape = 100'000;

  // Tallies the evidence log from its current end on.
  static Result<std::unique_ptr<SiteMetrics>> open(Site& site);
  // The whole scrape, in the text exposition format 0.0.4.
  Result<std::string> scrape();
  // One evidence-log entry into the tally (scrape() feeds every new one; exposed for tests).
  void tally(const store::Event& e);

 private:
  explicit SiteMetrics(Site& site);
  void inventory_gauges(metrics::Registry& r);

  Site& site_;
  std::unique_ptr<EvidenceTail> tail_;
  std::mutex mu_;  // one scrape at a time reads the tail
  int64_t last_id_ = 0;
  metrics::Registry tally_;
  // The tally's families (site_metrics.cpp says what each counts).
  metrics::Counter events_, onboardings_, refusals_, dot1x_, dot1x_ended_, quarantines_, releases_,
      revocations_, mud_;
};

}  // namespace gh::svc
