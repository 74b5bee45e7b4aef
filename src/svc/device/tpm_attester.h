// The device's TPM as its attester (TPM 2.0 Part 3 through tpm2-tss's ESYS): the attestation key
// is a restricted ECDSA P-256 signing key, a primary of the endorsement hierarchy (the same key
// from the same TPM every time, never stored outside it, surviving an owner clear); the measured
// boot extends PCR 8; quotes are over the verifier's nonce. A restricted key signs only what the
// TPM produced or hashed itself (a quote, or a digest with the TPM's hash ticket), so a program on
// the device cannot make it sign a forged quote.
#pragma once

#include <memory>
#include <string>

#include "codec/eat.h"
#include "crypto/key.h"

struct ESYS_CONTEXT;
struct TSS2_TCTI_OPAQUE_CONTEXT_BLOB;

namespace gh::svc {

class TpmAttester {
 public:
  // tcti: a tpm2-tss TCTI configuration, e.g. "swtpm:host=127.0.0.1,port=2321".
  static Result<std::unique_ptr<TpmAttester>> open(const std::string& tcti);
  ~TpmAttester();
  TpmAttester(const TpmAttester&) = delete;
  TpmAttester& operator=(const TpmAttester&) = delete;

  // The attestation key's public half (what the manufacturer certifies).
  Result<crypto::PublicKey> attestation_key();
  // Extends pcr (SHA-256 bank) with a component's digest and records the event.
  Status measure(int pcr, const std::string& component, const Bytes& sha256);
  const std::vector<codec::eat::TpmEvent>& event_log() const { return log_; }
  int measured_pcr() const { return pcr_; }
  // A quote of the measured PCR over nonce: the marshalled TPMS_ATTEST and TPMT_SIGNATURE.
  Result<codec::eat::TpmEvidence> quote(const Bytes& nonce);
  // ES256 r||s over message: the TPM hashes it (a hash sequence, which yields the ticket that lets
  // the restricted key sign) and signs the digest.
  Result<Bytes> sign(const Bytes& message);

 private:
  TpmAttester() = default;
  Result<uint32_t> load_key();
  void flush(uint32_t handle);
  ESYS_CONTEXT* esys_ = nullptr;
  TSS2_TCTI_OPAQUE_CONTEXT_BLOB* tcti_ = nullptr;
  std::vector<codec::eat::TpmEvent> log_;
  int pcr_ = -1;
};

}  // namespace gh::svc
