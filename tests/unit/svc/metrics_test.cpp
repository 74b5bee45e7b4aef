// The metrics registry (svc/common/metrics.h) and its plain-HTTP endpoint: the text exposition
// format 0.0.4 line by line (HELP and TYPE, label values escaped, histograms cumulative up to
// +Inf with _sum and _count), the cap on label sets with its "other" series, collectors run at
// scrape time, and `promtool check metrics` on a rendering that exercises all of it (skipped
// where Debian's prometheus package is not installed).
#include "svc/common/metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <sstream>

#include "common/fs.h"
#include "svc/common/metrics_http.h"
#include "test_util.h"

namespace gh::svc::metrics {
namespace {

// The rendering's lines, and the value of one sample line ("name{labels}") in it.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::optional<std::string> sample(const std::string& text, const std::string& series) {
  for (const auto& l : lines(text))
    if (l.size() > series.size() && l.compare(0, series.size(), series) == 0 &&
        l[series.size()] == ' ')
      return l.substr(series.size() + 1);
  return std::nullopt;
}

TEST(Metrics, ACounterHasHelpTypeAndOneLinePerLabelSet) {
  Registry r;
  auto c = r.counter("gh_test_onboardings_total", "Onboardings", {"protocol", "outcome"});
  c.inc({"brski", "ok"});
  c.inc({"brski", "ok"}, 2);
  c.inc({"dpp", "refused"});
  EXPECT_EQ(r.render(),
            "# HELP gh_test_onboardings_total Onboardings\n"
            "# TYPE gh_test_onboardings_total counter\n"
            "gh_test_onboardings_total{protocol=\"brski\",outcome=\"ok\"} 3\n"
            "gh_test_onboardings_total{protocol=\"dpp\",outcome=\"refused\"} 1\n");
}

TEST(Metrics, AFamilyWithoutLabelsShowsZeroFromTheStart) {
  Registry r;
  r.counter("gh_test_quarantines_total", "Quarantines");
  EXPECT_EQ(sample(r.render(), "gh_test_quarantines_total"), "0");
  // A labelled family shows nothing until a series is touched; inc by 0 makes it appear.
  auto c = r.counter("gh_test_by_check_total", "By check", {"check"});
  EXPECT_EQ(r.render().find("gh_test_by_check_total"), std::string::npos);
  c.inc({"policy.denied"}, 0);
  EXPECT_EQ(sample(r.render(), "gh_test_by_check_total{check=\"policy.denied\"}"), "0");
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.counter("gh_test_escapes_total", "a \\ backslash\nand a newline", {"reason"})
      .inc({"say \"no\"\\\nthen go"});
  auto text = r.render();
  EXPECT_NE(text.find("# HELP gh_test_escapes_total a \\\\ backslash\\nand a newline\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(sample(text, "gh_test_escapes_total{reason=\"say \\\"no\\\"\\\\\\nthen go\"}"), "1")
      << text;
  // Every sample is one line: the raw newline did not split it.
  EXPECT_EQ(lines(text).size(), 3u);
}

TEST(Metrics, HistogramBucketsAreCumulativeUpToInfWithSumAndCount) {
  Registry r;
  auto h = r.histogram("gh_test_step_duration_seconds", "Step", {"step"}, {0.125, 1, 0.5});
  for (double v : {0.0625, 0.125, 0.25, 0.75, 2.0, 5.0}) h.observe({"voucher"}, v);
  auto text = r.render();
  const std::string b = "gh_test_step_duration_seconds_bucket{step=\"voucher\",le=";
  // le is inclusive: 0.125 falls in the 0.125 bucket. Bounds sorted whatever order they came in.
  EXPECT_EQ(sample(text, b + "\"0.125\"}"), "2") << text;
  EXPECT_EQ(sample(text, b + "\"0.5\"}"), "3");
  EXPECT_EQ(sample(text, b + "\"1\"}"), "4");
  EXPECT_EQ(sample(text, b + "\"+Inf\"}"), "6");
  EXPECT_EQ(sample(text, "gh_test_step_duration_seconds_count{step=\"voucher\"}"), "6");
  EXPECT_EQ(sample(text, "gh_test_step_duration_seconds_sum{step=\"voucher\"}"), "8.1875");
  EXPECT_NE(text.find("# TYPE gh_test_step_duration_seconds histogram\n"), std::string::npos);
  // The buckets come in ascending order, +Inf last.
  EXPECT_LT(text.find(b + "\"0.5\"}"), text.find(b + "\"1\"}"));
  EXPECT_LT(text.find(b + "\"1\"}"), text.find(b + "\"+Inf\"}"));
}

TEST(Metrics, AHistogramWithoutLabelsPutsLeAlone) {
  Registry r;
  r.histogram("gh_test_apply_seconds", "Apply", {}, {1}).observe({}, 0.5);
  auto text = r.render();
  EXPECT_EQ(sample(text, "gh_test_apply_seconds_bucket{le=\"1\"}"), "1") << text;
  EXPECT_EQ(sample(text, "gh_test_apply_seconds_bucket{le=\"+Inf\"}"), "1");
  EXPECT_EQ(sample(text, "gh_test_apply_seconds_count"), "1");
}

TEST(Metrics, LabelSetsPastTheCapAreCountedAsOther) {
  Registry r(3);
  auto c = r.counter("gh_test_refusals_total", "Refusals", {"kind", "check"});
  for (int i = 0; i < 10; ++i) c.inc({"brski.voucher-request", "peer.check-" + std::to_string(i)});
  auto text = r.render();
  size_t series = 0;
  for (const auto& l : lines(text)) series += l.rfind("gh_test_refusals_total{", 0) == 0;
  EXPECT_EQ(series, 4u) << text;  // the first three, and other
  EXPECT_EQ(sample(text, "gh_test_refusals_total{kind=\"other\",check=\"other\"}"), "7");
  EXPECT_EQ(sample(text,
                   "gh_test_refusals_total{kind=\"brski.voucher-request\",check=\"peer."
                   "check-2\"}"),
            "1");
  // A label set that already has its series keeps counting there.
  c.inc({"brski.voucher-request", "peer.check-0"});
  EXPECT_EQ(sample(r.render(),
                   "gh_test_refusals_total{kind=\"brski.voucher-request\",check="
                   "\"peer.check-0\"}"),
            "2");
}

TEST(Metrics, MisuseRecordsNothing) {
  Registry r;
  auto c = r.counter("gh_test_wrong_total", "Wrong", {"a", "b"});
  c.inc({"only-one"});
  c.inc({"x", "y"}, -5);  // counters only go up
  EXPECT_EQ(r.render(), "");
  // The same name again gets the first family, whatever type was asked for.
  r.gauge("gh_test_wrong_total", "Other", {"a", "b"}).set({"x", "y"}, 9);
  EXPECT_EQ(r.render(), "");
}

TEST(Metrics, GaugesSetAndAdd) {
  Registry r;
  auto g = r.gauge("gh_test_devices", "Devices", {"state"});
  g.set({"onboarded"}, 4);
  g.add({"onboarded"}, -1);
  g.set({"expected"}, 0.25);
  auto text = r.render();
  EXPECT_EQ(sample(text, "gh_test_devices{state=\"onboarded\"}"), "3");
  EXPECT_EQ(sample(text, "gh_test_devices{state=\"expected\"}"), "0.25");
  EXPECT_NE(text.find("# TYPE gh_test_devices gauge\n"), std::string::npos);
}

TEST(Metrics, CollectorsRunAtRenderUntilTheirHandleGoes) {
  Registry r;
  r.counter("gh_test_shared_total", "Mine");
  int runs = 0;
  {
    auto handle = r.collect([&](Registry& now) {
      ++runs;
      now.gauge("gh_test_open", "Open now").set({}, 7);
      now.gauge("gh_test_shared_total", "Collector's copy").set({}, 1);  // rendered once only
    });
    auto text = r.render();
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(sample(text, "gh_test_open"), "7");
    EXPECT_EQ(sample(text, "gh_test_shared_total"), "0");
    size_t helps = 0;
    for (const auto& l : lines(text)) helps += l.rfind("# HELP gh_test_shared_total", 0) == 0;
    EXPECT_EQ(helps, 1u);
  }
  EXPECT_EQ(r.render().find("gh_test_open"), std::string::npos);
  EXPECT_EQ(runs, 1);
}

TEST(Metrics, ValuesAreWrittenExactly) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(12345678901), "12345678901");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.005), "0.005");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Metrics, ServerAndProcessMetrics) {
  Registry r;
  net::ServerStats s;
  s.accepted = 12;
  s.refused = 2;
  s.open = 3;
  s.workers = 5;
  net::ServerLimits l;
  l.workers = 24;
  server_metrics(r, "registrar", s, l);
  process_metrics(r);
  auto text = r.render();
  EXPECT_EQ(sample(text, "gatehouse_server_connections_accepted_total{server=\"registrar\"}"),
            "12");
  EXPECT_EQ(sample(text, "gatehouse_server_connections_refused_total{server=\"registrar\"}"), "2");
  EXPECT_EQ(sample(text, "gatehouse_server_connections_open{server=\"registrar\"}"), "3");
  EXPECT_EQ(sample(text, "gatehouse_server_max_workers{server=\"registrar\"}"), "24");
  EXPECT_EQ(sample(text, "gatehouse_server_max_connections{server=\"registrar\"}"),
            std::to_string(l.max_connections));
  EXPECT_EQ(sample(text, "gatehouse_server_timeout_seconds{server=\"registrar\",timeout=\"head\"}"),
            "10");
  auto rss = sample(text, "process_resident_memory_bytes");
  ASSERT_TRUE(rss) << text;
  EXPECT_GT(std::stod(*rss), 1e6);
  auto fds = sample(text, "process_open_fds");
  ASSERT_TRUE(fds);
  EXPECT_GE(std::stod(*fds), 3);
  auto start = sample(text, "process_start_time_seconds");
  ASSERT_TRUE(start);
  EXPECT_NEAR(std::stod(*start), static_cast<double>(::time(nullptr)), 24 * 3600.0);
}

TEST(MetricsEndpoint, AnswersGetMetricsOnly) {
  auto scrape = [] { return std::string("gh_test_up 1\n"); };
  std::string ok = HttpEndpoint::respond("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", scrape);
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(ok.find("Content-Length: 13\r\n"), std::string::npos);
  EXPECT_EQ(ok.substr(ok.size() - 13), "gh_test_up 1\n");
  std::string head = HttpEndpoint::respond("HEAD /metrics?x=1 HTTP/1.0\r\n\r\n", scrape);
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  EXPECT_EQ(HttpEndpoint::respond("GET / HTTP/1.1\r\n\r\n", scrape).rfind("HTTP/1.1 404", 0), 0u);
  std::string post = HttpEndpoint::respond("POST /metrics HTTP/1.1\r\n\r\n", scrape);
  EXPECT_EQ(post.rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
  EXPECT_EQ(HttpEndpoint::respond("garbage\r\n\r\n", scrape).rfind("HTTP/1.1 400", 0), 0u);
}

TEST(MetricsEndpoint, ServesAScrapeOverTcp) {
  auto e = HttpEndpoint::start("127.0.0.1", 0, "test-metrics", [] {
    return std::string("# TYPE gh_test_up gauge\ngh_test_up 1\n");
  });
  ASSERT_TRUE(e.ok()) << e.error().str();
  int fd = *net::tcp_connect("127.0.0.1", (*e)->port(), 5);
  std::string req = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_EQ(::write(fd, req.data(), req.size()), static_cast<ssize_t>(req.size()));
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  ::close(fd);
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("\r\n\r\n# TYPE gh_test_up gauge\ngh_test_up 1\n"), std::string::npos);
  // The endpoint's own connections are in the process registry while it runs.
  auto text = Registry::process().render();
  EXPECT_TRUE(sample(text, "gatehouse_server_connections_accepted_total{server=\"test-metrics\"}"))
      << text;
  (*e)->stop();
  EXPECT_FALSE(sample(Registry::process().render(),
                      "gatehouse_server_connections_accepted_total{server=\"test-metrics\"}"));
}

TEST(Metrics, PromtoolAcceptsTheRendering) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "promtool (Debian package prometheus) is not installed";
  Registry r(4);
  auto c = r.counter("gatehouse_test_refusals_total", "Refusals by check; a \\ and a\nnewline",
                     {"kind", "check"});
  c.inc({"brski.voucher-request", "policy.unknown-device"});
  c.inc({"network.8021x", "TLS alert: \"bad certificate\"\\x\n"});
  for (int i = 0; i < 6; ++i) c.inc({"k", std::to_string(i)});
  r.gauge("gatehouse_test_devices", "Devices by state", {"state"}).set({"onboarded"}, 2);
  auto h = r.histogram("gatehouse_test_step_duration_seconds", "Step latency", {"step", "outcome"},
                       latency_buckets());
  h.observe({"brski_voucher_request", "ok"}, 0.042);
  h.observe({"brski_voucher_request", "refused"}, 31);
  r.histogram("gatehouse_test_apply_duration_seconds", "No labels", {}, {0.01}).observe({}, 0.002);
  server_metrics(r, "api", net::ServerStats{}, net::ServerLimits{});
  process_metrics(r);
  std::string dir = gh::testing::make_temp_dir("gh-metrics");
  std::string path = dir + "/metrics.txt";
  ASSERT_TRUE(fs::write_file_atomic(path, r.render(), 0644).ok());
  std::string cmd = "promtool check metrics < " + path + " > " + dir + "/out.txt 2>&1";
  int rc = std::system(cmd.c_str());
  auto out = fs::read_file(dir + "/out.txt");
  EXPECT_EQ(rc, 0) << (out ? *out : "") << "\n" << r.render();
  // promtool's lint warns about style on stdout too: none expected.
  EXPECT_EQ(out ? *out : "?", "");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gh::svc::metrics
