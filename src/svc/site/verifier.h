// The site's attestation verifier (IR 8350 section 7; SP 1800-36 policy-based continuous
// assurance): issues challenges, appraises a device's evidence against its manufacturer's
// attestation key and reference values, signs the result as an EAR, stores it with the device and
// acts on it as the policy's `assurance:` says (quarantine, revoke).
//   STATE/verifier/nonce.key   the key the stateless nonces are made with (0600; replicas share it)
//   STATE/verifier/ear.pem     the public key EAR consumers verify results with
// The EAR signing key lives in the site's CA keystore under "verifier".
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "codec/ear.h"
#include "common/expiring_map.h"
#include "proto/attestation.h"
#include "svc/site/policy_store.h"
#include "svc/site/site.h"

namespace gh::svc {

struct AttestationOutcome {
  proto::attest::Appraisal appraisal;
  codec::ear::Result ear;
  std::string ear_jwt;
  std::string action;  // what the site did: "keep", "quarantine", "revoke"
};

class Verifier {
 public:
  // Opens (making on first use) the verifier's keys in the site's state directory.
  static Result<std::unique_ptr<Verifier>> open(Site& site);

  // A fresh challenge for a device the site knows ("inventory.unknown" otherwise).
  Result<Bytes> challenge(const std::string& serial);
  // The same for a device record the caller has read.
  Bytes challenge(const store::DeviceRecord& device);

  // Appraises evidence for serial answering nonce: checks the nonce (this site's, for this device,
  // unexpired), consumes it (a second use is "nonce.replayed"), appraises, signs and stores the
  // EAR with an evidence event, then applies the policy's action for the result's tier. The
  // result is returned whatever the tier; errors are the verifier's own failures.
  Result<AttestationOutcome> appraise(const std::string& serial, const Bytes& nonce,
                                      const Bytes& token);

  // Continuous assurance's deadline: a device that attested before but has sent no fresh evidence
  // for the policy's stale-after is marked stale (recorded, and acted on as the policy says).
  // Returns the devices marked.
  Result<std::vector<std::string>> sweep_stale(time::Seconds now);

  const crypto::PublicKey& ear_key() const { return ear_public_; }
  // The appraisal without storing or acting (the benchmark's inner loop): every check, nonce
  // consumption included (against the inventory, or in memory when memory_nonces).
  Result<proto::attest::Appraisal> appraise_only(const std::string& serial, const Bytes& nonce,
                                                 const Bytes& token);

 private:
  explicit Verifier(Site& site) : site_(site), policy_(site.state_dir()) {}
  // What the site knows about a device and its model, as the verifier reads it.
  struct Known {
    proto::attest::DeviceAnchors anchors;
    std::vector<codec::corim::ReferenceValues> releases;
  };
  // From the inventory, kept for kKnownTtl (a running verifier sees a new bundle's reference
  // values within that; a device's key never changes).
  Result<Known> known(const std::string& serial, time::Seconds now);
  static constexpr time::Seconds kKnownTtl = 10;
  Status consume(const std::string& serial, const Bytes& nonce, time::Seconds now);
  // Applies the policy's action for tier to a device in service; returns what was done.
  Result<std::string> act(const std::string& serial, const std::string& tier,
                          const std::string& why);

  Site& site_;
  PolicyStore policy_;
  Bytes nonce_key_;
  crypto::PrivateKey ear_key_;
  crypto::PublicKey ear_public_;
  ExpiringMap<Known> known_{100'000};
  std::atomic<double> external_checked_{-1e9};  // when external_changes() was last read
  std::atomic<int64_t> external_seen_{0};
};

}  // namespace gh::svc
