#include "svc/site/verifier.h"

#include <cstdio>
#include <optional>

#include "common/fs.h"
#include "common/log.h"
#include "crypto/digest.h"
#include "device/image.h"

namespace gh::svc {

namespace attest = proto::attest;

namespace {

constexpr const char* kEarKeyLabel = "verifier";

// The inventory keeps a TPM's last counters as "reset:restart:clock".
std::string format_tpm_clock(const codec::tpm::Clock& c) {
  return std::to_string(c.reset_count) + ":" + std::to_string(c.restart_count) + ":" +
         std::to_string(c.clock);
}
std::optional<codec::tpm::Clock> parse_tpm_clock(const std::string& s) {
  unsigned long reset = 0, restart = 0;
  unsigned long long clock = 0;
  if (std::sscanf(s.c_str(), "%lu:%lu:%llu", &reset, &restart, &clock) != 3) return std::nullopt;
  return codec::tpm::Clock{clock, static_cast<uint32_t>(reset), static_cast<uint32_t>(restart),
                           true};
}

// The nonce key: made once by whichever process comes first (exclusive create), then shared.
Result<Bytes> nonce_key(const std::string& dir) {
  std::string path = fs::join(dir, "nonce.key");
  if (!fs::exists(path)) {
    std::string fresh = hex_encode(crypto::random_bytes(32));
    auto st = fs::write_file_exclusive(path, fresh + "\n", 0600);
    if (!st && !fs::exists(path)) return st.error();
  }
  auto text = TRY(fs::read_file(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto key = TRY_CTX(hex_decode(text), path);
  if (key.size() != 32) return make_error("verifier.key", path + " does not hold a 32-byte key");
  return key;
}

}  // namespace

Result<std::unique_ptr<Verifier>> Verifier::open(Site& site) {
  std::unique_ptr<Verifier> v(new Verifier(site));
  std::string dir = fs::join(site.state_dir(), "verifier");
  TRY(fs::make_dirs(dir, 0700));
  v->nonce_key_ = TRY(nonce_key(dir));
  auto& ks = site.keystore();
  if (!ks.has(kEarKeyLabel)) {
    auto made = ks.generate(kEarKeyLabel, crypto::Curve::kP256);
    if (!made && !ks.has(kEarKeyLabel)) return made.error();  // another process made it first
  }
  v->ear_key_ = TRY(ks.load(kEarKeyLabel));
  v->ear_public_ = v->ear_key_.public_key();
  std::string pem_path = fs::join(dir, "ear.pem");
  if (!fs::exists(pem_path)) TRY(fs::write_file_atomic(pem_path, v->ear_public_.pem(), 0644));
  return v;
}

Result<Bytes> Verifier::challenge(const std::string& serial) {
  auto d = TRY(site_.inventory().get(serial));
  if (!d) return make_error("inventory.unknown", serial + " is not in the inventory");
  return challenge(*d);
}

Bytes Verifier::challenge(const store::DeviceRecord& device) {
  return attest::issue_nonce(nonce_key_, device.serial, time::now(), crypto::random_bytes(16));
}

Result<Verifier::Known> Verifier::known(const std::string& serial, time::Seconds now) {
  // Reference values arriving (a bundle, the update mirror: in this process or another) start a
  // new generation of the cache: a device updated to a new release is appraised against it at
  // once, not after the cache entry expires.
  // Another process's writes are looked for at most once a second, not on every appraisal.
  double mono = time::monotonic();
  if (mono - external_checked_.load() >= 1) {
    external_seen_ = TRY(site_.inventory().external_changes());
    external_checked_ = mono;
  }
  int64_t external = external_seen_.load();
  Bytes key = to_bytes(serial + "#" + std::to_string(site_.reference_generation()) + "#" +
                       std::to_string(external));
  if (auto k = known_.get(key, now)) return *k;
  auto d = TRY(site_.inventory().get(serial));
  if (!d) return make_error("inventory.unknown", serial + " is not in the inventory");
  Known k;
  k.anchors = {d->serial, d->model, d->manufacturer, {}, device::device_ueid(d->serial)};
  if (!d->attestation_pub_pem.empty())
    k.anchors.attestation_key = TRY(crypto::PublicKey::from_pem(d->attestation_pub_pem));
  k.anchors.tpm = d->attestation_kind == "tpm";
  for (const auto& r : TRY(site_.inventory().reference_values(d->manufacturer, d->model))) {
    codec::corim::ReferenceValues rv{"", r.manufacturer, r.model, r.version, {}};
    auto comps = TRY(parse_json(r.components_json, "reference"));
    for (const auto& c : comps)
      rv.components.push_back({json_string_or(c, "component", ""),
                               hex_decode(json_string_or(c, "sha256", "")).value_or(Bytes())});
    k.releases.push_back(std::move(rv));
  }
  known_.put(key, k, now, now + kKnownTtl);
  return k;
}

Status Verifier::consume(const std::string& serial, const Bytes& nonce, time::Seconds now) {
  TRY(attest::check_nonce(nonce_key_, serial, nonce, now));
  bool fresh = TRY(site_.inventory().consume_attestation_nonce(hex_encode(nonce),
                                                               attest::nonce_expiry(nonce), now));
  if (!fresh) return make_error("nonce.replayed", "the nonce was used before");
  return ok_status();
}

Result<attest::Appraisal> Verifier::appraise_only(const std::string& serial, const Bytes& nonce,
                                                  const Bytes& token) {
  time::Seconds now = time::now();
  // Consumed only for evidence the device signed (a forged token does not use up the genuine
  // one's nonce) and only when this site issued it (nothing else a peer sends fills the store);
  // once, however many times the evidence is judged below.
  std::optional<Status> consumed;
  auto consume_once = [&]() -> Status {
    if (!consumed) consumed = consume(serial, nonce, now);
    return *consumed;
  };
  auto judge = [&](Known k) -> Result<attest::Appraisal> {
    // A TPM's last counters are read fresh, never from the cache: they must not go back.
    if (k.anchors.tpm)
      k.anchors.last_clock = parse_tpm_clock(TRY(site_.inventory().tpm_clock(serial)));
    return attest::appraise(token, nonce, consume_once, k.anchors, k.releases);
  };
  auto a = TRY(judge(TRY(known(serial, now))));
  // Measurements that match no release known here may be of a release that another process (the
  // update mirror's sync, a bundle import by the CLI) stored since this one last looked, up to a
  // second ago: before they are held against the device, the inventory is asked again at once,
  // and when it has changed the evidence is judged against what it holds now.
  if (a.authentic && a.check.rfind("measurement.", 0) == 0) {
    int64_t seen = external_seen_.load();
    external_checked_ = -1e9;
    auto fresh = TRY(known(serial, now));
    if (external_seen_.load() != seen) return judge(std::move(fresh));
  }
  return a;
}

Result<AttestationOutcome> Verifier::appraise(const std::string& serial, const Bytes& nonce,
                                              const Bytes& token) {
  AttestationOutcome out;
  out.appraisal = TRY(appraise_only(serial, nonce, token));
  const auto& a = out.appraisal;
  time::Seconds now = time::now();
  out.ear = attest::to_ear(a, serial, nonce, now);
  out.ear_jwt = TRY(codec::ear::sign(out.ear, ear_key_));
  std::string tier = codec::ear::tier_name(a.status);
  Json detail{{"status", tier},
              {"check", a.check},
              {"release", a.release},
              {"vector", a.vector.to_json()},
              {"policy", attest::kPolicyId}};
  store::AttestationRecord record{0, serial, now, tier, a.check, a.reason, a.release, out.ear_jwt};
  record.about_device = a.authentic;
  if (a.authentic && a.tpm_clock) record.tpm_clock = format_tpm_clock(*a.tpm_clock);
  detail["authentic"] = a.authentic;
  TRY(site_.inventory().record_attestation(
      record, store::Event{0, 0, serial, "attest.appraise",
                           a.status == codec::ear::Tier::kAffirming ? "ok" : "refused", a.check,
                           detail.dump()}));

  // What the policy says this tier means for a device in service; evidence that is not the
  // device's own and fresh changes nothing about the device.
  out.action = "keep";
  if (!a.authentic) return out;
  out.action = TRY(act(serial, tier, "attestation " + tier + ": " + a.check + ": " + a.reason));
  return out;
}

Result<std::string> Verifier::act(const std::string& serial, const std::string& tier,
                                  const std::string& why) {
  auto policy = policy_.current(&site_.inventory());
  std::string action = policy.assurance.action_for(tier);
  auto d = TRY(site_.inventory().get(serial));
  if (!d) return std::string("keep");
  if (action == "revoke" && d->state != "revoked") {
    TRY(site_.revoke(serial, why, store::Actor::kVerifier));
    return action;
  }
  if (action == "quarantine" && d->state != "quarantined" && d->state != "revoked") {
    auto st = site_.inventory().transition(
        serial, store::Transition::kQuarantine, store::Actor::kVerifier,
        store::Event{0, 0, serial, "device.quarantine", "ok", why,
                     Json{{"from", d->state}, {"by", "verifier"}}.dump()});
    if (!st) {
      log::warn("verifier", serial + ": not quarantined: " + st.error().message);
      return std::string("keep");
    }
    return action;
  }
  return std::string("keep");
}

Result<std::vector<std::string>> Verifier::sweep_stale(time::Seconds now) {
  auto policy = policy_.current(&site_.inventory());
  auto overdue =
      TRY(site_.inventory().overdue_attestations(now - policy.assurance.stale_after_s, 1000));
  std::vector<std::string> marked_stale;
  for (const auto& serial : overdue) {
    std::string reason = "no fresh evidence for " + std::to_string(policy.assurance.stale_after_s) +
                         " s (the policy's stale-after)";
    store::AttestationRecord record{0, serial, now, "stale", "evidence.overdue", reason, "", ""};
    bool marked = TRY(site_.inventory().mark_stale(
        record, now - policy.assurance.stale_after_s,
        store::Event{0, 0, serial, "attest.stale", "refused", "evidence.overdue",
                     Json{{"stale_after_s", policy.assurance.stale_after_s}}.dump()}));
    if (!marked) continue;  // fresh evidence arrived since the list was read
    TRY(act(serial, "stale", "attestation stale: evidence.overdue: " + reason));
    marked_stale.push_back(serial);
  }
  return marked_stale;
}

}  // namespace gh::svc
