#include "svc/device/attester.h"

#include "common/fs.h"
#include "device/firmware.h"
#include "device/image.h"
#include "proto/attestation.h"

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

Result<Bytes> make_evidence(OpenedDevice& dev, const Bytes& nonce) {
  auto claims = TRY(device_claims(dev.dir, nonce));
  if (dev.attester) {
    // A changed component is measured again before the quote, as a runtime measurement
    // (IMA-like) would: the log keeps what ran, the verifier judges every event.
    auto& tpm = *dev.attester;
    for (const auto& m : claims.measurements) {
      const codec::eat::TpmEvent* latest = nullptr;
      for (const auto& e : tpm.event_log())
        if (e.component == m.component) latest = &e;
      if (latest == nullptr || latest->sha256 != m.sha256)
        TRY_CTX(tpm.measure(proto::attest::kMeasurementPcr, m.component, m.sha256),
                "runtime measurement");
    }
    claims.tpm = TRY(tpm.quote(nonce));
    return codec::eat::sign(claims, [&](const Bytes& tbs) { return tpm.sign(tbs); });
  }
  auto key = TRY_CTX(dev.keystore->load(device::kAttestationKey), "attestation key");
  return codec::eat::sign(claims, key);
}

Result<Bytes> make_evidence(const std::string& devdir, const Bytes& nonce) {
  auto dev = TRY(open_device(devdir, /*allow_onboarded=*/true));
  return make_evidence(dev, nonce);
}

}  // namespace gh::svc
