#include "codec/voucher.h"

namespace gh::codec {
namespace {

Result<Bytes> b64_member(const Json& obj, const char* key, const std::string& path) {
  auto it = obj.find(key);
  if (it == obj.end()) return Bytes{};
  if (!it->is_string()) return make_error("voucher.type", path + "/" + key + ": not a string");
  auto b = base64_decode(it->get<std::string>());
  if (!b) return make_error("voucher.base64", path + "/" + key + ": not base64");
  return *b;
}

// Nonces are opaque: keep the exact string; accept numbers too.
std::string opaque_member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

Result<std::optional<time::Seconds>> time_member(const Json& obj, const char* key,
                                                 const std::string& path, bool informative) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return std::optional<time::Seconds>();
  auto t = time::parse_rfc3339(it->get<std::string>());
  if (!t) {
    if (informative) return std::optional<time::Seconds>();  // tolerate a bad informative time
    return make_error("voucher.time", path + "/" + key + ": " + t.error().message);
  }
  return std::optional<time::Seconds>(*t);
}

Result<const Json*> root(const Json& j, const char* name) {
  if (!j.is_object() || !j.contains(name) || !j[name].is_object())
    return make_error("voucher.structure", std::string("no '") + name + "' object");
  return &j[name];
}

}  // namespace

Json VoucherRequest::to_json() const {
  Json v = Json::object();
  if (created_on) v["created-on"] = time::format_rfc3339(*created_on);
  if (!nonce.empty()) v["nonce"] = nonce;
  if (!assertion.empty()) v["assertion"] = assertion;
  v["serial-number"] = serial_number;
  if (!idevid_issuer.empty()) v["idevid-issuer"] = base64_encode(idevid_issuer);
  if (!proximity_registrar_cert.empty())
    v["proximity-registrar-cert"] = base64_encode(proximity_registrar_cert);
  if (!prior_signed_voucher_request.empty())
    v["prior-signed-voucher-request"] = base64_encode(prior_signed_voucher_request);
  return Json{{kVoucherRequestRoot, v}};
}

Result<VoucherRequest> VoucherRequest::from_json(const Json& j) {
  const std::string path = std::string("/") + kVoucherRequestRoot;
  const Json& v = *TRY(root(j, kVoucherRequestRoot));
  VoucherRequest r;
  r.created_on = TRY(time_member(v, "created-on", path, true));
  r.nonce = opaque_member(v, "nonce");
  r.assertion = json_string_or(v, "assertion", "");
  r.serial_number = opaque_member(v, "serial-number");
  r.idevid_issuer = normalise_key_identifier(TRY(b64_member(v, "idevid-issuer", path)));
  r.proximity_registrar_cert = TRY(b64_member(v, "proximity-registrar-cert", path));
  r.prior_signed_voucher_request = TRY(b64_member(v, "prior-signed-voucher-request", path));
  return r;
}

Json Voucher::to_json() const {
  Json v = Json::object();
  v["created-on"] = time::format_rfc3339(created_on);
  if (expires_on) v["expires-on"] = time::format_rfc3339(*expires_on);
  v["assertion"] = assertion;
  v["serial-number"] = serial_number;
  if (!idevid_issuer.empty()) v["idevid-issuer"] = base64_encode(idevid_issuer);
  v["pinned-domain-cert"] = base64_encode(pinned_domain_cert);
  if (domain_cert_revocation_checks)
    v["domain-cert-revocation-checks"] = *domain_cert_revocation_checks;
  if (!nonce.empty()) v["nonce"] = nonce;
  if (last_renewal_date) v["last-renewal-date"] = time::format_rfc3339(*last_renewal_date);
  return Json{{kVoucherRoot, v}};
}

Result<Voucher> Voucher::from_json(const Json& j) {
  const std::string path = std::string("/") + kVoucherRoot;
  const Json& v = *TRY(root(j, kVoucherRoot));
  Voucher out;
  out.created_on = TRY(time_member(v, "created-on", path, true)).value_or(0);
  out.expires_on =
      TRY(time_member(v, "expires-on", path, false));  // an unparsable expiry is refused
  out.assertion = json_string_or(v, "assertion", "");
  out.serial_number = opaque_member(v, "serial-number");
  if (out.serial_number.empty())
    return make_error("voucher.serial", path + "/serial-number: missing");
  out.idevid_issuer = normalise_key_identifier(TRY(b64_member(v, "idevid-issuer", path)));
  out.pinned_domain_cert = TRY(b64_member(v, "pinned-domain-cert", path));
  if (auto it = v.find("domain-cert-revocation-checks"); it != v.end() && it->is_boolean())
    out.domain_cert_revocation_checks = it->get<bool>();
  out.nonce = opaque_member(v, "nonce");
  out.last_renewal_date = TRY(time_member(v, "last-renewal-date", path, true));
  return out;
}

Result<Bytes> sign_voucher_artifact(const Json& json, const crypto::Certificate& signer,
                                    const crypto::PrivateKey& key,
                                    const std::vector<crypto::Certificate>& chain) {
  return crypto::cms_sign(to_bytes(json.dump()), signer, key, chain,
                          crypto::CmsSignOptions{false, crypto::kOidAnimaJsonVoucher});
}

Result<VerifiedArtifact> verify_voucher_artifact(const Bytes& body,
                                                 const std::vector<crypto::Certificate>& anchors,
                                                 const crypto::CmsVerifyOptions& options) {
  auto der = TRY(crypto::cms_from_any(body));
  auto v = TRY(crypto::cms_verify(der, anchors, nullptr, options));
  if (v.content_type != crypto::kOidAnimaJsonVoucher && v.content_type != crypto::kOidData)
    return make_error("voucher.content-type",
                      "CMS eContentType " + v.content_type + " is not a JSON voucher");
  auto json = TRY(parse_json(to_string(v.content), "voucher"));
  VerifiedArtifact out{std::move(json), v.signer, v.certificates, std::move(v.notes)};
  if (der != body) out.notes.push_back("the body was not binary CMS (base64 or PEM): read");
  if (v.content_type == crypto::kOidData)
    out.notes.push_back("eContentType id-data, not id-ct-animaJSONVoucher: read");
  return out;
}

Bytes normalise_key_identifier(const Bytes& value) {
  Bytes v = value;
  // OCTET STRING wrapping: 04 len ...
  if (v.size() > 2 && v[0] == 0x04 && v[1] == v.size() - 2) v = Bytes(v.begin() + 2, v.end());
  // AuthorityKeyIdentifier SEQUENCE { [0] keyIdentifier ... }: 30 len 80 len ...
  if (v.size() > 4 && v[0] == 0x30 && v[1] == v.size() - 2 && v[2] == 0x80 && v[3] <= v.size() - 4)
    v = Bytes(v.begin() + 4, v.begin() + 4 + v[3]);
  return v;
}

Json status_telemetry(bool ok, const std::string& reason) {
  Json j{{"version", 1}, {"status", ok}};
  if (!reason.empty()) j["reason"] = reason;
  return j;
}

}  // namespace gh::codec
