// The registrar's protocol checks (RFC 8995 sections 5.3, 5.5 and 5.9): the pledge's
// voucher-request, the registrar's own request to the MASA, the voucher it relays, and the EST
// enrollment. I/O-free; the site's service feeds it and persists what it decides.
#pragma once

#include <string>
#include <vector>

#include "codec/voucher.h"
#include "pki/profiles.h"

namespace gh::proto {

struct PledgeRequest {
  std::string serial;  // from the pledge's TLS client certificate (RFC 8995 5.5)
  crypto::Certificate idevid;
  crypto::Certificate manufacturer;  // the trusted root the IDevID chains to
  codec::VoucherRequest pvr;
  Bytes pvr_cms;
  std::string masa_url;  // where to send the registrar's request
  // Read leniently (recorded with the event): see VerifiedArtifact::notes.
  std::vector<std::string> notes;
  bool base64_body = false;  // the pledge sent base64: it is answered in base64
};

// A manufacturer root the site trusts, and the MASA the site uses for its devices when their
// IDevIDs carry no MASA URL extension (RFC 8995 2.3: the registrar may know it by configuration).
struct TrustedManufacturer {
  crypto::Certificate root;
  std::string masa_url;
};

class Registrar {
 public:
  // identity: the registrar certificate (id-kp-cmcRA) and key, chain = [domain CA].
  explicit Registrar(pki::Identity identity) : identity_(std::move(identity)) {}

  // Checks the pledge's TLS client chain against trusted manufacturer roots and its signed
  // voucher-request: signature by that same IDevID, serial, proximity-registrar-cert is ours.
  Result<PledgeRequest> check_pledge_request(
      const Bytes& body, const std::vector<crypto::Certificate>& tls_chain,
      const std::vector<TrustedManufacturer>& manufacturers) const;
  // The registrar voucher-request (RFC 8995 5.5), CMS-signed with the registrar key.
  Result<Bytes> registrar_request(const PledgeRequest& p, time::Seconds now) const;
  // Checks the MASA's voucher before relaying it: signed under the manufacturer's root, for this
  // serial and nonce, pinning our domain CA.
  Result<codec::Voucher> check_voucher(const Bytes& voucher, const PledgeRequest& p) const;
  // EST simpleenroll (RFC 8995 5.9.3): the CSR proves possession of a new key (not the IDevID's)
  // and asks for the IDevID's serialNumber.
  Status check_csr(const crypto::Csr& csr, const crypto::Certificate& idevid) const;

  const pki::Identity& identity() const { return identity_; }
  const crypto::Certificate& domain_ca() const { return identity_.chain.back(); }

 private:
  pki::Identity identity_;
};

// RFC 8995 2.3.2: a MASA URL without '/' is an authority: https://AUTHORITY/.well-known/brski.
std::string masa_base_url(const std::string& extension_value);

}  // namespace gh::proto
