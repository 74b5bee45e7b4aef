// gatehouse bench ...: load generators and reports.
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <iostream>

#include "cli/cmds.h"
#include "cli/output.h"
#include "common/fs.h"
#include "svc/bench/bench_attest.h"
#include "svc/bench/bench_brski.h"
#include "svc/bench/bench_dpp.h"
#include "svc/bench/bench_evidence.h"
#include "svc/bench/bench_mud.h"
#include "svc/bench/bench_renew.h"
#include "svc/bench/bench_update.h"
#include "svc/factory/factory.h"

namespace gh::cli {
namespace {
std::string fs_type(const std::string& path) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) return "unknown";
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0x01021994UL:
      return "tmpfs";
    case 0xEF53UL:
      return "ext4";
    case 0x58465342UL:
      return "xfs";
    case 0x9123683EUL:
      return "btrfs";
    case 0x794c7630UL:
      return "overlayfs";
    default:
      return "other";
  }
}

// Runs a benchmark with its progress on a terminal's stderr and prints its figures: the JSON with
// --json, else text(figures). Exits 1 when ok(figures) says a run failed.
int run_bench(const Args& a, const std::function<Result<Json>(const ProgressFn&)>& run,
              const std::function<void(const Json&)>& text,
              const std::function<bool(const Json&)>& ok = nullptr) {
  Progress progress;
  auto r = run(progress.fn());
  progress.done();
  if (!r) return fail(r.error());
  if (a.has("json"))
    std::cout << r->dump() << "\n";
  else
    text(*r);
  return !ok || ok(*r) ? kExitOk : kExitRefused;
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}
}  // namespace

int bench_factory(const Args& a) {
  auto count = a.get_int_in("count", 1000, 1, 10'000'000);
  if (!count) return fail(count.error());
  auto workers = a.get_int_in("workers", 0, 0, 1024);
  if (!workers) return fail(workers.error());
  // Device images are staged where --dir says; by default on tmpfs (/dev/shm) when there is one,
  // as a production line streams each image to its device rather than keeping it on a disk.
  std::string base = a.get("dir", fs::exists("/dev/shm") ? "/dev/shm" : "/tmp");
  std::string tmpl = fs::join(base, "gatehouse-bench-XXXXXX");
  if (!mkdtemp(tmpl.data()))
    return fail(make_error("io", "cannot create a temporary directory in " + base));
  std::string dir = tmpl;
  auto cleanup = [&] {
    if (!a.has("keep")) (void)fs::remove_all(dir);
  };
  auto st =
      svc::Factory::init({fs::join(dir, "factory"), "Bench Devices Inc", "", "", "", "file", {}});
  if (!st) {
    cleanup();
    return fail(st.error());
  }
  auto f = svc::Factory::open(fs::join(dir, "factory"));
  if (!f) {
    cleanup();
    return fail(f.error());
  }
  svc::MakeOptions o;
  o.model = "bench-sensor";
  o.count = *count;
  o.out_dir = fs::join(dir, "devices");
  o.mud_url = "https://mud.bench.example/bench-sensor.json";
  o.workers = *workers;
  Progress progress;
  int64_t n = 0;
  double t0 = time::monotonic();
  auto made = (*f)->make(
      o, [&](const svc::MadeDevice&) { progress.update("making devices", ++n, o.count); });
  double secs = time::monotonic() - t0;
  progress.done();
  if (!made) {
    cleanup();
    return fail(made.error());
  }
  int used_workers =
      *workers > 0 ? *workers : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Json out{{"bench", "factory"},
           {"count", *count},
           {"workers", used_workers},
           {"keystore", "file"},
           {"image_fs", fs_type(dir)},
           {"seconds", secs},
           {"devices_per_s", static_cast<double>(made->size()) / secs},
           {"peak_rss_mb", peak_rss_mb()},
           {"cores", std::thread::hardware_concurrency()}};
  cleanup();
  if (a.has("json")) {
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "manufactured " << made->size() << " devices in " << secs
              << " s: " << out["devices_per_s"].get<double>() << " devices/s, peak RSS "
              << out["peak_rss_mb"].get<double>() << " MB (" << used_workers
              << " workers, file keystore, images on " << out["image_fs"].get<std::string>()
              << ")\n";
  }
  return kExitOk;
}

}  // namespace gh::cli

namespace gh::cli {

int bench_brski(const Args& a) {
  svc::BrskiBenchOptions o;
  auto devices = a.get_int_in("devices", 500, 1, 1'000'000);
  if (!devices) return fail(devices.error());
  auto conc = a.get_int_in("concurrency", 64, 1, 4096);
  if (!conc) return fail(conc.error());
  o.devices = *devices;
  o.concurrency = *conc;
  auto site_url = https_url(a, "site");
  if (!site_url) return fail(site_url.error());
  o.site_url = *site_url;
  o.images_dir = a.get("images");
  o.work_dir = a.get("dir");
  auto exe = self_exe();
  if (!exe) return fail(exe.error());
  o.self_exe = *exe;
  return run_bench(
      a,
      [&](const ProgressFn& progress) {
        o.progress = progress;
        return svc::bench_brski(o);
      },
      [&](const Json& j) {
        std::cout << j["completed"] << " of " << j["devices"] << " onboarded at concurrency "
                  << j["concurrency"] << ": " << j["onboardings_per_s"].get<double>()
                  << " onboardings/s, p50 " << j["p50_ms"].get<double>() << " ms, p95 "
                  << j["p95_ms"].get<double>() << " ms, p99 " << j["p99_ms"].get<double>()
                  << " ms\n"
                  << "crypto floor " << j["crypto_floor_per_s"].get<double>() << " /s ("
                  << 100 * j["floor_fraction"].get<double>()
                  << "% reached); server CPU per onboarding " << j["cpu_s_per_onboarding"].dump()
                  << " s; peak RSS " << j["peak_rss_mb"].get<double>() << " MB\n";
        if (j.contains("first_error"))
          std::cout << "first error: " << j["first_error"].get<std::string>() << "\n";
      },
      [](const Json& j) { return j["failures"].get<int>() == 0; });
}

int bench_dpp(const Args& a) {
  svc::DppBenchOptions o;
  auto devices = a.get_int_in("devices", 1000, 1, 1'000'000);
  if (!devices) return fail(devices.error());
  auto conc = a.get_int_in("concurrency", 64, 1, 4096);
  if (!conc) return fail(conc.error());
  o.devices = *devices;
  o.concurrency = *conc;
  auto controller = host_port(a, "controller");
  if (!controller) return fail(controller.error());
  o.controller = *controller;
  o.controller_uri = a.get("controller-uri");
  o.reference = !a.has("no-reference");
  o.known = a.has("known");
  o.work_dir = a.get("dir");
  auto exe = self_exe();
  if (!exe) return fail(exe.error());
  o.self_exe = *exe;
  return run_bench(
      a,
      [&](const ProgressFn& progress) {
        o.progress = progress;
        return svc::bench_dpp(o);
      },
      [&](const Json& j) {
        std::cout << j["completed"] << " of " << j["devices"]
                  << " enrollees configured at concurrency " << j["concurrency"] << ": "
                  << j["onboardings_per_s"].get<double>() << " onboardings/s, p50 "
                  << j["p50_ms"].get<double>() << " ms, p99 " << j["p99_ms"].get<double>()
                  << " ms\n";
        if (j.contains("reference_onboardings_per_s"))
          std::cout << "wpa_supplicant controller on the same load: "
                    << j["reference_onboardings_per_s"].get<double>() << " onboardings/s, p50 "
                    << j["reference_p50_ms"].get<double>() << " ms, p99 "
                    << j["reference_p99_ms"].get<double>() << " ms; ratio "
                    << j["ratio_to_reference"].get<double>() << "\n";
        for (const char* k : {"first_error", "reference_first_error", "reference_error"})
          if (j.contains(k)) std::cout << k << ": " << j[k].get<std::string>() << "\n";
      },
      [](const Json& j) {
        return j["failures"].get<int>() == 0 &&
               (!j.contains("reference_failures") || j["reference_failures"].get<int>() == 0);
      });
}

int bench_mud(const Args& a) {
  svc::MudBenchOptions o;
  auto n = a.get_int_in("devices", 1000, 1, 1'000'000);
  if (!n) return fail(n.error());
  o.devices = *n;
  auto m = a.get_int_in("models", o.models, 1, 100'000);
  if (!m) return fail(m.error());
  o.models = *m;
  return run_bench(
      a, [&](const ProgressFn&) { return svc::bench_mud(o); },
      [](const Json& j) {
        std::cout << j["devices"] << " devices, " << j["models"] << " MUD files (" << j["rules"]
                  << " rules): built in " << j["compile_ms"].get<double>()
                  << " ms, applied in one transaction in " << j["apply_all_ms"].get<double>()
                  << " ms; a single device's change " << j["single_change_ms"].get<double>()
                  << " ms (max " << j["single_change_max_ms"].get<double>() << " ms)\n";
      });
}

}  // namespace gh::cli

namespace gh::cli {

int bench_evidence(const Args& a) {
  svc::EvidenceBenchOptions o;
  auto n = a.get_int_in("entries", o.entries, 1, 100'000'000);
  if (!n) return fail(n.error());
  o.entries = *n;
  auto t = a.get_int_in("threads", o.threads, 0, 1024);
  if (!t) return fail(t.error());
  o.threads = *t;
  return run_bench(
      a,
      [&](const ProgressFn& progress) {
        o.progress = progress;
        return svc::bench_evidence(o);
      },
      [&](const Json& j) {
        std::cout << j["entries"] << " evidence entries: appended "
                  << static_cast<int64_t>(j["appends_per_s"].get<double>()) << "/s on "
                  << j["threads"] << " threads; exported with a signed checkpoint in "
                  << j["export_s"].get<double>() << " s ("
                  << static_cast<int64_t>(j["export_mb"].get<double>()) << " MB); verified in "
                  << j["verify_s"].get<double>() << " s\n";
      });
}

int bench_renew(const Args& a) {
  svc::RenewBenchOptions o;
  auto n = a.get_int_in("devices", o.devices, 1, 1'000'000);
  if (!n) return fail(n.error());
  o.devices = *n;
  auto c = a.get_int_in("concurrency", o.concurrency, 1, 4096);
  if (!c) return fail(c.error());
  o.concurrency = *c;
  o.work_dir = a.get("dir");
  auto exe = self_exe();
  if (!exe) return fail(exe.error());
  o.self_exe = *exe;
  return run_bench(
      a,
      [&](const ProgressFn& progress) {
        o.progress = progress;
        return svc::bench_renew(o);
      },
      [&](const Json& j) {
        std::cout << j["devices"] << " LDevID renewals (new key, reenroll + confirm, "
                  << j["concurrency"]
                  << " at a time): " << static_cast<int64_t>(j["renewals_per_s"].get<double>())
                  << "/s (" << j["run_s"].get<double>() << " s; per renewal p50 "
                  << j["p50_ms"].get<double>() << " ms, p99 " << j["p99_ms"].get<double>()
                  << " ms); the site's CPU " << j["site_cpu_ms_per_renewal"].get<double>()
                  << " ms per renewal, so "
                  << static_cast<int64_t>(j["site_capacity_per_s"].get<double>())
                  << "/s with the machine to itself; CRL of " << j["crl_entries"] << " signed in "
                  << j["crl_publish_s"].get<double>() << " s\n";
      });
}

int bench_update(const Args& a) {
  svc::UpdateBenchOptions o;
  auto n = a.get_int_in("devices", o.devices, 1, 1'000'000);
  if (!n) return fail(n.error());
  o.devices = *n;
  auto g = a.get_int_in("groups", o.groups, 1, 1000);
  if (!g) return fail(g.error());
  o.groups = *g;
  auto t = a.get_int_in("threads", o.threads, 0, 1024);
  if (!t) return fail(t.error());
  o.threads = *t;
  return run_bench(
      a,
      [&](const ProgressFn& progress) {
        o.progress = progress;
        return svc::bench_update(o);
      },
      [&](const Json& j) {
        std::cout << "campaign of release 1.1.0 to " << j["devices"] << " devices in "
                  << j["groups"] << " groups on " << j["threads"]
                  << " threads, full TUF verification per device: "
                  << static_cast<int64_t>(j["devices_per_s"].get<double>()) << " devices/s ("
                  << j["campaign_s"].get<double>() << " s; per device p50 "
                  << j["p50_ms"].get<double>() << " ms, p99 " << j["p99_ms"].get<double>()
                  << " ms; setup " << j["setup_s"].get<double>() << " s)\n";
      });
}

int bench_attest(const Args& a) {
  svc::AttestBenchOptions o;
  auto n = a.get_int_in("tokens", o.tokens, 1, 100'000'000);
  if (!n) return fail(n.error());
  o.tokens = *n;
  auto d = a.get_int_in("devices", o.devices, 1, 1'000'000);
  if (!d) return fail(d.error());
  o.devices = *d;
  auto t = a.get_int_in("threads", o.threads, 0, 1024);
  if (!t) return fail(t.error());
  o.threads = *t;
  o.tpm = a.has("tpm");
  return run_bench(
      a,
      [&](const ProgressFn& progress) {
        o.progress = progress;
        return svc::bench_attest(o);
      },
      [&](const Json& j) {
        std::cout << j["tokens"] << (o.tpm ? " EAT + TPM quote" : " EAT") << " appraisals of "
                  << j["devices"] << " devices on " << j["threads"]
                  << " threads, every check on: engine "
                  << static_cast<int64_t>(j["engine_appraisals_per_s"].get<double>())
                  << "/s (nonces consumed in memory), site verifier "
                  << static_cast<int64_t>(j["site_appraisals_per_s"].get<double>())
                  << "/s (inventory, nonces consumed in SQLite); replays refused "
                  << j["replays_refused"] << "/" << j["replays_tried"] << "; the devices made "
                  << static_cast<int64_t>(j["evidence_made_per_s"].get<double>())
                  << " tokens/s before the clock started\n";
      });
}

}  // namespace gh::cli
