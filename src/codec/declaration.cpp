#include "codec/declaration.h"

#include <algorithm>

#include "crypto/jws.h"

namespace gh::codec {
namespace {

Json party_json(const Party& p) {
  return Json{{"name", p.name}, {"spki-sha256", hex_encode(p.spki_sha256)}};
}

Result<Party> party_from(const Json& j, const std::string& path) {
  Party p;
  p.name = TRY(json_string(j, "name", path));
  auto hex = TRY(json_string(j, "spki-sha256", path));
  p.spki_sha256 = TRY_CTX(hex_decode(hex), path + "/spki-sha256");
  if (p.spki_sha256.size() != 32)
    return make_error("declaration.party", path + "/spki-sha256: not a SHA-256 value");
  return p;
}

}  // namespace

Party party_of(const std::string& name, const crypto::Certificate& ca) {
  return Party{name, ca.public_key().spki_sha256()};
}

Json DeviceInformationDeclaration::to_json() const {
  Json onboarders = Json::array();
  for (const auto& p : authorized_onboarders) onboarders.push_back(party_json(p));
  return Json{{"serial-number", serial},
              {"model", model},
              {"manufacturer", manufacturer},
              {"owner", party_json(owner)},
              {"authorized-onboarders", onboarders},
              {"version", version},
              {"issued-at", time::format_rfc3339(issued_at)}};
}

Result<DeviceInformationDeclaration> DeviceInformationDeclaration::from_json(const Json& j) {
  DeviceInformationDeclaration d;
  const std::string path = "declaration";
  d.serial = TRY(json_string(j, "serial-number", path));
  d.model = TRY(json_string(j, "model", path));
  d.manufacturer = TRY(json_string(j, "manufacturer", path));
  if (!j.contains("owner")) return make_error("json.missing", "declaration/owner: missing");
  d.owner = TRY(party_from(j["owner"], path + "/owner"));
  if (j.contains("authorized-onboarders")) {
    const Json& arr = j["authorized-onboarders"];
    if (!arr.is_array())
      return make_error("json.type", "declaration/authorized-onboarders: not an array");
    for (size_t i = 0; i < arr.size(); ++i)
      d.authorized_onboarders.push_back(
          TRY(party_from(arr[i], path + "/authorized-onboarders/" + std::to_string(i))));
  }
  d.version = TRY(json_int(j, "version", path));
  if (d.version < 1)
    return make_error("declaration.version", "declaration/version: must be 1 or more");
  d.issued_at = TRY(time::parse_rfc3339(TRY(json_string(j, "issued-at", path))));
  return d;
}

bool DeviceInformationDeclaration::may_onboard(const Bytes& h) const {
  if (owner.spki_sha256 == h) return true;
  return std::any_of(authorized_onboarders.begin(), authorized_onboarders.end(),
                     [&](const Party& p) { return p.spki_sha256 == h; });
}

Result<std::string> sign_declaration(const DeviceInformationDeclaration& d,
                                     const std::vector<crypto::Certificate>& signer_chain,
                                     const crypto::PrivateKey& key) {
  Json header{{"typ", kDeclarationType}, {"x5c", crypto::x5c_header(signer_chain)}};
  return crypto::jws_sign_compact(header, to_bytes(d.to_json().dump()), key);
}

Result<VerifiedDeclaration> verify_declaration(std::string_view jws,
                                               const std::vector<crypto::Certificate>& anchors) {
  auto parsed = TRY_CTX(crypto::jws_parse_compact(jws), "declaration");
  if (json_string_or(parsed.header, "typ", "") != kDeclarationType)
    return make_error("declaration.type",
                      "declaration: JWS typ is not " + std::string(kDeclarationType));
  auto chain = TRY_CTX(crypto::x5c_chain(parsed.header), "declaration");
  std::vector<crypto::Certificate> untrusted(chain.begin() + 1, chain.end());
  auto st = crypto::verify_chain(chain[0], untrusted, anchors);
  if (!st)
    return make_error("declaration.signer",
                      "declaration: signer not trusted: " + st.error().message);
  auto verified = crypto::jws_verify_compact(jws, chain[0].public_key());
  if (!verified)
    return make_error("declaration.signature", "declaration: " + verified.error().message);
  auto json = TRY_CTX(parse_json(to_string(verified->payload), "declaration"), "declaration");
  auto d = TRY(DeviceInformationDeclaration::from_json(json));
  return VerifiedDeclaration{std::move(d), chain[0]};
}

Result<DeviceInformationDeclaration> decode_verified_declaration(std::string_view jws) {
  auto parsed = TRY_CTX(crypto::jws_parse_compact(jws), "declaration");
  auto json = TRY_CTX(parse_json(to_string(parsed.payload), "declaration"), "declaration");
  return DeviceInformationDeclaration::from_json(json);
}

}  // namespace gh::codec
