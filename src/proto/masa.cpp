#include "proto/masa.h"

#include "codec/declaration.h"
#include "common/expiring_map.h"
#include "common/log.h"
#include "crypto/digest.h"

namespace gh::proto {

// A verified declaration is kept for a while by the SHA-256 of its text: the JWS signature and
// the signer's chain are not checked again for the audit-log request that follows a voucher.
struct Masa::Declarations : ExpiringMap<codec::DeviceInformationDeclaration> {
  static constexpr time::Seconds kKeepS = 300;  // then verified again (the signer may expire)
  Declarations() : ExpiringMap(4096) {}
};

Masa::Masa(MasaConfig config, MasaDeviceLookup lookup)
    : config_(std::move(config)),
      lookup_(std::move(lookup)),
      verified_(std::make_shared<Declarations>()) {}

struct Masa::Authenticated {
  codec::VoucherRequest rvr;
  codec::VoucherRequest pvr;
  crypto::Certificate registrar;
  crypto::Certificate
      domain_ca;  // the farthest certificate the registrar supplied: what gets pinned
  codec::DeviceInformationDeclaration declaration;
  std::vector<std::string> notes;
};

namespace {
MasaDecision refuse(Check check, std::string reason, const std::string& serial = "") {
  log::info("masa", "refused " + (serial.empty() ? std::string("request") : serial) + ": " +
                        check_name(check) + ": " + reason);
  MasaDecision d;
  d.refused = check;
  d.reason = std::move(reason);
  d.serial = serial;
  return d;
}
}  // namespace

MasaDecision Masa::authenticate(const Bytes& body,
                                const std::vector<crypto::Certificate>& tls_chain, bool check_pvr,
                                time::Seconds now, Authenticated* a) const {
  // RFC 8995 5.5.1: the registrar is authenticated by its TLS client certificate.
  if (tls_chain.empty()) return refuse(Check::kRvrTlsClient, "no TLS client certificate");
  auto der = crypto::cms_from_any(body);
  if (!der) return refuse(Check::kRvrFormat, der.error().message);
  // RFC 8995 5.5.2: an unknown domain CA is a temporary trust anchor: the farthest certificate
  // supplied. The ownership check below is what decides whether that domain may have a voucher.
  crypto::CmsVerifyOptions opt;
  opt.trust_embedded_roots = true;
  opt.known_certs = tls_chain;  // a CMS without certificates: TLS authenticated the signer
  auto v = codec::verify_voucher_artifact(*der, {}, opt);
  if (!v) {
    const std::string& code = v.error().code;
    if (code == "cms.parse" || code.rfind("encoding.", 0) == 0)
      return refuse(Check::kRvrFormat, v.error().message);
    return refuse(Check::kRvrSignature, v.error().message);
  }
  a->registrar = v->signer;
  // RFC 8995 5.5.3: the signer must be a registrar (id-kp-cmcRA).
  if (!a->registrar.has_eku(crypto::kOidCmcRa))
    return refuse(Check::kRvrCmcRa, "voucher-request signer lacks id-kp-cmcRA");
  if (!(tls_chain[0].public_key() == a->registrar.public_key()))
    return refuse(Check::kRvrTlsClient, "TLS client certificate is not the voucher-request signer");
  std::vector<crypto::Certificate> supplied = v->certificates;
  supplied.insert(supplied.end(), tls_chain.begin(), tls_chain.end());
  for (const auto& c : supplied)
    if (c.self_signed() && crypto::verify_chain(a->registrar, supplied, {c})) a->domain_ca = c;
  a->notes = v->notes;
  if (*der != body) a->notes.push_back("the body was not binary CMS (base64 or PEM): read");
  if (!a->domain_ca.valid())
    return refuse(Check::kRvrChain, "cannot tell which domain CA the registrar belongs to");
  auto rvr = codec::VoucherRequest::from_json(v->json);
  if (!rvr) return refuse(Check::kRvrFormat, rvr.error().message);
  a->rvr = std::move(*rvr);
  const std::string& serial = a->rvr.serial_number;
  if (serial.empty()) return refuse(Check::kRvrSerial, "voucher-request has no serial-number");

  auto device = lookup_(serial);
  if (!device) return refuse(Check::kMasaStore, device.error().message, serial);
  if (!device->has_value())
    return refuse(Check::kMasaUnknownDevice, "this manufacturer made no device " + serial, serial);

  // RFC 8995 5.5.4: the prior-signed request was signed by an IDevID this manufacturer issued,
  // for the same serial, and it names this registrar as the one in proximity.
  if (check_pvr) {
    if (a->rvr.prior_signed_voucher_request.empty())
      return refuse(Check::kPvrMissing,
                    "no prior-signed-voucher-request (nonceless requests are not accepted)",
                    serial);
    // The pledge's CMS may carry its leaf alone (the chain is completed from the issuing CAs this
    // manufacturer runs) or nothing (the IDevID this manufacturer issued for the serial).
    crypto::CmsVerifyOptions pvr_opt;
    pvr_opt.known_certs = config_.issuing_cas;
    if (auto idevid = crypto::Certificate::from_pem((*device)->idevid_pem))
      pvr_opt.known_certs.push_back(*idevid);
    auto pvr = codec::verify_voucher_artifact(a->rvr.prior_signed_voucher_request, {config_.root},
                                              pvr_opt);
    if (!pvr) return refuse(Check::kPvrSignature, "pledge request: " + pvr.error().message, serial);
    for (const auto& n : pvr->notes) a->notes.push_back("pledge request: " + n);
    if (pvr->signer.serial_number_attr() != serial)
      return refuse(Check::kPvrSerial,
                    "pledge request signed by the IDevID of " +
                        pvr->signer.serial_number_attr().value_or("?"),
                    serial);
    auto parsed_pvr = codec::VoucherRequest::from_json(pvr->json);
    if (!parsed_pvr) return refuse(Check::kPvrFormat, parsed_pvr.error().message, serial);
    a->pvr = std::move(*parsed_pvr);
    if (!a->pvr.serial_number.empty() && a->pvr.serial_number != serial)
      return refuse(Check::kPvrSerial, "pledge request is for serial " + a->pvr.serial_number,
                    serial);
    auto prox = crypto::Certificate::from_der(a->pvr.proximity_registrar_cert);
    if (!prox || !(prox->public_key() == a->registrar.public_key()))
      return refuse(Check::kPvrProximity, "pledge request does not name this registrar", serial);
    // RFC 8995 5.5.5: nonces consistent.
    if (a->rvr.nonce != a->pvr.nonce)
      return refuse(Check::kRvrNonce, "registrar and pledge nonces differ", serial);
  }

  // NIST IR 8350 step 9: the registrar's domain must own the device or be authorized to onboard it.
  const Bytes key = crypto::sha256((*device)->declaration);
  if (auto known = verified_->get(key, now)) {
    a->declaration = std::move(*known);
  } else {
    auto decl = codec::verify_declaration((*device)->declaration, {config_.root});
    if (!decl) return refuse(Check::kMasaDeclaration, decl.error().message, serial);
    a->declaration = decl->declaration;
    verified_->put(key, a->declaration, now, now + Declarations::kKeepS);
  }
  Bytes domain_hash = a->domain_ca.public_key().spki_sha256();
  if (!a->declaration.may_onboard(domain_hash))
    return refuse(Check::kMasaOwnership,
                  "domain '" + a->domain_ca.subject() +
                      "' is neither the owner nor an authorized onboarder of " + serial +
                      " (declaration v" + std::to_string(a->declaration.version) + ")",
                  serial);
  MasaDecision ok;
  ok.serial = serial;
  ok.notes = a->notes;
  return ok;
}

MasaDecision Masa::request_voucher(const Bytes& body,
                                   const std::vector<crypto::Certificate>& tls_chain,
                                   time::Seconds now) const {
  Authenticated a;
  MasaDecision d = authenticate(body, tls_chain, true, now, &a);
  if (!d.ok()) return d;
  codec::Voucher v;
  v.created_on = now;
  v.assertion = "proximity";
  v.serial_number = d.serial;
  v.idevid_issuer = a.rvr.idevid_issuer;
  v.pinned_domain_cert = a.domain_ca.der();
  v.domain_cert_revocation_checks = false;
  v.nonce = a.rvr.nonce;
  if (v.nonce.empty()) v.expires_on = now + config_.nonceless_lifetime_s;
  auto cms = codec::sign_voucher_artifact(v.to_json(), config_.signer.cert, config_.signer.key,
                                          {config_.signer.cert});
  if (!cms) return refuse(Check::kMasaSign, cms.error().message, d.serial);
  d.voucher = std::move(*cms);
  d.nonce = v.nonce;
  d.assertion = v.assertion;
  Bytes ski = a.domain_ca.subject_key_id();
  d.domain_id = base64_encode(ski.empty() ? a.domain_ca.public_key().spki_sha256() : ski);
  d.domain_name = a.domain_ca.subject();
  d.reason = "voucher issued to " + a.domain_ca.subject();
  log::debug("masa", "voucher for " + d.serial + " pinned to " + a.domain_ca.subject());
  return d;
}

MasaDecision Masa::authorize_audit_log(const Bytes& body,
                                       const std::vector<crypto::Certificate>& tls_chain,
                                       time::Seconds now) const {
  Authenticated a;
  return authenticate(body, tls_chain, false, now, &a);
}

}  // namespace gh::proto
