#include "svc/bench/bench_update.h"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>

#include "common/fs.h"
#include "common/stats.h"
#include "svc/common/tuf_updater.h"
#include "svc/device/update_agent.h"
#include "svc/factory/factory.h"
#include "svc/site/campaigns.h"
#include "svc/site/site.h"
#include "svc/site/update_mirror.h"

namespace gh::svc {

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kModel = "bench-cam";

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// One simulated device's update: the TUF workflow from the shipped root, the release's manifest
// and every component verified: fetch_release, as a device runs it.
Status device_update(const std::string& meta_dir, const std::string& root_json,
                     const std::string& mirror_dir, const std::string& version) {
  TRY(fs::remove_all(meta_dir));
  TRY(fs::make_dirs(meta_dir));
  TRY(fs::write_file_atomic(fs::join(meta_dir, "root.json"), root_json));
  DirFetcher fetcher(mirror_dir);
  // What a device does: the same function, every check.
  TRY(fetch_release(fetcher, meta_dir, kModel, version));
  return ok_status();
}

}  // namespace

Result<Json> bench_update(const UpdateBenchOptions& o) {
  if (o.devices < 1) return make_error("usage", "--devices must be 1 or more");
  int threads = o.threads > 0 ? o.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto scratch = TRY(fs::TempDir::create(o.work_dir, "gatehouse-bench-update"));
  const std::string dir = scratch.path();
  auto setup_start = Clock::now();
  // A real manufacturer with releases 1.0.0 (made) and 1.1.0 (the update), and a site that bought
  // one device and so trusts the manufacturer and its update repository.
  TRY(Factory::init(
      {dir + "/f", "Bench Devices", "https://localhost:1", "", "BENCH-", "file", {}}));
  TRY(Site::init({dir + "/s", "Bench Site", {}}));
  std::string root_json;
  {
    auto f = TRY(Factory::open(dir + "/f"));
    MakeOptions mk;
    mk.model = kModel;
    mk.out_dir = dir + "/d";
    auto made = TRY(f->make(mk));
    root_json = TRY(fs::read_file(made[0].image_dir + "/bootstrap/tuf-root.json"));
    auto base = TRY(latest_release(dir + "/f", kModel));
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& c : base->manifest.components) {
      std::string path = fs::join(base->dir, "firmware/" + c.file);
      if (c.name == "app") {
        path = dir + "/app-1.1.0";
        TRY(fs::write_file_atomic(path, "#!/bin/sh\necho \"bench app 1.1.0\"\n"));
      }
      files.emplace_back(c.name, path);
    }
    TRY(f->add_release(kModel, "1.1.0", "bench firmware", files));
    SellOptions sell;
    sell.serials = {made[0].serial};
    sell.owner_cert_pem = TRY(fs::read_file(dir + "/s/domain-ca.pem"));
    sell.bundle_path = dir + "/bundle.pem";
    TRY(f->sell(sell));
  }
  auto site = TRY(Site::open(dir + "/s"));
  auto report =
      TRY(site->import_bundle(dir + "/bundle.pem", TRY(fs::read_file(dir + "/f/pki/root.pem"))));
  auto sources = TRY(mirror_sources(dir + "/s"));
  if (sources.empty()) return make_error("bench", "the bundle named no update repository");
  DirFetcher upstream(dir + "/f/tuf/repository");
  TRY(sync_mirror(*site, sources[0], upstream));
  const std::string mirror = mirror_repository_dir(dir + "/s", sources[0].id);

  // The simulated fleet: onboarded, app-onboarded devices running 1.0.0.
  std::vector<store::DeviceRecord> fleet;
  for (int i = 0; i < o.devices; ++i) {
    store::DeviceRecord d;
    d.serial = "SIM-" + std::to_string(100000 + i);
    d.model = kModel;
    d.manufacturer = report.manufacturer;
    d.state = "onboarded";
    d.bundle_id = "bench";
    d.updated_at = time::now();
    fleet.push_back(std::move(d));
  }
  TRY(site->inventory().import_devices(
      fleet, "bench", store::Event{0, 0, "", "bundle.import", "ok", "bench", "{}"}));
  for (const auto& d : fleet)
    TRY(site->inventory().record_app_status(
        d.serial, "streamlined", "1.0.0",
        store::Event{0, 0, d.serial, "app.operational", "ok", "bench", "{}"}));
  double setup_s = since(setup_start);

  Campaigns campaigns(site->inventory(), Campaigns::csprng());
  std::mutex campaign_mu;  // as the lifecycle service serializes campaign steps
  auto start = Clock::now();
  CampaignSpec spec;
  spec.model = kModel;
  spec.version = "1.1.0";
  spec.groups = std::min(o.groups, o.devices);
  spec.approved = true;
  spec.created_by = "bench";
  int64_t id = TRY(campaigns.create(spec));

  std::deque<std::string> queue;
  for (const auto& d : fleet) queue.push_back(d.serial);
  std::mutex queue_mu;
  std::atomic<size_t> confirmed{0};
  std::atomic<size_t> polls{0};
  std::vector<double> latencies;
  std::mutex lat_mu;
  Status failure = ok_status();
  std::mutex failure_mu;
  auto fail = [&](const Error& e) {
    std::lock_guard<std::mutex> lock(failure_mu);
    if (failure.ok()) failure = e;
  };
  auto worker = [&](int t) {
    const std::string meta = dir + "/meta-" + std::to_string(t);
    while (true) {
      std::string serial;
      {
        std::lock_guard<std::mutex> lock(queue_mu);
        if (queue.empty()) return;
        serial = queue.front();
        queue.pop_front();
      }
      {
        std::lock_guard<std::mutex> lock(failure_mu);
        if (!failure.ok()) return;
      }
      ++polls;
      Result<std::optional<Assignment>> a = [&] {
        std::lock_guard<std::mutex> lock(campaign_mu);
        return campaigns.assignment(serial);
      }();
      if (!a) return fail(a.error());
      if (!*a) {  // its group has not started yet: ask again later
        std::lock_guard<std::mutex> lock(queue_mu);
        queue.push_back(serial);
        continue;
      }
      auto t0 = Clock::now();
      auto st = device_update(meta, root_json, mirror, (*a)->version);
      if (!st) return fail(st.error());
      auto step = [&](const std::string& phase) -> Status {
        std::lock_guard<std::mutex> lock(campaign_mu);
        if (phase == "confirm") {
          // The verifier's affirming appraisal of the new release (what the device's attestation
          // after its switch would produce).
          store::AttestationRecord r{0, serial, time::now(), "affirming", "ok", "", "1.1.0", ""};
          TRY(site->inventory().record_attestation(
              r, store::Event{0, 0, serial, "attest.evidence", "ok", "bench", "{}"}));
        }
        return campaigns.report(serial, id, phase, "1.1.0", "");
      };
      for (const char* phase : {"download", "install", "confirm"})
        if (auto s = step(phase); !s) return fail(s.error());
      const auto done = static_cast<int64_t>(++confirmed);
      if (o.progress) o.progress("updating devices", done, o.devices);
      std::lock_guard<std::mutex> lock(lat_mu);
      latencies.push_back(since(t0) * 1000);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& t : pool) t.join();
  TRY(failure);
  double total = since(start);
  auto status = TRY(campaigns.status(id));
  if (status.campaign.state != "finished" || confirmed != static_cast<size_t>(o.devices))
    return make_error("bench", "the campaign ended " + status.campaign.state + " with " +
                                   std::to_string(confirmed.load()) + " confirmed");
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return Json{{"devices", o.devices},
              {"groups", spec.groups},
              {"threads", threads},
              {"devices_per_s", static_cast<double>(o.devices) / total},
              {"campaign_s", total},
              {"setup_s", setup_s},
              {"p50_ms", stats::percentile(latencies, 0.50)},
              {"p95_ms", stats::percentile(latencies, 0.95)},
              {"p99_ms", stats::percentile(latencies, 0.99)},
              {"assignment_polls", polls.load()},
              {"campaign_state", status.campaign.state},
              {"peak_rss_mb", static_cast<double>(ru.ru_maxrss) / 1024.0}};
}

}  // namespace gh::svc
