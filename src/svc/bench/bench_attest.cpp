#include "svc/bench/bench_attest.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "common/fs.h"
#include "device/image.h"
#include "svc/device/attester.h"
#include "svc/device/device_agent.h"
#include "svc/factory/factory.h"
#include "svc/site/verifier.h"

namespace gh::svc {

namespace {

using Clock = std::chrono::steady_clock;

struct Work {
  std::string serial;
  Bytes nonce;
  Bytes token;
};

// Runs fn(i) for i in [0, n) on threads; returns the seconds it took.
template <class Fn>
double timed_parallel(int threads, size_t n, Fn fn) {
  std::atomic<size_t> next{0};
  auto start = Clock::now();
  auto run = [&] {
    for (size_t i; (i = next++) < n;) fn(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Single use in memory, as a verifier replica holds it between its store's writes.
class MemoryNonces {
 public:
  bool consume(const Bytes& nonce) {
    std::string key(nonce.begin(), nonce.end());
    auto& shard = shards_[std::hash<std::string>{}(key) % kShards];
    std::lock_guard<std::mutex> lock(shard.mu);
    return shard.seen.insert(std::move(key)).second;
  }

 private:
  static constexpr size_t kShards = 64;
  struct Shard {
    std::mutex mu;
    std::unordered_set<std::string> seen;
  };
  Shard shards_[kShards];
};

}  // namespace

Result<Json> bench_attest(const AttestBenchOptions& o) {
  if (o.tokens < 1 || o.devices < 1)
    return make_error("usage", "--tokens and --devices must be 1 or more");
  int threads = o.threads > 0 ? o.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto scratch = TRY(fs::TempDir::create(o.work_dir, "gatehouse-bench-attest"));
  const std::string dir = scratch.path();
  TRY(Factory::init(
      {dir + "/f", "Bench Devices", "https://localhost:1", "", "BENCH-", "file", {}}));
  TRY(Site::init({dir + "/s", "Bench Site", {}}));
  std::vector<MadeDevice> made;
  {
    auto f = TRY(Factory::open(dir + "/f"));
    MakeOptions mk;
    mk.model = "bench";
    mk.count = o.devices;
    mk.out_dir = dir + "/d";
    if (o.tpm) mk.device_keystore = "tpm";
    made = TRY(f->make(mk));
    SellOptions sell;
    for (const auto& d : made) sell.serials.push_back(d.serial);
    sell.owner_cert_pem = TRY(fs::read_file(dir + "/s/domain-ca.pem"));
    sell.bundle_path = dir + "/bundle.pem";
    TRY(f->sell(sell));
  }
  auto site = TRY(Site::open(dir + "/s"));
  TRY(site->import_bundle(dir + "/bundle.pem", TRY(fs::read_file(dir + "/f/pki/root.pem"))));
  auto verifier = TRY(Verifier::open(*site));

  // The devices' evidence, two sets (each nonce is used once): made before the clock starts, by
  // each device opened once (a TPM device's swtpm runs while it is open).
  std::vector<OpenedDevice> opened;
  for (const auto& d : made) opened.push_back(TRY(open_device(d.image_dir, true)));
  auto make_set = [&](std::string_view phase) -> Result<std::vector<Work>> {
    std::vector<Work> set(static_cast<size_t>(o.tokens));
    for (size_t i = 0; i < set.size(); ++i) {
      auto& d = opened[i % opened.size()];
      set[i].serial = d.serial();
      set[i].nonce = TRY(verifier->challenge(d.serial()));
      set[i].token = TRY(make_evidence(d, set[i].nonce));
      if (o.progress) o.progress(phase, static_cast<int64_t>(i + 1), o.tokens);
    }
    return set;
  };
  auto made_start = Clock::now();
  auto engine_set = TRY(make_set("making evidence (1 of 2)"));
  double make_s = std::chrono::duration<double>(Clock::now() - made_start).count();
  auto site_set = TRY(make_set("making evidence (2 of 2)"));
  opened.clear();

  // The engine: anchors and reference values as the verifier reads them, nonces in memory.
  std::map<std::string, proto::attest::DeviceAnchors> anchors;
  std::vector<codec::corim::ReferenceValues> releases;
  for (const auto& d : made) {
    auto rec = TRY(site->inventory().get(d.serial));
    anchors[d.serial] = {d.serial, rec->model, rec->manufacturer,
                         TRY(crypto::PublicKey::from_pem(rec->attestation_pub_pem)),
                         device::device_ueid(d.serial)};
    if (rec->attestation_kind == "tpm") {
      anchors[d.serial].tpm = true;
      anchors[d.serial].last_clock = codec::tpm::Clock{0, 0, 0, true};  // the counter rule runs
    }
    if (releases.empty()) {
      for (const auto& r : TRY(site->inventory().reference_values(rec->manufacturer, rec->model))) {
        auto v = TRY(codec::corim::read_corim(TRY(base64_decode(r.corim_b64))));
        releases.insert(releases.end(), v.begin(), v.end());
      }
    }
  }
  Bytes nonce_key = to_bytes(TRY(fs::read_file(dir + "/s/verifier/nonce.key")));
  nonce_key = TRY(hex_decode(std::string(nonce_key.begin(), nonce_key.end() - 1)));
  MemoryNonces memory;
  std::atomic<size_t> engine_affirming{0};
  double engine_s = timed_parallel(threads, engine_set.size(), [&](size_t i) {
    const auto& w = engine_set[i];
    time::Seconds now = time::now();
    auto consume = [&]() -> Status {
      TRY(proto::attest::check_nonce(nonce_key, w.serial, w.nonce, now));
      if (!memory.consume(w.nonce)) return make_error("nonce.replayed", "used");
      return ok_status();
    };
    auto a = proto::attest::appraise(w.token, w.nonce, consume, anchors.at(w.serial), releases);
    if (a.status == codec::ear::Tier::kAffirming) ++engine_affirming;
  });

  std::atomic<size_t> site_affirming{0};
  double site_s = timed_parallel(threads, site_set.size(), [&](size_t i) {
    const auto& w = site_set[i];
    auto a = verifier->appraise_only(w.serial, w.nonce, w.token);
    if (a && a->status == codec::ear::Tier::kAffirming) ++site_affirming;
  });
  // Replays are refused: the engine set again, every nonce already consumed.
  std::atomic<size_t> replays_refused{0};
  timed_parallel(threads, std::min<size_t>(engine_set.size(), 1000), [&](size_t i) {
    const auto& w = engine_set[i];
    auto a = verifier->appraise_only(w.serial, w.nonce, w.token);  // the store has not seen it
    auto b = verifier->appraise_only(w.serial, w.nonce, w.token);
    if (a && b && b->check == "nonce.replayed") ++replays_refused;
  });

  Json j{{"tokens", o.tokens},
         {"devices", o.devices},
         {"threads", threads},
         {"engine_appraisals_per_s", static_cast<double>(engine_set.size()) / engine_s},
         {"engine_affirming", engine_affirming.load()},
         {"site_appraisals_per_s", static_cast<double>(site_set.size()) / site_s},
         {"site_affirming", site_affirming.load()},
         {"replays_refused", replays_refused.load()},
         {"replays_tried", std::min<size_t>(engine_set.size(), 1000)},
         {"tpm", o.tpm},
         {"evidence_made_per_s", static_cast<double>(engine_set.size()) / make_s}};
  if (engine_affirming != engine_set.size() || site_affirming != site_set.size())
    return make_error("bench.result", "genuine evidence was not affirming: " + j.dump());
  return j;
}

}  // namespace gh::svc
