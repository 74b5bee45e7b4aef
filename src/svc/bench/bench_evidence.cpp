#include "svc/bench/bench_evidence.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "common/fs.h"
#include "svc/site/evidence_export.h"
#include "svc/site/site.h"

namespace gh::svc {

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

Result<Json> bench_evidence(const EvidenceBenchOptions& o) {
  if (o.entries < 1) return make_error("usage", "--entries must be 1 or more");
  int threads = o.threads > 0 ? o.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto scratch = TRY(fs::TempDir::create(o.work_dir, "gatehouse-bench-evidence"));
  const std::string dir = scratch.path();
  TRY(Site::init({dir + "/s", "Bench Site", {}}));
  auto site = TRY(Site::open(dir + "/s"));
  auto& inv = site->inventory();

  // Appends, as the site's services make them: one entry per call, concurrently.
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  auto start = Clock::now();
  auto append = [&] {
    for (int i; (i = next++) < o.entries && !failed;) {
      if (o.progress && i % 1000 == 0) o.progress("appending", i, o.entries);
      store::Event e{0,
                     0,
                     "SIM-" + std::to_string(100000 + i % 5000),
                     i % 3 == 0 ? "attest.appraise" : "network.8021x",
                     "ok",
                     "ok",
                     Json{{"n", i}, {"note", "bench entry"}}.dump()};
      if (!inv.append(e).ok()) failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(append);
  append();
  for (auto& t : pool) t.join();
  if (failed) return make_error("bench", "an append failed");
  double append_s = since(start);
  if (o.progress) o.progress("appending", o.entries, o.entries);

  const std::string file = dir + "/evidence.jsonl";
  start = Clock::now();
  EvidenceExportReport report;
  {
    std::ofstream out(file);
    report = TRY(export_evidence(*site, {}, out));
  }
  double export_s = since(start);
  auto key = TRY(evidence_public_key(*site));
  start = Clock::now();
  auto verified = TRY(verify_evidence(file, key));
  double verify_s = since(start);
  if (verified.entries != report.tree_size)
    return make_error("bench", "verified " + std::to_string(verified.entries) + " of " +
                                   std::to_string(report.tree_size));
  struct stat st {};
  ::stat(file.c_str(), &st);
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return Json{{"entries", report.tree_size},
              {"threads", threads},
              {"appends_per_s", o.entries / append_s},
              {"export_s", export_s},
              {"export_entries_per_s", report.tree_size / export_s},
              {"verify_s", verify_s},
              {"verify_entries_per_s", report.tree_size / verify_s},
              {"export_mb", static_cast<double>(st.st_size) / (1024.0 * 1024.0)},
              {"peak_rss_mb", static_cast<double>(ru.ru_maxrss) / 1024.0}};
}

}  // namespace gh::svc
