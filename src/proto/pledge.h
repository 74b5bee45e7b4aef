// The pledge (RFC 8995 sections 5.1-5.9): provisional TLS, a signed voucher-request, voucher
// verification, then validation of the registrar against the pinned domain certificate, and EST
// enrollment. I/O-free: the device agent moves the bytes.
#pragma once

#include <string>
#include <vector>

#include "codec/voucher.h"
#include "pki/profiles.h"

namespace gh::proto {

class Pledge {
 public:
  enum class State { kStart, kRequested, kVoucherAccepted, kEnrolled, kFailed };

  // identity: the IDevID with its chain and key; masa_anchors: bootstrap/masa-trust.pem.
  Pledge(pki::Identity identity, std::vector<crypto::Certificate> masa_anchors)
      : identity_(std::move(identity)), masa_anchors_(std::move(masa_anchors)) {}

  // The pledge voucher-request for the registrar whose TLS chain we hold provisionally.
  Result<Bytes> voucher_request(const std::vector<crypto::Certificate>& registrar_chain,
                                time::Seconds now);
  // RFC 8995 5.6.1 and 5.6.2: MASA signature, serial, nonce, pinned-domain-cert, expires-on not
  // before now; then the registrar's TLS chain must verify against the pin.
  Status accept_voucher(const Bytes& body, time::Seconds now);
  // RFC 7030 4.1.3: the CA certificates; the domain CA must be, or chain to, the pin.
  Status accept_cacerts(const std::string& body);
  Result<crypto::Csr> enrollment_request(const crypto::PrivateKey& new_key) const;
  // The issued LDevID: it certifies new_key and chains to the domain CA.
  Result<crypto::Certificate> accept_enrollment(const std::string& body,
                                                const crypto::PublicKey& new_key);

  State state() const { return state_; }
  const std::string& serial() const { return serial_; }
  const Bytes& voucher_cms() const { return voucher_cms_; }
  const codec::Voucher& voucher() const { return voucher_; }
  const crypto::Certificate& domain_ca() const { return domain_ca_; }

 private:
  Error fail(Error e);
  void transition(State next);

  pki::Identity identity_;
  std::vector<crypto::Certificate> masa_anchors_;
  std::vector<crypto::Certificate> registrar_chain_;
  std::string serial_;
  std::string nonce_;
  Bytes voucher_cms_;
  codec::Voucher voucher_;
  crypto::Certificate pinned_;
  crypto::Certificate domain_ca_;
  State state_ = State::kStart;
};

}  // namespace gh::proto
