#include "svc/device/renewal.h"

#include <filesystem>
#include <set>

#include "codec/est.h"
#include "codec/voucher.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "crypto/tls.h"
#include "device/image.h"
#include "net/http.h"
#include "svc/device/device_connect.h"

namespace gh::svc {

namespace {

constexpr const char* kPending = "onboarding/renewal.json";

Result<std::unique_ptr<net::HttpClient>> connect_with(const SiteSession& site,
                                                      const crypto::TlsIdentity& id) {
  auto url = TRY(net::Url::parse(site.site_url));
  auto ctx = TRY(crypto::TlsContext::client(&id, {site.domain_ca}, ""));
  return net::HttpClient::connect(url.host, url.port, ctx, 10, &id);
}

// Drops a renewal the site will not take: its key and certificate go, the current ones stay.
void drop(const OpenedDevice& dev, const Json& pending, const std::string& current_label) {
  std::string label = json_string_or(pending, "key", "");
  if (!label.empty() && label != current_label && crypto::valid_key_label(label))
    (void)dev.keystore->remove(label);
  std::string cert = json_string_or(pending, "certificate", "");
  if (!cert.empty()) (void)fs::remove_all(fs::join(dev.dir, "onboarding/" + cert));
  (void)fs::remove_all(fs::join(dev.dir, kPending));
}

// The site accepted the new certificate: network.json names it (one atomic write), then the old
// key and certificate go, and a running supplicant re-authenticates with the new pair.
Status switch_to(const OpenedDevice& dev, const Json& pending, const OnboardedCredential& old) {
  const std::string net_path = fs::join(dev.dir, "onboarding/network.json");
  Json net = TRY(parse_json(TRY(fs::read_file(net_path)), "onboarding/network.json"));
  const std::string label = json_string_or(pending, "key", "");
  const std::string cert = json_string_or(pending, "certificate", "");
  net["credential"]["certificate"] = cert;
  net["credential"]["key"] = "keystore:" + label;
  net["renewed-at"] = time::format_rfc3339(time::now());
  TRY(fs::write_file_atomic(net_path, net.dump(2) + "\n", 0644));
  (void)fs::remove_all(fs::join(dev.dir, kPending));
  if (old.key_label != label) (void)dev.keystore->remove(old.key_label);
  if (old.cert_path != fs::join(dev.dir, "onboarding/" + cert)) (void)fs::remove_all(old.cert_path);
  if (auto r = refresh_8021x(dev.dir); !r)
    log::warn("device", "the supplicant did not take the renewed LDevID: " + r.error().str());
  return ok_status();
}

// Confirms the pending certificate over a TLS session authenticated by it (RFC 8995 5.9.4's
// enrollstatus), then switches. A refusal drops the renewal; a network failure keeps it.
// key: the new key when the caller holds it (else loaded from the keystore).
Status confirm(const OpenedDevice& dev, const SiteSession& site, const Json& pending,
               const OnboardedCredential& old, const crypto::PrivateKey* key = nullptr) {
  const std::string label = json_string_or(pending, "key", "");
  auto certs = TRY(crypto::Certificate::chain_from_pem(TRY(fs::read_file(
      fs::join(dev.dir, "onboarding/" + json_string_or(pending, "certificate", ""))))));
  crypto::TlsIdentity id{certs[0], {}, key ? *key : TRY(dev.keystore->load(label))};
  auto client = TRY_CTX(connect_with(site, id), "confirming the renewed LDevID");
  auto r = TRY(client->request("POST", "/.well-known/brski/enrollstatus",
                               {{"Content-Type", "application/json"}},
                               codec::status_telemetry(true, "").dump()));
  if (r.status != 200) {
    Error e = r.refusal("the site did not take the renewed LDevID", "renew.http");
    if (r.status >= 500 || r.status == 429) return e;  // tried again later
    // Confirmed before (a restart came between the site's answer and the switch), the site now
    // reports nothing to complete: the new certificate is current if the site takes it as such.
    auto again = TRY_CTX(connect_with(site, id), "checking the renewed LDevID");
    auto probe = again->request("GET", "/.well-known/gatehouse/attest/challenge", {}, "");
    if (probe && probe->status == 200) return switch_to(dev, pending, old);
    drop(dev, pending, old.key_label);
    return e;
  }
  return switch_to(dev, pending, old);
}

}  // namespace

time::Seconds renewal_due_at(const crypto::Certificate& ldevid, double fraction) {
  const time::Seconds from = ldevid.not_before(), to = ldevid.not_after();
  return from + static_cast<time::Seconds>(static_cast<double>(to - from) * fraction);
}

Result<bool> finish_renewal(const OpenedDevice& dev, const SiteSession& site) {
  auto text = fs::read_file(fs::join(dev.dir, kPending));
  if (!text) return false;
  auto old = TRY(onboarded_credential(dev.dir));
  auto pending = parse_json(*text, "renewal");
  if (!pending || json_string_or(*pending, "certificate", "").empty()) {
    // Cut short before the site answered: nothing was issued that the device holds.
    drop(dev, pending ? *pending : Json::object(), old.key_label);
    return true;
  }
  TRY(confirm(dev, site, *pending, old));
  return true;
}

Result<RenewalResult> renew_ldevid(const OpenedDevice& dev, const SiteSession& site, bool new_key) {
  auto old = TRY(onboarded_credential(dev.dir));
  if (old.method != "brski")
    return make_error("renew.method",
                      "EST renewal is for a device onboarded by BRSKI; a DPP device is "
                      "reconfigured by its configurator");
  TRY(finish_renewal(dev, site));
  old = TRY(onboarded_credential(dev.dir));
  std::string label = old.key_label;
  if (new_key) {
    label = "ldevid-" + std::to_string(time::now());
    for (int i = 1; dev.keystore->has(label); ++i)
      label = "ldevid-" + std::to_string(time::now()) + "-" + std::to_string(i);
  }
  // The intent first: a restart after the key is made finds it and removes it.
  Json pending{{"key", label}, {"certificate", ""}, {"new-key", new_key}};
  TRY(fs::write_file_atomic(fs::join(dev.dir, kPending), pending.dump() + "\n", 0644));
  auto fail = [&](Error e) -> Error {
    drop(dev, pending, old.key_label);
    return e;
  };
  auto key =
      new_key ? dev.keystore->generate(label, crypto::Curve::kP256) : dev.keystore->load(label);
  if (!key) return fail(key.error());
  auto csr = crypto::Csr::create(
      crypto::Name().add("CN", dev.serial()).add("serialNumber", dev.serial()), *key);
  if (!csr) return fail(csr.error());
  auto client = connect_with(site, site.identity);
  if (!client) return fail(client.error().context("renewing the LDevID"));
  auto resp = (*client)->request("POST", "/.well-known/est/simplereenroll",
                                 {{"Content-Type", codec::kPkcs10MediaType}},
                                 codec::est_base64(csr->der()));
  if (!resp) return fail(resp.error());
  if (resp->status != 200)
    return fail(resp->refusal("simplereenroll refused by the site", "est.http"));
  auto certs = codec::est_parse_certs_only(resp->body);
  if (!certs) return fail(certs.error().context("simplereenroll"));
  const crypto::Certificate* issued = nullptr;
  for (const auto& c : *certs)
    if (c.public_key() == key->public_key()) issued = &c;
  if (!issued)
    return fail(make_error("ldevid.key", "no certificate in the answer certifies the key sent"));
  if (auto st = crypto::verify_chain(*issued, *certs, {site.domain_ca}); !st)
    return fail(make_error("ldevid.chain", "the renewed LDevID does not chain to the domain CA: " +
                                               st.error().message));
  if (issued->serial_number_attr().value_or("") != dev.serial())
    return fail(make_error("ldevid.subject", "the renewed LDevID names another device"));
  RenewalResult out{site.identity.cert.serial_hex(), issued->serial_hex(), new_key,
                    issued->not_after()};
  const std::string cert_file = "ldevid-" + issued->serial_hex().substr(0, 16) + ".pem";
  auto st =
      fs::write_file_atomic(fs::join(dev.dir, "onboarding/" + cert_file), issued->pem(), 0644);
  if (!st) return fail(st.error());
  pending["certificate"] = cert_file;
  TRY(fs::write_file_atomic(fs::join(dev.dir, kPending), pending.dump() + "\n", 0644));
  TRY(confirm(dev, site, pending, old, &*key));
  return out;
}

Status factory_reset(const std::string& device_dir) {
  auto image = TRY(device::Image::open(device_dir));
  // Everything but bootstrap/, the firmware and the keys made at manufacture is forgotten.
  std::set<std::string> keep(image.info().factory_keys.begin(), image.info().factory_keys.end());
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(fs::join(device_dir, "keystore"), ec)) {
    if (!keep.count(entry.path().stem().string())) std::filesystem::remove(entry.path(), ec);
  }
  TRY(disconnect_8021x(device_dir));
  (void)fs::remove_all(fs::join(device_dir, "run"));
  return fs::remove_all(fs::join(device_dir, "onboarding"));
}

}  // namespace gh::svc
