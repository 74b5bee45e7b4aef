// The site's metrics (svc/site/site_metrics.h): the evidence log tallied from when the metrics
// started (entries before that are not counted, entries after it are, whoever wrote them), each
// kind counted where it belongs, and the inventory's gauges present at zero.
#include "svc/site/site_metrics.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "test_util.h"

namespace gh::svc {
namespace {

std::optional<std::string> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.size() > series.size() && l.compare(0, series.size(), series) == 0 &&
        l[series.size()] == ' ')
      return l.substr(series.size() + 1);
  return std::nullopt;
}

class SiteMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = gh::testing::make_temp_dir("gh-site-metrics");
    ASSERT_TRUE(Site::init({dir_ + "/s", "Site A", {}}).ok());
    auto s = Site::open(dir_ + "/s");
    ASSERT_TRUE(s.ok()) << s.error().str();
    site_ = std::move(*s);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void log(const std::string& kind, const std::string& outcome, const std::string& reason) {
    ASSERT_TRUE(
        site_->inventory().append(store::Event{0, 0, "SN-1", kind, outcome, reason, "{}"}).ok());
  }

  std::string dir_;
  std::unique_ptr<Site> site_;
};

TEST_F(SiteMetricsTest, TalliesTheEvidenceLogFromWhenItStarted) {
  log("brski.enroll-status", "ok", "device reports enrollment success");  // before: not counted
  auto m = SiteMetrics::open(*site_);
  ASSERT_TRUE(m.ok()) << m.error().str();
  auto first = (*m)->scrape();
  ASSERT_TRUE(first.ok()) << first.error().str();
  EXPECT_EQ(sample(*first, "gatehouse_onboardings_total{protocol=\"brski\",outcome=\"ok\"}"), "0")
      << *first;
  EXPECT_EQ(sample(*first, "gatehouse_onboardings_total{protocol=\"dpp\",outcome=\"refused\"}"),
            "0");

  log("brski.enroll-status", "ok", "device reports enrollment success");
  log("brski.enroll-status", "refused", "device reports failure");  // telemetry, not the site's
  log("brski.voucher-request", "refused", "policy.unknown-device");
  log("est.simpleenroll", "refused", "est.no-voucher");
  log("dpp.exchange", "ok", "configuration result OK");
  log("dpp.exchange", "refused", "dpp.timeout");
  log("network.8021x", "ok", "authenticated: admitted to its segment");
  log("network.8021x", "refused", "device.quarantined");
  log("network.8021x", "ok", "session ended");
  log("device.quarantine", "ok", "scans");
  log("device.release", "ok", "");
  log("device.revoke", "ok", "stolen");
  log("mud.fetch", "ok", "");
  auto text = (*m)->scrape();
  ASSERT_TRUE(text.ok()) << text.error().str();
  const std::string& t = *text;
  EXPECT_EQ(sample(t, "gatehouse_onboardings_total{protocol=\"brski\",outcome=\"ok\"}"), "1") << t;
  EXPECT_EQ(sample(t, "gatehouse_onboardings_total{protocol=\"brski\",outcome=\"refused\"}"), "2");
  EXPECT_EQ(sample(t, "gatehouse_onboardings_total{protocol=\"dpp\",outcome=\"ok\"}"), "1");
  EXPECT_EQ(sample(t, "gatehouse_onboardings_total{protocol=\"dpp\",outcome=\"refused\"}"), "1");
  EXPECT_EQ(sample(t,
                   "gatehouse_refusals_total{kind=\"brski.voucher-request\",check=\"policy."
                   "unknown-device\"}"),
            "1");
  EXPECT_EQ(sample(t,
                   "gatehouse_refusals_total{kind=\"network.8021x\",check=\"device."
                   "quarantined\"}"),
            "1");
  EXPECT_EQ(sample(t, "gatehouse_8021x_sessions_total{outcome=\"admitted\"}"), "1");
  EXPECT_EQ(sample(t, "gatehouse_8021x_sessions_total{outcome=\"refused\"}"), "1");
  EXPECT_EQ(sample(t, "gatehouse_8021x_sessions_ended_total"), "1");
  EXPECT_EQ(sample(t, "gatehouse_quarantines_total"), "1");
  EXPECT_EQ(sample(t, "gatehouse_quarantine_releases_total"), "1");
  EXPECT_EQ(sample(t, "gatehouse_revocations_total"), "1");
  EXPECT_EQ(sample(t, "gatehouse_mud_files_applied_total"), "1");
  EXPECT_EQ(sample(t, "gatehouse_evidence_events_total{outcome=\"refused\"}"), "5");
  // A second scrape reads only what is new: the counts stand.
  auto again = (*m)->scrape();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(sample(*again, "gatehouse_onboardings_total{protocol=\"brski\",outcome=\"ok\"}"), "1");
}

TEST_F(SiteMetricsTest, InventoryGaugesArePresentAtZero) {
  auto m = SiteMetrics::open(*site_);
  ASSERT_TRUE(m.ok()) << m.error().str();
  auto t = (*m)->scrape();
  ASSERT_TRUE(t.ok()) << t.error().str();
  for (const auto& s : store::lifecycle_states())
    EXPECT_EQ(sample(*t, "gatehouse_devices{state=\"" + s + "\"}"), "0") << s;
  EXPECT_EQ(sample(*t, "gatehouse_ldevids_expiring{within=\"7d\"}"), "0");
  EXPECT_EQ(sample(*t, "gatehouse_ldevids_expiring{within=\"30d\"}"), "0");
  EXPECT_TRUE(sample(*t, "process_resident_memory_bytes"));
}

TEST(StepMetrics, StepsAndDecisionsGoToTheProcessRegistry) {
  observe_step("gh_unit_step", true, 0.02);
  observe_step("gh_unit_step", false, 40);
  proto::policy::Decision d;
  d.allow = false;
  d.rule = "gh-unit-no-cameras";
  count_policy_decision("brski", d);
  auto t = metrics::Registry::process().render();
  EXPECT_EQ(
      sample(t, "gatehouse_step_duration_seconds_count{step=\"gh_unit_step\",outcome=\"ok\"}"), "1")
      << t;
  EXPECT_EQ(sample(t,
                   "gatehouse_step_duration_seconds_bucket{step=\"gh_unit_step\",outcome="
                   "\"refused\",le=\"30\"}"),
            "0");
  EXPECT_EQ(sample(t,
                   "gatehouse_step_duration_seconds_bucket{step=\"gh_unit_step\",outcome="
                   "\"refused\",le=\"+Inf\"}"),
            "1");
  EXPECT_EQ(sample(t,
                   "gatehouse_policy_decisions_total{protocol=\"brski\",rule=\"gh-unit-no-"
                   "cameras\",decision=\"deny\"}"),
            "1");
}

}  // namespace
}  // namespace gh::svc
