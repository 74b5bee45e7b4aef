// The attestation verifier's engine (IR 8350 steps 1 and 3, section 7; RATS architecture): the
// site's stateless nonces and the appraisal of a device's EAT against the manufacturer's reference
// values. I/O-free: the clock, the nonce key, the device's anchors and the reference values are
// passed in; the single-use store is the caller's.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codec/corim.h"
#include "codec/ear.h"
#include "codec/eat.h"
#include "codec/tpm_quote.h"
#include "common/time.h"
#include "crypto/key.h"

namespace gh::proto::attest {

// ---- nonces: expiry(8, big-endian seconds) || random(16) || HMAC-SHA256(key, "gatehouse-attest"
// || serial || expiry || random)[0..16]. Any replica holding the key checks one without state;
// the single-use record is kept by whoever consumes it (the inventory).
inline constexpr size_t kNonceBytes = 40;
inline constexpr time::Seconds kNonceLifetime = 120;

Bytes issue_nonce(const Bytes& key, const std::string& serial, time::Seconds now,
                  const Bytes& random16, time::Seconds lifetime = kNonceLifetime);
// "nonce.forged" (wrong length or MAC: not issued by this site for this device) or
// "nonce.expired".
Status check_nonce(const Bytes& key, const std::string& serial, const Bytes& nonce,
                   time::Seconds now);
// The expiry a valid nonce carries (for the single-use record's lifetime).
time::Seconds nonce_expiry(const Bytes& nonce);

// ---- appraisal

// What the site knows about the device from its manufacturer (the bundle).
struct DeviceAnchors {
  std::string serial;
  std::string model;
  std::string manufacturer;
  crypto::PublicKey attestation_key;  // bound to the serial by the manufacturer's certificate
  Bytes ueid;                         // the UEID the device must claim
  // The manufacturer certified a TPM-resident restricted attestation key: the evidence must carry
  // a quote (an EAT without one is a downgrade), and the quote's counters never go back.
  bool tpm = false;
  std::optional<codec::tpm::Clock> last_clock;  // the last accepted quote's, if any
};

// The PCR the device's measured boot extends with each component's digest (0-7 belong to a real
// platform's firmware; 8 is the first the boot loader and OS are given).
inline constexpr int kMeasurementPcr = 8;

struct Appraisal {
  codec::ear::Tier status = codec::ear::Tier::kNone;
  codec::ear::TrustVector vector;
  std::string check;    // the rule that decided: "evidence.signature", "measurement.boot", ...
  std::string reason;   // one line an operator reads
  std::string release;  // the firmware release the measurements matched
  codec::eat::Claims claims;
  // The evidence is the device's and answers a fresh challenge: signed by its attestation key,
  // this site's unexpired nonce, used once. Only such a result says anything about the device;
  // a forged, replayed or stale token says only that someone sent it, and must not move the
  // device (or anyone holding an old token could have a healthy device quarantined).
  bool authentic = false;
  // A TPM device's quote counters, once its quote passed: the next quote must not go back.
  std::optional<codec::tpm::Clock> tpm_clock;
};

inline constexpr const char* kPolicyId = "gatehouse/attestation-v1";

// Appraises token (a CWT EAT) for device, challenged with expected_nonce. consume_nonce is the
// caller's verdict on that nonce (check_nonce, then single use), asked only once the token is
// shown to be the device's (signature, claims, the nonce it answers): a forged token must not use
// up the genuine one's nonce. releases: the model's reference values.
Appraisal appraise(const Bytes& token, const Bytes& expected_nonce,
                   const std::function<Status()>& consume_nonce, const DeviceAnchors& device,
                   const std::vector<codec::corim::ReferenceValues>& releases);
// The same with the nonce's verdict known beforehand (tests, tools).
Appraisal appraise(const Bytes& token, const Bytes& expected_nonce, const Status& nonce_status,
                   const DeviceAnchors& device,
                   const std::vector<codec::corim::ReferenceValues>& releases);

// The EAR for an appraisal.
codec::ear::Result to_ear(const Appraisal& a, const std::string& serial, const Bytes& nonce,
                          time::Seconds now);

}  // namespace gh::proto::attest
