#include "svc/bench/bench_dpp.h"

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "codec/dpp_uri.h"
#include "common/fs.h"
#include "common/process.h"
#include "common/stats.h"
#include "common/time.h"
#include "net/tcp.h"
#include "svc/common/dpp_link.h"
#include "svc/site/dpp_site.h"

namespace gh::svc {
namespace {

namespace pd = proto::dpp;

struct Load {
  std::vector<double> latencies_ms;
  int failures = 0;
  std::string first_error;
  double seconds = 0;
};

// Every enrollee initiates to the controller whose URI it holds (responder-only authentication,
// as a controller that does not know the enrollees sees it), asks for a "sta" configuration,
// verifies the connector and sends the Configuration Result.
Result<Load> run_load(const std::vector<pd::OwnBootstrap>& enrollees, const std::string& uri_text,
                      const std::string& address, int concurrency, const ProgressFn& progress,
                      std::string_view phase) {
  auto uri = TRY(codec::DppUri::parse(uri_text));
  auto controller = TRY(pd::PeerBootstrap::from_spki(uri.key, "controller"));
  auto hp = TRY(net::parse_host_port(address));
  Load load;
  std::vector<double> lat(enrollees.size(), -1);
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::atomic<int64_t> finished{0};
  const auto total = static_cast<int64_t>(enrollees.size());
  std::mutex mu;
  auto worker = [&] {
    for (size_t i; (i = next++) < enrollees.size();) {
      if (progress && i > 0) progress(phase, finished.load(), total);
      double t0 = time::monotonic();
      pd::Options o;
      o.role = pd::Role::kEnrollee;
      o.own = enrollees[i];
      o.peer = controller;
      o.request.name = "bench-" + std::to_string(i);
      pd::Session s(o);
      Status st = ok_status();
      auto first = s.start();
      if (!first) st = first.error();
      if (st) {
        auto fd = net::tcp_connect(hp.first, hp.second, 30);
        if (!fd) {
          st = fd.error();
        } else {
          st = drive_dpp(*fd, s, {*first});
          ::close(*fd);
        }
      }
      if (st && s.configuration().empty()) st = make_error("bench.dpp", "no configuration");
      if (st) {
        lat[i] = (time::monotonic() - t0) * 1000.0;
      } else {
        ++failures;
        std::lock_guard<std::mutex> lock(mu);
        if (load.first_error.empty()) load.first_error = st.error().str();
      }
      ++finished;
    }
  };
  double start = time::monotonic();
  std::vector<std::thread> threads;
  for (int t = 0; t < std::min<int>(concurrency, static_cast<int>(enrollees.size())); ++t)
    threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  load.seconds = time::monotonic() - start;
  if (progress) progress(phase, finished.load(), total);
  load.failures = failures;
  for (double l : lat)
    if (l >= 0) load.latencies_ms.push_back(l);
  return load;
}

Result<std::string> wpa_cli(const std::string& ctrl, const std::vector<std::string>& cmd) {
  std::vector<std::string> argv = {"wpa_cli", "-p", ctrl, "-i", "lo"};
  argv.insert(argv.end(), cmd.begin(), cmd.end());
  auto r = TRY(process::run(argv));
  std::string out = trim(r.out);
  if (r.exit_status != 0 || out == "FAIL" || out.rfind("FAIL", 0) == 0)
    return make_error("bench.wpa", "wpa_cli " + cmd[0] + " failed: " + out);
  return out;
}

// wpa_supplicant -D none on lo as a DPP controller/configurator with a P-256 configurator.
struct Reference {
  process::Child child;
  std::string uri;
  std::string address;
};
Result<Reference> start_reference(const std::string& dir) {
  std::string ctrl = fs::join(dir, "wpa-ctrl");
  TRY(fs::make_dirs(ctrl, 0700));
  std::string conf = fs::join(dir, "wpa.conf");
  TRY(fs::write_file_atomic(conf, "ctrl_interface=" + ctrl + "\n", 0600));
  Reference ref;
  ref.child = TRY(
      process::Child::start({"wpa_supplicant", "-D", "none", "-i", "lo", "-c", conf}, "", nullptr));
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    auto r = process::run({"wpa_cli", "-p", ctrl, "-i", "lo", "PING"});
    up = r && r->out.find("PONG") != std::string::npos;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!up) return make_error("bench.wpa", "wpa_supplicant did not start");
  std::string c = TRY(wpa_cli(ctrl, {"DPP_CONFIGURATOR_ADD"}));
  TRY(wpa_cli(ctrl,
              {"SET", "dpp_configurator_params",
               " conf=sta-dpp ssid=" + hex_encode(to_bytes("gatehouse")) + " configurator=" + c}));
  std::string b = TRY(wpa_cli(ctrl, {"DPP_BOOTSTRAP_GEN", "type=qrcode"}));
  ref.uri = TRY(wpa_cli(ctrl, {"DPP_BOOTSTRAP_GET_URI", b}));
  int port = net::free_loopback_port();
  TRY(wpa_cli(ctrl, {"DPP_CONTROLLER_START", "tcp_port=" + std::to_string(port)}));
  ref.address = "127.0.0.1:" + std::to_string(port);
  return ref;
}

void report(Json& out, const std::string& prefix, const Load& l) {
  double per_s = static_cast<double>(l.latencies_ms.size()) / l.seconds;
  out[prefix + "onboardings_per_s"] = per_s;
  out[prefix + "p50_ms"] = stats::percentile(l.latencies_ms, 0.50);
  out[prefix + "p95_ms"] = stats::percentile(l.latencies_ms, 0.95);
  out[prefix + "p99_ms"] = stats::percentile(l.latencies_ms, 0.99);
  out[prefix + "completed"] = l.latencies_ms.size();
  out[prefix + "failures"] = l.failures;
  if (!l.first_error.empty()) out[prefix + "first_error"] = l.first_error;
}

}  // namespace

Result<Json> bench_dpp(const DppBenchOptions& o) {
  if (o.devices < 1 || o.concurrency < 1)
    return make_error("usage", "--devices and --concurrency must be 1 or more");
  auto scratch = TRY(fs::TempDir::create(o.work_dir, "gatehouse-bench-dpp"));
  const std::string dir = scratch.path();

  std::vector<pd::OwnBootstrap> enrollees;
  for (int i = 0; i < o.devices; ++i) {
    pd::OwnBootstrap b;
    b.key = TRY(crypto::PrivateKey::generate(crypto::Curve::kP256));
    b.spki = b.key.public_key().der_compressed();
    enrollees.push_back(std::move(b));
  }

  std::unique_ptr<process::Child> site;
  std::string address = o.controller, uri = o.controller_uri;
  if (address.empty()) {
    TRY(Site::init({dir + "/s", "Bench Site", {}}));
    {
      auto dpp = TRY(DppSite::open(dir + "/s", {}));  // makes the controller's keys
      uri = dpp->uri();
      if (o.known) {
        std::vector<std::string> uris;
        for (const auto& e : enrollees) {
          codec::DppUri u;
          u.version = 2;
          u.key = e.spki;
          uris.push_back(u.to_string());
        }
        TRY(dpp->add_uris(uris, "bench"));
      }
    }
    std::vector<std::string> argv = {o.self_exe,    "site",          "serve",
                                     "--state",     dir + "/s",      "--dpp-listen",
                                     "127.0.0.1:0", "--dpp-timeout", "30"};
    if (!o.known) argv.push_back("--accept-unknown");
    std::string line;
    site =
        std::make_unique<process::Child>(TRY(process::Child::start(argv, "listening on ", &line)));
    address = line.substr(line.find("tcp:") + 4);
  } else if (uri.empty()) {
    return make_error("usage", "--controller needs --controller-uri");
  }
  double cpu0 = site ? site->cpu_s() : 0, self0 = process::self_cpu_s();
  auto ours =
      TRY(run_load(enrollees, uri, address, o.concurrency, o.progress, "configuring enrollees"));
  double cpu = site ? site->cpu_s() - cpu0 : 0, self = process::self_cpu_s() - self0;
  size_t done = std::max<size_t>(1, ours.latencies_ms.size());
  Json out{{"bench", "dpp"},
           {"devices", o.devices},
           {"concurrency", o.concurrency},
           {"configuration", o.known ? "connector (akm dpp), enrollee initiates, mutual (site "
                                       "knows every key)"
                                     : "connector (akm dpp), enrollee initiates, responder-only"},
           {"seconds", ours.seconds},
           {"enrollee_cpu_s_per_onboarding", self / static_cast<double>(done)},
           {"cores", std::max(1u, std::thread::hardware_concurrency())}};
  report(out, "", ours);
  if (site) {
    out["cpu_s_per_onboarding"] = cpu / static_cast<double>(done);
    out["peak_rss_mb"] = site->peak_rss_mb();
  }
  if (o.reference) {
    auto ref = start_reference(dir);
    if (!ref) {
      out["reference_error"] = ref.error().str();
    } else {
      double rcpu0 = ref->child.cpu_s();
      auto theirs = TRY(run_load(enrollees, ref->uri, ref->address, o.concurrency, o.progress,
                                 "configuring enrollees (wpa_supplicant)"));
      size_t rdone = std::max<size_t>(1, theirs.latencies_ms.size());
      report(out, "reference_", theirs);
      out["reference"] = "wpa_supplicant -D none (DPP_CONTROLLER_START)";
      out["reference_cpu_s_per_onboarding"] =
          (ref->child.cpu_s() - rcpu0) / static_cast<double>(rdone);
      out["reference_peak_rss_mb"] = ref->child.peak_rss_mb();
      double r = out["reference_onboardings_per_s"].get<double>();
      out["ratio_to_reference"] = r > 0 ? out["onboardings_per_s"].get<double>() / r : 0.0;
    }
  }
  return out;
}

}  // namespace gh::svc
