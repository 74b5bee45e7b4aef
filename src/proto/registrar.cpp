#include "proto/registrar.h"

#include "common/log.h"
#include "proto/check.h"

namespace gh::proto {

std::string masa_base_url(const std::string& ext) {
  std::string url = ext;
  if (url.find('/') == std::string::npos) url = "https://" + url;
  if (url.find("/.well-known/brski") == std::string::npos) {
    if (!url.empty() && url.back() == '/') url.pop_back();
    url += "/.well-known/brski";
  }
  return url;
}

Result<PledgeRequest> Registrar::check_pledge_request(
    const Bytes& body, const std::vector<crypto::Certificate>& tls_chain,
    const std::vector<TrustedManufacturer>& manufacturers) const {
  if (tls_chain.empty())
    return make_error(Check::kIdevidMissing, "the pledge presented no IDevID in TLS");
  PledgeRequest p;
  p.idevid = tls_chain[0];
  std::vector<crypto::Certificate> untrusted(tls_chain.begin() + 1, tls_chain.end());
  std::string configured_masa;
  for (const auto& m : manufacturers)
    if (crypto::verify_chain(p.idevid, untrusted, {m.root})) {
      p.manufacturer = m.root;
      configured_masa = m.masa_url;
    }
  if (!p.manufacturer.valid())
    return make_error(Check::kIdevidUntrusted,
                      "IDevID " + p.idevid.subject() + " does not chain to a trusted manufacturer");
  auto serial = p.idevid.serial_number_attr();
  if (!serial || serial->empty())
    return make_error(Check::kIdevidSerial, "IDevID has no serialNumber");
  p.serial = *serial;

  auto der = crypto::cms_from_any(body);
  if (!der) return make_error(Check::kPvrFormat, der.error().message);
  p.pvr_cms = *der;
  // The signer must be the IDevID whose chain was verified above; the CMS check only needs the
  // signature, and the signer comparison right below keeps that sound.
  crypto::CmsVerifyOptions signature_only;
  signature_only.signer_already_verified = true;
  signature_only.known_certs = {p.idevid};  // a CMS without certificates: TLS named the signer
  auto v = codec::verify_voucher_artifact(*der, {p.manufacturer}, signature_only);
  if (!v) {
    const std::string& code = v.error().code;
    if (code == "cms.parse" || code.rfind("encoding.", 0) == 0)
      return make_error(Check::kPvrFormat, "voucher-request is not CMS: " + v.error().message);
    return make_error(Check::kPvrSignature, v.error().message);
  }
  if (!(v->signer == p.idevid))
    return make_error(Check::kPvrSigner,
                      "voucher-request is not signed by the TLS client's IDevID");
  auto pvr = codec::VoucherRequest::from_json(v->json);
  if (!pvr) return make_error(Check::kPvrFormat, pvr.error().message);
  p.pvr = std::move(*pvr);
  p.notes = v->notes;
  p.base64_body = !crypto::is_binary_cms(
      std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  if (p.base64_body) p.notes.push_back("the body was not binary CMS (base64 or PEM): read");
  if (!p.pvr.serial_number.empty() && p.pvr.serial_number != p.serial)
    return make_error(Check::kPvrSerial, "voucher-request serial " + p.pvr.serial_number +
                                             " is not the IDevID's " + p.serial);
  // RFC 8995 5.5: "the registrar MUST verify that the proximity-registrar-cert is its own".
  if (p.pvr.proximity_registrar_cert != identity_.cert.der())
    return make_error(Check::kPvrProximity,
                      "proximity-registrar-cert is not this registrar's certificate");
  if (p.pvr.nonce.empty()) return make_error(Check::kPvrNonce, "voucher-request has no nonce");
  auto masa = p.idevid.masa_url();
  if (masa) {
    p.masa_url = masa_base_url(*masa);
  } else if (!configured_masa.empty()) {
    p.masa_url = masa_base_url(configured_masa);
    p.notes.push_back("the IDevID carries no MASA URL: the one configured for its manufacturer");
  } else {
    return make_error(Check::kIdevidMasaUrl,
                      "IDevID carries no MASA URL and none is configured for its manufacturer "
                      "(`site trust add ROOT --masa-url URL`)");
  }
  log::debug("registrar", "pledge request from " + p.serial + " checked");
  return p;
}

Result<Bytes> Registrar::registrar_request(const PledgeRequest& p, time::Seconds now) const {
  codec::VoucherRequest rvr;
  rvr.created_on = now;
  rvr.nonce = p.pvr.nonce;  // copied verbatim
  rvr.assertion = "proximity";
  rvr.serial_number = p.serial;  // from the TLS client certificate, never from the PVR
  rvr.idevid_issuer = p.idevid.authority_key_id();
  rvr.prior_signed_voucher_request = p.pvr_cms;
  return codec::sign_voucher_artifact(rvr.to_json(), identity_.cert, identity_.key,
                                      identity_.full_chain());
}

Result<codec::Voucher> Registrar::check_voucher(const Bytes& body, const PledgeRequest& p) const {
  auto v = codec::verify_voucher_artifact(body, {p.manufacturer});
  if (!v)
    return make_error(Check::kVoucherSignature, "voucher from the MASA: " + v.error().message);
  auto voucher = codec::Voucher::from_json(v->json);
  if (!voucher) return voucher.error();
  if (voucher->serial_number != p.serial)
    return make_error(Check::kVoucherSerial, "voucher is for " + voucher->serial_number);
  if (voucher->nonce != p.pvr.nonce)
    return make_error(Check::kVoucherNonce, "voucher nonce does not match the request");
  if (voucher->pinned_domain_cert != domain_ca().der())
    return make_error(Check::kVoucherPinned,
                      "voucher pins a certificate that is not this domain's CA");
  return *voucher;
}

Status Registrar::check_csr(const crypto::Csr& csr, const crypto::Certificate& idevid) const {
  TRY(csr.verify_signature());
  if (csr.public_key() == idevid.public_key())
    return make_error(Check::kCsrKey, "CSR reuses the IDevID key; a fresh key is required");
  if (csr.subject_attr("serialNumber") != idevid.serial_number_attr())
    return make_error(Check::kCsrSerial,
                      "CSR serialNumber " + csr.subject_attr("serialNumber").value_or("(none)") +
                          " is not the IDevID's " + idevid.serial_number_attr().value_or("?"));
  return ok_status();
}

}  // namespace gh::proto
