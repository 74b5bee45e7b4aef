#include "proto/attestation.h"

#include <algorithm>

#include "codec/cose.h"
#include "crypto/ct.h"
#include "crypto/digest.h"

namespace gh::proto::attest {

namespace ear = codec::ear;
namespace eat = codec::eat;
namespace corim = codec::corim;

namespace {

constexpr size_t kExpiryBytes = 8, kRandomBytes = 16, kMacBytes = 16;

Bytes nonce_mac(const Bytes& key, const std::string& serial, const Bytes& expiry_and_random) {
  Bytes input = to_bytes("gatehouse-attest");
  input.push_back(0);
  input.insert(input.end(), serial.begin(), serial.end());
  input.push_back(0);
  input.insert(input.end(), expiry_and_random.begin(), expiry_and_random.end());
  Bytes mac = crypto::hmac_sha256(key, input);
  mac.resize(kMacBytes);
  return mac;
}

}  // namespace

Bytes issue_nonce(const Bytes& key, const std::string& serial, time::Seconds now,
                  const Bytes& random16, time::Seconds lifetime) {
  auto expiry = static_cast<uint64_t>(now + lifetime);
  Bytes n;
  for (int i = 7; i >= 0; --i) n.push_back(static_cast<uint8_t>(expiry >> (8 * i)));
  n.insert(n.end(), random16.begin(), random16.begin() + std::min(random16.size(), kRandomBytes));
  n.resize(kExpiryBytes + kRandomBytes, 0);
  Bytes mac = nonce_mac(key, serial, n);
  n.insert(n.end(), mac.begin(), mac.end());
  return n;
}

time::Seconds nonce_expiry(const Bytes& nonce) {
  if (nonce.size() < kExpiryBytes) return 0;
  uint64_t e = 0;
  for (size_t i = 0; i < kExpiryBytes; ++i) e = (e << 8) | nonce[i];
  return static_cast<time::Seconds>(e);
}

Status check_nonce(const Bytes& key, const std::string& serial, const Bytes& nonce,
                   time::Seconds now) {
  if (nonce.size() != kNonceBytes)
    return make_error("nonce.forged", "the nonce was not issued by this site (length)");
  Bytes body(nonce.begin(), nonce.begin() + kExpiryBytes + kRandomBytes);
  Bytes mac(nonce.begin() + kExpiryBytes + kRandomBytes, nonce.end());
  if (!crypto::ct_equal(mac, nonce_mac(key, serial, body)))
    return make_error("nonce.forged", "the nonce was not issued by this site for " + serial);
  if (nonce_expiry(nonce) < now)
    return make_error("nonce.expired",
                      "the nonce expired " + std::to_string(now - nonce_expiry(nonce)) + " s ago");
  return ok_status();
}

namespace {

// AR4SI values used below (draft-ietf-rats-ar4si 2.3).
constexpr int kRecognized = 2, kGenuine = 2, kApprovedConfig = 2, kApprovedRuntime = 2;
constexpr int kUnsafeConfig = 32, kUnrecognizedExecutables = 33;
constexpr int kContraindicated = 96, kUnrecognizedHardware = 97, kCryptoFailed = 99;

Appraisal decided(Appraisal a, std::string check, std::string reason) {
  a.status = a.vector.status();
  a.check = std::move(check);
  a.reason = std::move(reason);
  return a;
}

Appraisal refuse_evidence(int identity, std::string check, std::string reason) {
  Appraisal a;
  a.vector.instance_identity = identity;
  return decided(std::move(a), std::move(check), std::move(reason));
}

// Which release the measurements are, and the first component that is not as the manufacturer
// says. The release named by swversion is tried first; then any release of the model.
Appraisal judge_measurements(Appraisal a, const std::vector<corim::ReferenceValues>& releases) {
  const auto& measured = a.claims.measurements;
  if (measured.empty()) {
    a.vector.executables = kUnrecognizedExecutables;
    return decided(std::move(a), "measurement.none", "the evidence carries no measurements");
  }
  std::vector<const corim::ReferenceValues*> order;
  for (const auto& r : releases)
    if (r.version == a.claims.swversion) order.push_back(&r);
  for (const auto& r : releases)
    if (r.version != a.claims.swversion) order.push_back(&r);
  std::string first_check, first_reason;
  for (const auto* r : order) {
    std::string check, reason;
    for (const auto& m : measured) {
      auto it = std::find_if(r->components.begin(), r->components.end(),
                             [&](const auto& c) { return c.component == m.component; });
      if (it == r->components.end()) {
        check = "measurement." + m.component;
        reason = m.component + " is not a component of " + r->model + " " + r->version;
      } else if (!crypto::ct_equal(it->sha256, m.sha256)) {
        check = "measurement." + m.component;
        reason = m.component + " digest " + hex_encode(m.sha256).substr(0, 16) +
                 "... is not the reference value of " + r->model + " " + r->version;
      }
      if (!check.empty()) break;
    }
    if (check.empty())
      for (const auto& c : r->components)
        if (std::none_of(measured.begin(), measured.end(),
                         [&](const auto& m) { return m.component == c.component; })) {
          check = "measurement." + c.component;
          reason = c.component + " was not measured (" + r->model + " " + r->version + " has it)";
          break;
        }
    if (check.empty()) {
      a.release = r->version;
      a.vector.executables = kApprovedRuntime;
      return decided(std::move(a), "ok", "measurements match " + r->model + " " + r->version);
    }
    if (first_check.empty()) {
      first_check = check;
      first_reason = reason;
    }
  }
  a.vector.executables = kContraindicated;
  return decided(std::move(a), first_check, first_reason);
}

// TPM 2.0 quote (TPM 2.0 Part 2 10.12; attestation-lifecycle.md 5): signed by the device's
// attestation key, a quote, over this challenge, of the measurement PCR alone, whose digest the
// event log replays to, whose counters never go back, and whose log is the measurements the EAT
// claims. The event log is then judged as the measurements are (judge_event_log).
bool judge_quote(Appraisal& a, const Bytes& expected_nonce, const DeviceAnchors& device) {
  auto fail = [&](const std::string& check, const std::string& reason, int hw = kContraindicated) {
    a.vector.hardware = hw;
    a = decided(std::move(a), check, reason);
    return false;
  };
  if (!a.claims.tpm) {
    if (!device.tpm) return true;
    return fail("quote.missing",
                "the manufacturer certified a TPM attestation key; the evidence has no quote");
  }
  const auto& t = *a.claims.tpm;
  auto rs = codec::tpm::ecdsa_signature(t.signature);
  if (!rs) return fail(rs.error().code, rs.error().message, kCryptoFailed);
  if (Status st = device.attestation_key.verify_raw(t.attest, *rs); !st)
    return fail("quote.signature",
                "the quote is not signed by " + device.serial + "'s attestation key",
                kCryptoFailed);
  auto q = codec::tpm::parse_quote(t.attest);
  if (!q) return fail(q.error().code, q.error().message);
  if (q->magic != codec::tpm::kGenerated || q->type != codec::tpm::kStAttestQuote)
    return fail("quote.type", "not a TPM-generated quote (magic or type)");
  if (!crypto::ct_equal(q->extra_data, expected_nonce))
    return fail("quote.nonce", "the quote answers another challenge");
  if (q->pcr_hash != codec::tpm::kAlgSha256 || q->pcrs != std::vector<int>{kMeasurementPcr} ||
      t.pcr != kMeasurementPcr)
    return fail("quote.pcrs", "the quote is not of the SHA-256 PCR " +
                                  std::to_string(kMeasurementPcr) + " alone");
  Bytes pcr(32, 0);
  for (const auto& e : t.log) pcr = codec::tpm::extend_sha256(pcr, e.sha256);
  if (!crypto::ct_equal(crypto::sha256(pcr), q->pcr_digest))
    return fail("quote.eventlog", "the event log (" + std::to_string(t.log.size()) +
                                      " events) does not replay to the quoted PCR");
  if (device.last_clock) {
    const auto& last = *device.last_clock;
    const auto& now = q->clock;
    if (now.reset_count < last.reset_count ||
        (now.reset_count == last.reset_count && now.restart_count < last.restart_count))
      return fail("quote.reset", "the TPM's reset/restart counters went back (" +
                                     std::to_string(now.reset_count) + "/" +
                                     std::to_string(now.restart_count) + " after " +
                                     std::to_string(last.reset_count) + "/" +
                                     std::to_string(last.restart_count) + ")");
    if (now.clock <= last.clock && now.reset_count == last.reset_count &&
        now.restart_count == last.restart_count)
      return fail("quote.clock", "the TPM's clock did not advance since its last quote (" +
                                     std::to_string(now.clock) + " ms after " +
                                     std::to_string(last.clock) + " ms)");
  }
  // The EAT's measurements are the latest event of each component in the log.
  for (const auto& m : a.claims.measurements) {
    const codec::eat::TpmEvent* latest = nullptr;
    for (const auto& e : t.log)
      if (e.component == m.component) latest = &e;
    if (latest == nullptr || !crypto::ct_equal(latest->sha256, m.sha256))
      return fail("quote.measurement",
                  m.component + ": the measurement claimed is not the TPM's latest event");
  }
  for (const auto& e : t.log)
    if (std::none_of(a.claims.measurements.begin(), a.claims.measurements.end(),
                     [&](const auto& m) { return m.component == e.component; }))
      return fail("quote.measurement", e.component + ": in the event log but not claimed");
  a.vector.hardware = kGenuine;
  a.tpm_clock = q->clock;
  return true;
}

// Every event since boot is one of the release's reference values: a component that changed
// and changed back still ran something the manufacturer never signed.
Appraisal judge_event_log(Appraisal a, const std::vector<corim::ReferenceValues>& releases) {
  if (!a.claims.tpm || a.status != ear::Tier::kAffirming) return a;
  const corim::ReferenceValues* r = nullptr;
  for (const auto& rv : releases)
    if (rv.version == a.release) r = &rv;
  if (r == nullptr) return a;
  for (const auto& e : a.claims.tpm->log) {
    bool known = std::any_of(r->components.begin(), r->components.end(), [&](const auto& c) {
      return c.component == e.component && crypto::ct_equal(c.sha256, e.sha256);
    });
    if (!known) {
      a.vector.executables = kContraindicated;
      return decided(std::move(a), "measurement." + e.component,
                     e.component + " digest " + hex_encode(e.sha256).substr(0, 16) +
                         "... ran since boot and is not a reference value of " + r->model + " " +
                         r->version);
    }
  }
  return a;
}

}  // namespace

Appraisal appraise(const Bytes& token, const Bytes& expected_nonce, const Status& nonce_status,
                   const DeviceAnchors& device,
                   const std::vector<corim::ReferenceValues>& releases) {
  return appraise(
      token, expected_nonce, [&] { return nonce_status; }, device, releases);
}

Appraisal appraise(const Bytes& token, const Bytes& expected_nonce,
                   const std::function<Status()>& consume_nonce, const DeviceAnchors& device,
                   const std::vector<corim::ReferenceValues>& releases) {
  // The token itself: a CWT whose signature verifies with this device's attestation key.
  auto sign1 = codec::cose::parse_sign1(token, "evidence", eat::kTokenLimits);
  if (!sign1) return refuse_evidence(kCryptoFailed, sign1.error().code, sign1.error().message);
  if (!device.attestation_key.valid())
    return refuse_evidence(kUnrecognizedHardware, "evidence.key",
                           "no attestation key is known for " + device.serial);
  auto sig = codec::cose::verify_sign1(*sign1, device.attestation_key, "evidence");
  if (!sig) return refuse_evidence(kCryptoFailed, sig.error().code, sig.error().message);
  auto claims = eat::read_claims(sign1->payload);
  if (!claims) return refuse_evidence(kCryptoFailed, "evidence.claim", claims.error().message);

  Appraisal a;
  a.claims = std::move(*claims);
  // Freshness: the nonce this site challenged with, valid and used once.
  if (!crypto::ct_equal(a.claims.nonce, expected_nonce)) {
    a.vector.instance_identity = kContraindicated;
    return decided(std::move(a), "nonce.mismatch", "the evidence answers another challenge");
  }
  if (Status nonce_status = consume_nonce(); !nonce_status) {
    a.vector.instance_identity = kContraindicated;
    return decided(std::move(a), nonce_status.error().code, nonce_status.error().message);
  }
  a.authentic = true;
  // Identity: the UEID and model the manufacturer gave this device.
  if (!crypto::ct_equal(a.claims.ueid, device.ueid)) {
    a.vector.instance_identity = kContraindicated;
    return decided(std::move(a), "claim.ueid",
                   "ueid " + hex_encode(a.claims.ueid) + " is not " + device.serial + "'s");
  }
  a.vector.instance_identity = kRecognized;
  if (!judge_quote(a, expected_nonce, device)) return a;
  if (a.claims.hwmodel != device.model) {
    a.vector.hardware = kUnrecognizedHardware;
    return decided(std::move(a), "claim.hwmodel",
                   "hwmodel " + a.claims.hwmodel + " is not " + device.model);
  }
  if (!a.claims.tpm) a.vector.hardware = kGenuine;
  // Configuration: RFC 9711 4.2.9, debug must be off.
  if (!a.claims.dbgstat || *a.claims.dbgstat == static_cast<int>(eat::Debug::kEnabled)) {
    a.vector.configuration = kContraindicated;
    return decided(std::move(a), "claim.dbgstat",
                   a.claims.dbgstat ? "debug is enabled"
                                    : "the evidence does not say whether "
                                      "debug is enabled");
  }
  a.vector.configuration = kApprovedConfig;
  if (releases.empty()) {
    a.vector.executables = kUnrecognizedExecutables;
    return decided(std::move(a), "reference.unavailable",
                   "no reference values for " + device.manufacturer + " " + device.model);
  }
  a = judge_measurements(std::move(a), releases);
  a = judge_event_log(std::move(a), releases);
  if (a.status == ear::Tier::kAffirming && a.claims.oemboot && !*a.claims.oemboot) {
    a.vector.configuration = kUnsafeConfig;
    return decided(std::move(a), "claim.oemboot", "the device did not boot the OEM's firmware");
  }
  return a;
}

ear::Result to_ear(const Appraisal& a, const std::string& serial, const Bytes& nonce,
                   time::Seconds now) {
  ear::Result r;
  r.iat = now;
  r.status = a.status;
  r.vector = a.vector;
  r.policy_id = kPolicyId;
  r.nonce = nonce;
  r.verifier_build = "gatehouse 0.1.0";
  r.verifier_developer = "https://gatehouse.example";
  r.serial = serial;
  r.check = a.check;
  r.reason = a.reason;
  return r;
}

}  // namespace gh::proto::attest
