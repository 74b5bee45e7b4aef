#include "svc/bench/bench_renew.h"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "common/fs.h"
#include "common/stats.h"
#include "pki/profiles.h"
#include "svc/bench/bench_server.h"
#include "svc/device/renewal.h"
#include "svc/site/site.h"

namespace gh::svc {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string serial_of(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "RNW-%07d", i);
  return buf;
}

// A device onboarded by this site, as its image holds it after BRSKI: the LDevID key in its file
// keystore, onboarding/ldevid.pem, the domain CA and network.json.
Status make_onboarded(Site& site, const std::string& dir, const std::string& serial) {
  auto ks = TRY(crypto::open_file_keystore(fs::join(dir, "keystore")));
  auto key = TRY(ks->generate("ldevid", crypto::Curve::kP256));
  auto cert = TRY(site.domain_ca_identity().issue(
      pki::ldevid(site.name(), serial, key.public_key(), pki::kDefaultLdevidLifetimeS)));
  auto ev = [&](const char* kind) {
    return store::Event{0, 0, serial, kind, "ok", "bench set-up", "{}"};
  };
  auto& inv = site.inventory();
  TRY(inv.record_voucher(serial, "bench", ev("brski.voucher")));
  TRY(inv.record_ldevid(serial, cert.pem(), cert.serial_hex(), cert.not_after(),
                        store::Transition::kLdevidIssued, store::Actor::kRegistrar,
                        ev("est.simpleenroll")));
  TRY(inv.transition(serial, store::Transition::kEnrollConfirmed, store::Actor::kDevice,
                     ev("brski.enroll-status")));
  Json network{{"method", "brski"},
               {"credential",
                {{"type", "ldevid"}, {"certificate", "ldevid.pem"}, {"key", "keystore:ldevid"}}},
               {"eap", {{"method", "EAP-TLS"}, {"ca", "domain-ca.pem"}}}};
  TRY(fs::make_dirs(fs::join(dir, "onboarding"), 0755));
  TRY(fs::write_file_atomic(fs::join(dir, "onboarding/ldevid.pem"), cert.pem(), 0644));
  TRY(fs::write_file_atomic(fs::join(dir, "onboarding/domain-ca.pem"), site.domain_ca().pem(),
                            0644));
  return fs::write_file_atomic(fs::join(dir, "onboarding/network.json"), network.dump(2), 0644);
}

}  // namespace

Result<Json> bench_renew(const RenewBenchOptions& o) {
  if (o.devices < 1 || o.concurrency < 1)
    return make_error("usage", "--devices and --concurrency must be 1 or more");
  auto scratch = TRY(fs::TempDir::create(o.work_dir, "gatehouse-bench-renew"));
  const std::string dir = scratch.path();
  TRY(Site::init({dir + "/s", "Bench Site", {}}));
  auto start = Clock::now();
  {
    auto site = TRY(Site::open(dir + "/s"));
    std::vector<store::DeviceRecord> records;
    for (int i = 0; i < o.devices; ++i)
      records.push_back(store::DeviceRecord{serial_of(i), "bench-model", "Bench", "expected",
                                            "(bench)", "", "", "(bench)", 1, "bench", time::now()});
    TRY(site->inventory().import_devices(
        records, "bench", store::Event{0, 0, "", "bundle.import", "ok", "bench devices", "{}"}));
    for (int i = 0; i < o.devices; ++i) {
      TRY(make_onboarded(*site, dir + "/d/" + serial_of(i), serial_of(i)));
      if (o.progress) o.progress("onboarding devices (setup)", i + 1, o.devices);
    }
  }
  const double setup_s = since(start);

  std::string url;
  auto server = TRY(start_server(
      o.self_exe, {"site", "serve", "--state", dir + "/s", "--listen", "127.0.0.1:0"}, &url));
  auto domain_ca = TRY(crypto::Certificate::from_pem(TRY(fs::read_file(dir + "/s/domain-ca.pem"))));

  std::atomic<int> next{0};
  std::atomic<int64_t> finished{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::optional<Error> first_error;
  auto worker = [&] {
    std::vector<double> mine;
    for (int i; (i = next++) < o.devices;) {
      if (o.progress && i > 0) o.progress("renewing", finished.load(), o.devices);
      auto t = Clock::now();
      auto renewed = [&]() -> Status {
        OpenedDevice dev;
        dev.dir = dir + "/d/" + serial_of(i);
        dev.info.serial = serial_of(i);
        dev.keystore = TRY(crypto::open_file_keystore(fs::join(dev.dir, "keystore")));
        auto session = TRY(site_session(dev, url));
        TRY(renew_ldevid(dev, session, /*new_key=*/true));
        return ok_status();
      }();
      ++finished;
      if (!renewed) {
        std::lock_guard<std::mutex> lock(mu);
        if (!first_error) first_error = renewed.error();
        continue;
      }
      mine.push_back(since(t) * 1000.0);
    }
    std::lock_guard<std::mutex> lock(mu);
    latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
  };
  const double site_cpu0 = server->cpu_s();
  start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < std::min(o.concurrency, o.devices); ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  const double run_s = since(start);
  if (o.progress) o.progress("renewing", finished.load(), o.devices);
  const double site_cpu_s = server->cpu_s() - site_cpu0;
  const double site_rss_mb = server->peak_rss_mb();
  server.reset();
  if (first_error) return first_error->context("renewal");

  // Every device now holds exactly one active credential, its first superseded.
  auto site = TRY(Site::open(dir + "/s"));
  int active = 0, superseded = 0;
  for (int i = 0; i < o.devices; ++i)
    for (const auto& c : TRY(site->inventory().credentials(serial_of(i)))) {
      active += c.status == "active";
      superseded += c.status == "superseded";
    }
  if (active != o.devices || superseded != o.devices)
    return make_error("bench", "after the run: " + std::to_string(active) + " active and " +
                                   std::to_string(superseded) + " superseded credentials for " +
                                   std::to_string(o.devices) + " devices");
  start = Clock::now();
  TRY(site->publish_crl());
  const double crl_s = since(start);
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double site_cpu_per = site_cpu_s / o.devices;
  return Json{{"bench", "renew"},
              {"devices", o.devices},
              {"concurrency", o.concurrency},
              {"cores", cores},
              {"renewals_per_s", o.devices / run_s},
              {"site_cpu_ms_per_renewal", site_cpu_per * 1000.0},
              // What the site could take with every core to itself.
              {"site_capacity_per_s", site_cpu_per > 0 ? cores / site_cpu_per : 0.0},
              {"site_peak_rss_mb", site_rss_mb},
              {"run_s", run_s},
              {"p50_ms", stats::percentile(latencies_ms, 0.50)},
              {"p99_ms", stats::percentile(latencies_ms, 0.99)},
              {"crl_entries", superseded},
              {"crl_publish_s", crl_s},
              {"setup_s", setup_s},
              {"devices_peak_rss_mb", static_cast<double>(ru.ru_maxrss) / 1024.0}};
}

}  // namespace gh::svc
