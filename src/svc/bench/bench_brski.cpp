#include "svc/bench/bench_brski.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/fs.h"
#include "common/log.h"
#include "common/process.h"
#include "common/stats.h"
#include "crypto/digest.h"
#include "crypto/tls.h"
#include "device/image.h"
#include "net/http.h"
#include "svc/bench/bench_server.h"
#include "svc/device/pledge_agent.h"
#include "svc/factory/factory.h"
#include "svc/site/site.h"

namespace gh::svc {
namespace {

constexpr size_t kDevicesPerBundle = 2000;

struct Device {
  pki::Identity idevid;
  std::vector<crypto::Certificate> masa;
};

Result<Device> load_device(const std::string& dir) {
  auto chain = TRY(crypto::Certificate::chain_from_pem(
      TRY(fs::read_file(fs::join(dir, "bootstrap/idevid.pem")))));
  auto ks = TRY(device::open_keystore(dir, {"file", ""}));
  Device d;
  d.idevid.cert = chain[0];
  for (size_t i = 1; i < chain.size(); ++i)
    if (!chain[i].self_signed()) d.idevid.chain.push_back(chain[i]);
  d.idevid.key = TRY(ks->load(device::kIdevidKey));
  d.masa = TRY(crypto::Certificate::chain_from_pem(
      TRY(fs::read_file(fs::join(dir, "bootstrap/masa-trust.pem")))));
  return d;
}

// What one onboarding costs in public-key operations, as built, in steady state (chains verified
// recently are remembered, so a registrar's, a MASA's or a declaration signer's chain is not
// verified again in every request):
// - two TLS 1.3 handshakes pledge-registrar (IDevID session, then the LDevID session for
//   enrollstatus): per handshake 2 ECDHE key pairs, 2 agreements, 2 signatures (CertificateVerify)
//   and 2 verifications, plus the pledge checking the registrar against the domain CA on the
//   second; registrar-MASA connections are kept alive, so no handshake there;
// - signatures: pledge request, registrar request, voucher, CSR, LDevID (5 besides TLS);
// - key pairs: the LDevID's (1 besides TLS);
// - verifications, 21 in all: counted at run time (uprobes on OpenSSL's EVP_DigestVerifyFinal,
//   2026-11-23): pledge 7.4, registrar 8.0, MASA 6.0 per onboarding. Each new device brings chains
//   no cache knows (IDevID at the registrar and MASA, LDevID at the pledge and registrar).
struct CryptoFloor {
  int signs = 9, verifies = 21, keygens = 5, derives = 4;
  Json counts() const {
    return Json{{"sign", signs}, {"verify", verifies}, {"keygen", keygens}, {"ecdh", derives}};
  }
  // Seconds of one core for one onboarding's public-key operations: the best of three rounds, so
  // a moment of interference does not lower the floor.
  double measure() const {
    double best = 1e9;
    for (int round = 0; round < 3; ++round) best = std::min(best, measure_once());
    return best;
  }
  double measure_once() const {
    const int n = 300;
    auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
    auto peer = *crypto::PrivateKey::generate(crypto::Curve::kP256);
    Bytes msg = crypto::random_bytes(256);
    auto sig = *key.sign(msg);
    auto pub = key.public_key();
    auto peer_pub = peer.public_key();
    double t0 = time::monotonic();
    for (int i = 0; i < n; ++i) (void)key.sign(msg);
    double t_sign = (time::monotonic() - t0) / n;
    t0 = time::monotonic();
    for (int i = 0; i < n; ++i) (void)pub.verify(msg, sig);
    double t_verify = (time::monotonic() - t0) / n;
    t0 = time::monotonic();
    for (int i = 0; i < n; ++i) (void)crypto::PrivateKey::generate(crypto::Curve::kP256);
    double t_keygen = (time::monotonic() - t0) / n;
    t0 = time::monotonic();
    for (int i = 0; i < n; ++i) (void)key.derive(peer_pub);
    double t_derive = (time::monotonic() - t0) / n;
    return signs * t_sign + verifies * t_verify + keygens * t_keygen + derives * t_derive;
  }
};

}  // namespace

Result<Json> bench_brski(const BrskiBenchOptions& o) {
  if (o.devices < 1 || o.concurrency < 1)
    return make_error("usage", "--devices and --concurrency must be 1 or more");
  auto scratch = TRY(fs::TempDir::create(o.work_dir, "gatehouse-bench-brski"));
  const std::string dir = scratch.path();

  std::unique_ptr<process::Child> masa, site;
  std::string url = o.site_url;
  std::vector<std::string> images;
  if (url.empty()) {
    int mport = net::free_loopback_port();
    TRY(Factory::init({dir + "/f",
                       "Bench Devices",
                       "https://localhost:" + std::to_string(mport),
                       "",
                       "BENCH-",
                       "file",
                       {}}));
    TRY(Site::init({dir + "/s", "Bench Site", {}}));
    {
      auto f = TRY(Factory::open(dir + "/f"));
      MakeOptions mk;
      mk.model = "bench";
      mk.count = o.devices;
      mk.out_dir = dir + "/d";
      int64_t n_made = 0;
      auto made = TRY(f->make(mk, [&](const MadeDevice&) {
        if (o.progress) o.progress("making devices", ++n_made, mk.count);
      }));
      for (const auto& d : made) images.push_back(d.image_dir);
      // In bundles of 2,000 devices (about 10 MB), under what a site imports in one.
      const std::string owner = TRY(fs::read_file(dir + "/s/domain-ca.pem"));
      const std::string root = TRY(fs::read_file(dir + "/f/pki/root.pem"));
      for (size_t first = 0; first < made.size(); first += kDevicesPerBundle) {
        SellOptions sell;
        for (size_t i = first; i < std::min(made.size(), first + kDevicesPerBundle); ++i)
          sell.serials.push_back(made[i].serial);
        sell.owner_cert_pem = owner;
        sell.bundle_path = dir + "/bundle-" + std::to_string(first / kDevicesPerBundle) + ".pem";
        TRY(f->sell(sell));
        auto s = TRY(Site::open(dir + "/s"));
        TRY(s->import_bundle(sell.bundle_path, root));
      }
    }
    std::string masa_url;
    masa = TRY(start_server(
        o.self_exe,
        {"masa", "serve", "--state", dir + "/f", "--listen", "127.0.0.1:" + std::to_string(mport)},
        &masa_url));
    site = TRY(start_server(
        o.self_exe, {"site", "serve", "--state", dir + "/s", "--listen", "127.0.0.1:0"}, &url));
  } else {
    if (o.images_dir.empty())
      return make_error("usage", "--site needs --images DIR (device images it expects)");
    for (const auto& e : std::filesystem::directory_iterator(o.images_dir))
      if (fs::exists(fs::join(e.path().string(), "bootstrap/idevid.pem")))
        images.push_back(e.path().string());
    std::sort(images.begin(), images.end());
    if (static_cast<int>(images.size()) < o.devices)
      return make_error(
          "usage", "only " + std::to_string(images.size()) + " device images in " + o.images_dir);
    images.resize(static_cast<size_t>(o.devices));
  }
  std::vector<Device> devices;
  for (const auto& img : images) devices.push_back(TRY(load_device(img)));

  double site_cpu0 = site ? site->cpu_s() : 0, masa_cpu0 = masa ? masa->cpu_s() : 0,
         self_cpu0 = process::self_cpu_s();
  std::vector<double> latencies(devices.size(), -1);
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::atomic<int64_t> finished{0};
  std::mutex err_mu;
  std::string first_error;
  auto worker = [&] {
    for (size_t i; (i = next++) < devices.size();) {
      if (o.progress && i > 0)
        o.progress("onboarding", finished.load(), static_cast<int64_t>(devices.size()));
      double t0 = time::monotonic();
      BrskiFlowFailure why;
      auto r = brski_flow(
          devices[i].idevid, devices[i].masa, url,
          [] { return crypto::PrivateKey::generate(crypto::Curve::kP256); }, &why);
      if (r) {
        latencies[i] = (time::monotonic() - t0) * 1000.0;
      } else {
        ++failures;
        std::lock_guard<std::mutex> lock(err_mu);
        if (first_error.empty()) first_error = r.error().str();
      }
      ++finished;
    }
  };
  double start = time::monotonic();
  std::vector<std::thread> threads;
  for (int t = 0; t < std::min<int>(o.concurrency, static_cast<int>(devices.size())); ++t)
    threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  double wall = time::monotonic() - start;
  if (o.progress) o.progress("onboarding", finished.load(), static_cast<int64_t>(devices.size()));
  double site_cpu = site ? site->cpu_s() - site_cpu0 : 0,
         masa_cpu = masa ? masa->cpu_s() - masa_cpu0 : 0;
  double pledge_cpu = process::self_cpu_s() - self_cpu0;

  std::vector<double> ok;
  for (double l : latencies)
    if (l >= 0) ok.push_back(l);
  CryptoFloor floor;
  double floor_s = floor.measure();
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  double per_s = static_cast<double>(ok.size()) / wall;
  double floor_per_s = static_cast<double>(cores) / floor_s;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  Json out{{"bench", "brski"},
           {"devices", o.devices},
           {"concurrency", o.concurrency},
           {"completed", ok.size()},
           {"failures", failures.load()},
           {"seconds", wall},
           {"onboardings_per_s", per_s},
           {"p50_ms", stats::percentile(ok, 0.50)},
           {"p95_ms", stats::percentile(ok, 0.95)},
           {"p99_ms", stats::percentile(ok, 0.99)},
           {"crypto_floor_per_s", floor_per_s},
           {"floor_fraction", per_s / floor_per_s},
           {"crypto_ops_per_onboarding", floor.counts()},
           {"pledge_cpu_s_per_onboarding",
            pledge_cpu / static_cast<double>(std::max<size_t>(1, ok.size()))},
           {"pledge_peak_rss_mb", static_cast<double>(ru.ru_maxrss) / 1024.0},
           {"cores", cores},
           {"openssl", crypto::openssl_version()}};
  if (site) {
    out["cpu_s_per_onboarding"] =
        (site_cpu + masa_cpu) / static_cast<double>(std::max<size_t>(1, ok.size()));
    out["site_cpu_s_per_onboarding"] =
        site_cpu / static_cast<double>(std::max<size_t>(1, ok.size()));
    out["masa_cpu_s_per_onboarding"] =
        masa_cpu / static_cast<double>(std::max<size_t>(1, ok.size()));
    out["site_peak_rss_mb"] = site->peak_rss_mb();
    out["masa_peak_rss_mb"] = masa->peak_rss_mb();
    out["peak_rss_mb"] = std::max(site->peak_rss_mb(), masa->peak_rss_mb());
  } else {
    out["cpu_s_per_onboarding"] = nullptr;  // the servers run elsewhere
    out["peak_rss_mb"] = static_cast<double>(ru.ru_maxrss) / 1024.0;
  }
  if (!first_error.empty()) out["first_error"] = first_error;
  return out;
}

}  // namespace gh::svc
