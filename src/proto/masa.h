// The MASA (RFC 8995 section 5.5): authenticates a registrar's voucher-request, checks the
// pledge's prior-signed request and the device's ownership (NIST IR 8350 step 9), and issues a
// voucher pinning the registrar's domain CA. I/O-free: bytes in, a decision out.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codec/voucher.h"
#include "pki/profiles.h"
#include "proto/check.h"

namespace gh::proto {

struct MasaConfig {
  crypto::Certificate root;  // the manufacturer root: anchors IDevIDs and declarations
  pki::Identity signer;      // the MASA voucher signer
  int64_t nonceless_lifetime_s = 20 * 60;
  // The IDevID issuing CAs this manufacturer runs: a pledge's CMS that carries its leaf alone is
  // completed from them.
  std::vector<crypto::Certificate> issuing_cas;
};

// What the MASA knows of a device: its current signed declaration.
struct MasaDevice {
  std::string serial;
  std::string declaration;
  std::string idevid_pem;  // the IDevID the factory issued (for a pledge CMS without certificates)
};
using MasaDeviceLookup =
    std::function<Result<std::optional<MasaDevice>>(const std::string& serial)>;

struct MasaDecision {
  std::optional<Check> refused;  // the check that failed; none on success
  std::string reason;
  std::string serial;
  std::string nonce;
  std::string assertion;
  std::string domain_id;  // base64 SKI of the pinned certificate (RFC 8995 5.8.2)
  std::string domain_name;
  Bytes voucher;  // CMS DER, on success
  // Read leniently: how the request departed from what we write (base64 body, certificates
  // missing from a CMS and found here); recorded with the decision.
  std::vector<std::string> notes;
  bool ok() const { return !refused; }
};

class Masa {
 public:
  Masa(MasaConfig config, MasaDeviceLookup lookup);
  // The registrar voucher-request, and the certificate chain the registrar presented in TLS. now
  // dates the voucher (created-on, and expires-on for a nonceless one).
  MasaDecision request_voucher(const Bytes& body, const std::vector<crypto::Certificate>& tls_chain,
                               time::Seconds now) const;
  // The same authentication for /requestauditlog; success means the caller may read the log of
  // decision.serial (it is the owner or an authorized onboarder).
  MasaDecision authorize_audit_log(const Bytes& body,
                                   const std::vector<crypto::Certificate>& tls_chain,
                                   time::Seconds now) const;

 private:
  struct Authenticated;
  // check_pvr: also verify the pledge's prior-signed request (vouchers); the audit log needs only
  // the registrar's request, its signature and its domain's standing.
  MasaDecision authenticate(const Bytes& body, const std::vector<crypto::Certificate>& tls_chain,
                            bool check_pvr, time::Seconds now, Authenticated* out) const;
  MasaConfig config_;
  MasaDeviceLookup lookup_;
  // Declarations verified lately (a voucher and its audit-log check verify the same one).
  struct Declarations;
  std::shared_ptr<Declarations> verified_;
};

}  // namespace gh::proto
