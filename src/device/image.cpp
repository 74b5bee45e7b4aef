#include "device/image.h"

#include <sys/stat.h>

#include "common/fs.h"
#include "crypto/digest.h"

namespace gh::device {

namespace {
// The public half as a standalone key (no handle into the keystore stays open).
Result<crypto::PublicKey> public_only(Result<crypto::PrivateKey> key) {
  if (!key) return std::move(key).error();
  return crypto::PublicKey::from_der(key->public_key().der());
}
}  // namespace

Result<std::unique_ptr<crypto::KeyStore>> open_keystore(const std::string& devdir,
                                                        const KeystoreSpec& spec) {
  std::string dir = fs::join(devdir, "keystore");
  if (spec.kind == "file") return crypto::open_file_keystore(dir);
  if (spec.kind == "tpm") return crypto::open_tpm_keystore(dir, spec.tcti);
  return make_error("device.keystore", "unknown device keystore '" + spec.kind + "' (file or tpm)");
}

Result<BirthKeys> generate_birth_keys(crypto::KeyStore& ks, const std::string& serial,
                                      const std::string& model, bool attestation_in_keystore) {
  // One key at a time: a TPM keeps a key loaded while its handle lives, and has few slots.
  BirthKeys out;
  {
    auto idevid = TRY_CTX(ks.generate(kIdevidKey, crypto::Curve::kP256), "IDevID key");
    out.idevid_csr = TRY_CTX(
        crypto::Csr::create(crypto::Name().add("CN", model).add("serialNumber", serial), idevid),
        "IDevID CSR");
  }
  out.dpp_bootstrap =
      TRY_CTX(public_only(ks.generate(kDppKey, crypto::Curve::kP256)), "DPP bootstrapping key");
  if (attestation_in_keystore)
    out.attestation =
        TRY_CTX(public_only(ks.generate(kAttestationKey, crypto::Curve::kP256)), "attestation key");
  return out;
}

Status write_bootstrap(const std::string& devdir, const BootstrapFiles& f) {
  std::string b = fs::join(devdir, "bootstrap");
  TRY(fs::make_dirs(b, 0755));
  // The image is built in a directory nobody reads until the factory renames it into place, so
  // each file is written once, directly (the rename is what makes the image appear atomically).
  TRY(fs::write_file_exclusive(fs::join(b, "idevid.pem"), f.idevid_chain_pem, 0444));
  TRY(fs::write_file_exclusive(fs::join(b, "masa-trust.pem"), f.masa_trust_pem, 0444));
  TRY(fs::write_file_exclusive(fs::join(b, "dpp-uri.txt"), f.dpp_uri + "\n", 0444));
  TRY(fs::write_file_exclusive(fs::join(b, "dpp-qr.png"), to_string(f.dpp_qr_png), 0444));
  TRY(fs::write_file_exclusive(fs::join(b, "app-bootstrap.json"), f.app_bootstrap.dump(2) + "\n",
                               0444));
  TRY(fs::write_file_exclusive(fs::join(b, "device.json"), f.device.dump(2) + "\n", 0444));
  if (!f.update_root.empty())
    TRY(fs::write_file_exclusive(fs::join(b, "tuf-root.json"), f.update_root, 0444));
  ::chmod(b.c_str(), 0555);  // read-only after manufacture
  return ok_status();
}

std::string device_mac(const std::string& serial) {
  Bytes h = crypto::sha256(serial);
  h[0] = static_cast<uint8_t>((h[0] & 0xfc) | 0x02);  // locally administered, unicast
  h.resize(6);
  return hex_encode(h);
}

Bytes device_ueid(const std::string& serial) {
  Bytes out{0x02};
  auto mac = hex_decode(device_mac(serial));
  out.insert(out.end(), mac->begin(), mac->end());
  return out;
}

std::string colon_mac(const std::string& hex12) {
  std::string out;
  for (size_t i = 0; i < hex12.size(); i += 2) out += (i ? ":" : "") + hex12.substr(i, 2);
  return out;
}

std::string device_mac_colons(const std::string& serial) {
  return colon_mac(device_mac(serial));
}

Result<Image> Image::open(const std::string& dir) {
  auto text = fs::read_file(fs::join(dir, "bootstrap/device.json"));
  if (!text)
    return make_error("device.image", dir + " is not a device image (no bootstrap/device.json)");
  Image im;
  im.dir_ = dir;
  auto& i = im.info_;
  i.json = TRY(parse_json(*text, "device.json"));
  if (!i.json.is_object()) return make_error("device.image", "device.json: not an object");
  i.serial = json_string_or(i.json, "serial-number", "");
  i.model = json_string_or(i.json, "model", "");
  i.manufacturer = json_string_or(i.json, "manufacturer", "");
  i.keystore = json_string_or(i.json, "keystore", "file");
  i.masa_url = json_string_or(i.json, "masa-url", "");
  i.mud_url = json_string_or(i.json, "mud-url", "");
  if (auto k = i.json.find("factory-keys"); k != i.json.end() && k->is_array())
    for (const auto& label : *k)
      if (label.is_string()) i.factory_keys.push_back(label.get<std::string>());
  return im;
}

std::string Image::path(const std::string& relative) const {
  return fs::join(dir_, relative);
}

bool Image::onboarded() const {
  return fs::exists(path("onboarding/network.json"));
}

}  // namespace gh::device
