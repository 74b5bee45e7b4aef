#include "codec/bundle.h"

namespace gh::codec {

Json BootstrappingBundle::to_json() const {
  Json devs = Json::array();
  for (const auto& d : devices) {
    devs.push_back(Json{{"serial-number", d.serial},
                        {"model", d.model},
                        {"idevid", d.idevid_pem},
                        {"dpp-uri", d.dpp_uri},
                        {"mud-url", d.mud_url},
                        {"declaration", d.declaration}});
    if (!d.attestation_cert_pem.empty()) devs.back()["attestation-cert"] = d.attestation_cert_pem;
  }
  Json j{{"bundle-version", version},
         {"manufacturer", manufacturer},
         {"created-at", time::format_rfc3339(created_at)},
         {"owner", Json{{"name", owner.name}, {"spki-sha256", hex_encode(owner.spki_sha256)}}},
         {"manufacturer-root", manufacturer_root_pem},
         {"devices", devs},
         {"reference-values", reference_values}};
  if (!update_root.empty()) j["update-repository"] = {{"root", update_root}, {"url", update_url}};
  return j;
}

Result<BootstrappingBundle> BootstrappingBundle::from_json(const Json& j) {
  BootstrappingBundle b;
  const std::string path = "bundle";
  b.version = static_cast<int>(TRY(json_int(j, "bundle-version", path)));
  if (b.version != 1)
    return make_error("bundle.version",
                      "bundle: unsupported bundle-version " + std::to_string(b.version));
  b.manufacturer = TRY(json_string(j, "manufacturer", path));
  b.created_at =
      TRY_CTX(time::parse_rfc3339(TRY(json_string(j, "created-at", path))), "bundle/created-at");
  if (!j.contains("owner")) return make_error("json.missing", "bundle/owner: missing");
  b.owner.name = TRY(json_string(j["owner"], "name", path + "/owner"));
  b.owner.spki_sha256 = TRY_CTX(
      hex_decode(TRY(json_string(j["owner"], "spki-sha256", path + "/owner"))), "bundle/owner");
  b.manufacturer_root_pem = TRY(json_string(j, "manufacturer-root", path));
  if (!j.contains("devices") || !j["devices"].is_array())
    return make_error("json.type", "bundle/devices: not an array");
  for (size_t i = 0; i < j["devices"].size(); ++i) {
    const Json& d = j["devices"][i];
    std::string p = path + "/devices/" + std::to_string(i);
    BundleDevice bd;
    bd.serial = TRY(json_string(d, "serial-number", p));
    bd.model = TRY(json_string(d, "model", p));
    bd.idevid_pem = TRY(json_string(d, "idevid", p));
    bd.dpp_uri = TRY(json_string(d, "dpp-uri", p));
    bd.mud_url = json_string_or(d, "mud-url", "");
    bd.declaration = TRY(json_string(d, "declaration", p));
    bd.attestation_cert_pem = json_string_or(d, "attestation-cert", "");
    b.devices.push_back(std::move(bd));
  }
  // Optional: bundles from before attestation have none.
  if (auto rv = j.find("reference-values"); rv != j.end()) {
    if (!rv->is_array()) return make_error("json.type", "bundle/reference-values: not an array");
    for (const auto& c : *rv) {
      if (!c.is_string())
        return make_error("json.type", "bundle/reference-values: not a base64 string");
      b.reference_values.push_back(c.get<std::string>());
    }
  }
  if (auto u = j.find("update-repository"); u != j.end()) {
    b.update_root = TRY(json_string(*u, "root", "bundle/update-repository"));
    b.update_url = TRY(json_string(*u, "url", "bundle/update-repository"));
  }
  return b;
}

Result<std::string> sign_bundle(const BootstrappingBundle& b, const crypto::Certificate& signer,
                                const crypto::PrivateKey& key,
                                const std::vector<crypto::Certificate>& chain) {
  auto der = TRY_CTX(crypto::cms_sign(to_bytes(b.to_json().dump(1)), signer, key, chain), "bundle");
  return crypto::cms_to_pem(der);
}

Result<VerifiedBundle> verify_bundle(const Bytes& file,
                                     const std::vector<crypto::Certificate>& anchors) {
  auto der = TRY_CTX(crypto::cms_from_any(file), "bundle");
  auto v = crypto::cms_verify(der, anchors, nullptr);
  if (!v)
    return make_error("bundle.signature",
                      "bundle: signature does not verify: " + v.error().message);
  auto json = TRY_CTX(parse_json(to_string(v->content), "bundle", kBundleJsonLimits), "bundle");
  auto b = TRY(BootstrappingBundle::from_json(json));
  return VerifiedBundle{std::move(b), v->signer};
}

Result<crypto::Certificate> bundle_embedded_root(const Bytes& file) {
  auto der = TRY_CTX(crypto::cms_from_any(file), "bundle");
  auto unverified = TRY_CTX(crypto::cms_parse_unverified(der), "bundle");
  auto json =
      TRY_CTX(parse_json(to_string(unverified.content), "bundle", kBundleJsonLimits), "bundle");
  auto pem = TRY(json_string(json, "manufacturer-root", "bundle"));
  auto root = TRY_CTX(crypto::Certificate::from_pem(pem), "bundle/manufacturer-root");
  if (!root.self_signed() || !root.is_ca())
    return make_error("bundle.root",
                      "bundle: manufacturer-root is not a self-signed CA certificate");
  return root;
}

}  // namespace gh::codec
