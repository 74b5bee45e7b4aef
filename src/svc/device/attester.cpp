#include "svc/device/attester.h"

#include "common/fs.h"
#include "device/firmware.h"
#include "device/image.h"
#include "svc/device/device_agent.h"

namespace gh::svc {

Result<codec::eat::Claims> device_claims(const std::string& devdir, const Bytes& nonce) {
  if (nonce.size() < 8 || nonce.size() > 64)
    return make_error("usage", "the nonce must be 8 to 64 bytes (RFC 9711 4.1)");
  auto image = TRY(device::Image::open(devdir));
  auto m = TRY(device::measure_firmware(devdir));
  codec::eat::Claims c;
  c.profile = codec::eat::kProfileUri;
  c.iat = time::now();
  c.nonce = nonce;
  c.ueid = device::device_ueid(image.serial());
  if (auto root = crypto::Certificate::from_pem(
          TRY(fs::read_file(image.path("bootstrap/masa-trust.pem"))))) {
    c.oemid = root->public_key().spki_sha256();
    c.oemid.resize(16);
  }
  c.hwmodel = image.info().model;
  c.swname = m.manifest.swname;
  c.swversion = m.manifest.version;
  // The firmware installed is the manufacturer's release as the manifest says; whether its bytes
  // are is what the measurements tell the verifier.
  c.oemboot = true;
  c.dbgstat = static_cast<int>(m.debug_enabled ? codec::eat::Debug::kEnabled
                                               : codec::eat::Debug::kDisabledSinceBoot);
  c.measurements = m.digests;
  c.measurement_versions.assign(m.digests.size(), m.manifest.version);
  return c;
}

Result<Bytes> make_evidence(const std::string& devdir, crypto::KeyStore& keystore,
                            const Bytes& nonce) {
  auto claims = TRY(device_claims(devdir, nonce));
  auto key = TRY_CTX(keystore.load(device::kAttestationKey), "attestation key");
  return codec::eat::sign(claims, key);
}

Result<Bytes> make_evidence(const std::string& devdir, const Bytes& nonce) {
  auto dev = TRY(open_device(devdir, /*allow_onboarded=*/true));
  return make_evidence(devdir, *dev.keystore, nonce);
}

}  // namespace gh::svc
