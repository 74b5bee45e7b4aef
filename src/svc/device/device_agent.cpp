#include "svc/device/device_agent.h"

#include <cstdio>

#include "common/fs.h"
#include "common/json.h"
#include "device/firmware.h"
#include "device/image.h"
#include "proto/attestation.h"

namespace gh::svc {

// The device's TPM starts clean (swtpm is started with startup-clear: a boot); the firmware is
// measured into it before anything else runs. An image without firmware/ has nothing to measure
// (and nothing to attest).
Status measured_boot(OpenedDevice& d) {
  d.attester = TRY(TpmAttester::open(d.tpm->tcti()));
  if (!fs::exists(fs::join(d.dir, "firmware/release.json"))) return ok_status();
  auto m = TRY(device::measure_firmware(d.dir));
  for (const auto& c : m.digests)
    TRY_CTX(d.attester->measure(proto::attest::kMeasurementPcr, c.component, c.sha256),
            "measured boot");
  return ok_status();
}

Result<OpenedDevice> open_device(const std::string& dir, bool allow_onboarded) {
  OpenedDevice d;
  d.dir = dir;
  auto image = TRY(device::Image::open(dir));
  d.info = image.info();
  if (!allow_onboarded && image.onboarded())
    return make_error("device.onboarded",
                      "the device is already onboarded; `gatehouse device reset` first");
  device::KeystoreSpec spec{d.info.keystore, ""};
  if (spec.kind == "tpm") {
    d.tpm = TRY(Swtpm::start(fs::join(dir, "tpm")));
    spec.tcti = d.tpm->tcti();
    TRY(measured_boot(d));
  }
  d.keystore = TRY(device::open_keystore(dir, spec));
  return d;
}

Status publish_onboarding(
    const std::string& device_dir,
    const std::vector<std::tuple<std::string, std::string, unsigned>>& files) {
  std::string dir = fs::join(device_dir, "onboarding");
  std::string tmp = dir + ".partial";
  TRY(fs::remove_all(tmp));
  TRY(fs::make_dirs(tmp, 0755));
  for (const auto& [name, content, mode] : files)
    TRY(fs::write_file_exclusive(fs::join(tmp, name), content, mode));
  TRY(fs::remove_all(dir));
  if (std::rename(tmp.c_str(), dir.c_str()) != 0)
    return make_error("io", "cannot move onboarding into place");
  return ok_status();
}

Result<OnboardedCredential> onboarded_credential(const std::string& device_dir) {
  auto text = fs::read_file(fs::join(device_dir, "onboarding/network.json"));
  if (!text)
    return make_error("device.not-onboarded",
                      device_dir + " has no network credential yet: onboard it first");
  Json net = TRY(parse_json(*text, "onboarding/network.json"));
  Json cred = net.value("credential", Json::object());
  OnboardedCredential out;
  out.method = json_string_or(net, "method", "");
  std::string cert_file, key_ref, ca_file;
  if (out.method == "brski") {
    cert_file = json_string_or(cred, "certificate", "");
    key_ref = json_string_or(cred, "key", "");
    ca_file = json_string_or(net.value("eap", Json::object()), "ca", "");
    out.site_url = json_string_or(net, "site-url", "");
  } else {
    if (json_string_or(cred, "akm", "") != "dot1x" || !cred.contains("ldevid"))
      return make_error("device.credential", "the device's DPP configuration is '" +
                                                 json_string_or(cred, "akm", "?") +
                                                 "', not 802.1X: it holds no certificate");
    cert_file = json_string_or(cred["ldevid"], "certificate", "");
    key_ref = json_string_or(cred["ldevid"], "key", "");
    Json eap = cred.value("eap", Json::object());
    ca_file = json_string_or(eap, "ca", "");
    out.server_name = json_string_or(eap, "server-name", "");
  }
  if (cert_file.empty() || ca_file.empty())
    return make_error("device.credential",
                      "the network credential lacks its certificate or the CA to trust");
  if (key_ref.rfind("keystore:", 0) != 0 || key_ref.size() <= 9)
    return make_error("device.credential", "the network credential names no keystore key");
  out.key_label = key_ref.substr(9);
  if (!crypto::valid_key_label(out.key_label))
    return make_error("device.credential", "bad key label " + out.key_label);
  out.cert_path = fs::join(device_dir, "onboarding/" + cert_file);
  out.ca_path = fs::join(device_dir, "onboarding/" + ca_file);
  return out;
}

Status store_device_secret(const std::string& device_dir, const std::string& label,
                           const SecretString& secret) {
  if (!crypto::valid_key_label(label)) return make_error("device.secret", "bad label " + label);
  std::string dir = fs::join(device_dir, "keystore");
  TRY(fs::make_dirs(dir, 0700));
  return fs::write_file_atomic(fs::join(dir, label + ".secret"), secret.reveal(), 0600);
}

Result<SiteSession> site_session(const OpenedDevice& dev, const std::string& site_url) {
  auto cred = TRY(onboarded_credential(dev.dir));
  SiteSession s;
  s.site_url = site_url.empty() ? cred.site_url : site_url;
  if (s.site_url.empty())
    return make_error("usage", "the device was not onboarded by BRSKI: name the site with --site");
  auto certs = TRY(crypto::Certificate::chain_from_pem(TRY(fs::read_file(cred.cert_path))));
  s.identity.cert = certs[0];
  s.identity.chain.assign(certs.begin() + 1, certs.end());
  s.identity.key = TRY_CTX(dev.keystore->load(cred.key_label), "the credential's key");
  s.domain_ca = TRY(crypto::Certificate::from_pem(TRY(fs::read_file(cred.ca_path))));
  return s;
}

}  // namespace gh::svc
