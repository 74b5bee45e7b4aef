// The router agent's metrics (svc/router/router_metrics.h) as its loop records them: 802.1X
// sessions by the admission's verdict, refusals by check, EAP failures by hostapd's reason, nft
// transactions by mode with their latency, the table's size and the drop counters; the scrape
// checked with `promtool check metrics` where Debian's prometheus package is installed. (The
// loop itself runs in the lab's namespaces: tests/integration/lab.sh.)
#include "svc/router/router_metrics.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "common/fs.h"
#include "test_util.h"

namespace gh::svc {
namespace {

std::optional<double> value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.size() > series.size() && l.compare(0, series.size(), series) == 0 &&
        l[series.size()] == ' ')
      return std::stod(l.substr(series.size() + 1));
  return std::nullopt;
}

TEST(RouterMetrics, CountWhatTheLoopReports) {
  const std::string before = router_metrics::scrape();
  auto was = [&](const std::string& s) { return value(before, s).value_or(0); };

  EapEvent ok{"r-dev1", "4a:a3:f7:6d:10:ed", "authenticated", "0a1b", "", "", 100};
  SessionVerdict admitted;
  admitted.admitted = true;
  admitted.decision = proto::policy::Decision{true, "cameras", "gh-unit-cameras", "file"};
  router_metrics::eap_event(ok, &admitted);
  SessionVerdict quarantined;
  quarantined.check = "device.quarantined";
  router_metrics::eap_event(ok, &quarantined);
  router_metrics::eap_event(
      {"r-dev2", "4a:a3:f7:6d:10:ee", "failed", "", "", "certificate revoked", 101}, nullptr);
  router_metrics::eap_event({"r-dev1", "4a:a3:f7:6d:10:ed", "ended", "0a1b", "", "left", 102},
                            nullptr);
  router_metrics::nft_applied("full", true, 0.004);
  router_metrics::nft_applied("incremental", true, 0.0007);
  router_metrics::nft_applied("incremental", false, 0.002);
  RouterView view;
  view.table.from["r-dev1|4a:a3:f7:6d:10:ed"] = "mud-1";
  view.table.quarantined.insert("r-dev3|4a:a3:f7:6d:10:ef");
  router_metrics::table(view, 2);
  router_metrics::drops(42, 7);

  const std::string t = router_metrics::scrape();
  auto grew = [&](const std::string& s) { return value(t, s).value_or(0) - was(s); };
  EXPECT_EQ(grew("gatehouse_router_8021x_sessions_total{outcome=\"admitted\"}"), 1) << t;
  EXPECT_EQ(grew("gatehouse_router_8021x_sessions_total{outcome=\"refused\"}"), 1);
  EXPECT_EQ(grew("gatehouse_router_8021x_refusals_total{check=\"device.quarantined\"}"), 1);
  EXPECT_EQ(grew("gatehouse_router_8021x_failures_total{reason=\"certificate revoked\"}"), 1);
  EXPECT_EQ(grew("gatehouse_router_8021x_sessions_ended_total"), 1);
  EXPECT_EQ(grew("gatehouse_policy_decisions_total{protocol=\"connect\",rule=\"gh-unit-cameras\","
                 "decision=\"allow\"}"),
            1);
  EXPECT_EQ(grew("gatehouse_router_ruleset_applications_total{mode=\"full\"}"), 1);
  EXPECT_EQ(grew("gatehouse_router_ruleset_applications_total{mode=\"incremental\"}"), 1);
  EXPECT_EQ(grew("gatehouse_router_ruleset_failures_total{mode=\"incremental\"}"), 1);
  EXPECT_EQ(grew("gatehouse_router_nft_apply_duration_seconds_bucket{mode=\"incremental\","
                 "outcome=\"ok\",le=\"0.001\"}"),
            1);
  EXPECT_EQ(grew("gatehouse_router_nft_apply_duration_seconds_bucket{mode=\"full\",outcome="
                 "\"ok\",le=\"0.0025\"}"),
            0);
  EXPECT_EQ(grew("gatehouse_router_nft_apply_duration_seconds_bucket{mode=\"full\",outcome="
                 "\"ok\",le=\"0.005\"}"),
            1);
  EXPECT_EQ(value(t, "gatehouse_router_8021x_sessions_active"), 2);
  EXPECT_EQ(value(t, "gatehouse_router_admitted_stations"), 1);
  EXPECT_EQ(value(t, "gatehouse_router_quarantined_stations"), 1);
  EXPECT_EQ(value(t, "gatehouse_router_mud_policies"), 0);
  EXPECT_EQ(value(t, "gatehouse_router_mud_denied_packets"), 42);
  EXPECT_EQ(value(t, "gatehouse_router_onboarding_segment_rejected_packets"), 7);
  EXPECT_TRUE(value(t, "process_resident_memory_bytes"));
}

TEST(RouterMetrics, PromtoolAcceptsTheScrape) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "promtool (Debian package prometheus) is not installed";
  router_metrics::eap_event({"r-dev2", "m", "failed", "", "", "TLS alert: \"unknown CA\"", 1},
                            nullptr);
  router_metrics::nft_applied("full", true, 0.01);
  std::string dir = gh::testing::make_temp_dir("gh-router-metrics");
  ASSERT_TRUE(fs::write_file_atomic(dir + "/m.txt", router_metrics::scrape(), 0644).ok());
  int rc =
      std::system(("promtool check metrics < " + dir + "/m.txt > " + dir + "/out 2>&1").c_str());
  EXPECT_EQ(rc, 0) << fs::read_file(dir + "/out").value_or("") << router_metrics::scrape();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gh::svc
