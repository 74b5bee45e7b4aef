#include "svc/site/site.h"

#include <chrono>

#include "codec/bundle.h"
#include "codec/corim.h"
#include "codec/declaration.h"
#include "codec/dpp_uri.h"
#include "common/fs.h"
#include "crypto/digest.h"
#include "net/http.h"
#include "proto/registrar.h"
#include "svc/common/role.h"
#include "svc/site/update_mirror.h"

namespace gh::svc {
namespace {

Error refuse(const std::string& code, const std::string& message) {
  return make_error(code, message);
}

}  // namespace

Status Site::init(const SiteInitOptions& o) {
  Config cfg = TRY(init_state_dir(o.state_dir, "site", o.name));
  cfg.set("keystore", "file");
  auto ks = TRY(open_ca_keystore(o.state_dir, cfg));
  auto ca_key = TRY(ks->generate("domain-ca", crypto::Curve::kP256));
  auto ca =
      TRY(crypto::issue_certificate(pki::domain_ca(o.name, ca_key.public_key()), nullptr, ca_key));
  pki::Identity ca_id{ca, ca_key, {}};
  auto reg_key = TRY(ks->generate("registrar", crypto::Curve::kP256));
  auto dns = o.dns_names.empty() ? std::vector<std::string>{"localhost"} : o.dns_names;
  auto reg = TRY(ca_id.issue(pki::registrar(o.name, dns, reg_key.public_key())));
  TRY(fs::write_file_atomic(fs::join(o.state_dir, "pki/registrar.pem"), reg.pem() + ca.pem()));
  TRY(fs::write_file_atomic(fs::join(o.state_dir, "domain-ca.pem"), ca.pem()));
  auto inv = TRY(store::open_sqlite_inventory(fs::join(o.state_dir, "inventory.db")));
  TRY(inv->append(store::Event{
      0, 0, "", "site.init", "ok", "domain CA and registrar created",
      Json{{"name", o.name}, {"domain_ca_spki_sha256", hex_encode(ca.public_key().spki_sha256())}}
          .dump()}));
  return cfg.save();
}

Result<std::unique_ptr<Site>> Site::open(const std::string& state_dir) {
  std::unique_ptr<Site> s(new Site());
  s->state_dir_ = state_dir;
  s->config_ = TRY(open_state_dir(state_dir, "site"));
  s->name_ = s->config_.get("name");
  s->keystore_ = TRY(open_ca_keystore(state_dir, s->config_));
  s->inventory_ = TRY(store::open_sqlite_inventory(fs::join(state_dir, "inventory.db")));
  auto pem = TRY(fs::read_file(fs::join(state_dir, "domain-ca.pem")));
  s->domain_ca_.cert = TRY(crypto::Certificate::from_pem(pem));
  s->domain_ca_.key = TRY(s->keystore_->load("domain-ca"));
  return s;
}

Result<pki::Identity> Site::registrar_identity() {
  return load_identity(*keystore_, fs::join(state_dir_, "pki"), "registrar", {domain_ca_.cert});
}

std::string Site::crl_path() const {
  return fs::join(state_dir_, "crl.pem");
}

namespace {
// What a CRL lists, to tell whether a new one is needed.
std::string crl_listing(const std::vector<store::IssuedCredential>& ended) {
  std::string out;
  for (const auto& c : ended) out += c.serial_hex + ",";
  return out;
}
}  // namespace

Result<std::string> Site::publish_crl() {
  std::lock_guard<std::mutex> lock(crl_mu_);
  time::Seconds now = time::now();
  return write_crl(TRY(inventory_->ended_credentials(now)), now);
}

Result<std::string> Site::write_crl(const std::vector<store::IssuedCredential>& ended,
                                    time::Seconds now) {
  std::vector<crypto::RevokedEntry> entries;
  for (const auto& c : ended)
    entries.push_back({c.serial_hex, c.ended_at ? c.ended_at : c.issued_at,
                       c.status == "superseded" ? 4 : 5});  // superseded, cessationOfOperation
  int64_t number = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto pem =
      TRY(crypto::issue_crl_pem(domain_ca_.cert, domain_ca_.key, entries, number, kCrlValidityS));
  TRY(fs::write_file_atomic(crl_path(), pem, 0644));
  crl_listing_ = crl_listing(ended);
  crl_at_ = now;
  return pem;
}

Result<bool> Site::refresh_crl() {
  std::lock_guard<std::mutex> lock(crl_mu_);
  time::Seconds now = time::now();
  auto ended = TRY(inventory_->ended_credentials(now));
  if (crl_at_ != 0 && crl_listing(ended) == crl_listing_ && now - crl_at_ < kCrlValidityS / 2 &&
      fs::exists(crl_path()))
    return false;
  TRY(write_crl(ended, now));
  return true;
}

Status Site::revoke(const std::string& serial, const std::string& reason, store::Actor by,
                    store::Transition t, const Json& extra) {
  auto rec = TRY(inventory_->get(serial));
  if (!rec) return make_error("inventory.unknown", serial + " is not in the inventory");
  if (t == store::Transition::kRevoke && rec->state == "revoked")
    return make_error("device.state", serial + " is already revoked");
  auto creds = TRY(inventory_->credentials(serial));
  Json serials = Json::array();
  for (const auto& c : creds)
    if (c.status == "active" || c.status == "pending") serials.push_back(c.serial_hex);
  const auto& rule = store::rule_for(t);
  Json detail{{"from", rec->state},
              {"to", store::state_after(t, rec->state)},
              {"credentials", serials},
              {"by", store::actor_name(by)}};
  if (extra.is_object()) detail.update(extra);
  TRY(inventory_->revoke(serial, by,
                         store::Event{0, 0, serial, rule.name, "ok", reason, detail.dump()}, t));
  TRY_CTX(publish_crl(),
          "the device's credentials are revoked in the inventory but the CRL was "
          "not written");
  return ok_status();
}

Status Site::issue_server_certificate(const std::vector<std::string>& dns_names,
                                      const std::string& cert_path, const std::string& key_path,
                                      int64_t lifetime_s) {
  if (dns_names.empty()) return make_error("usage", "a server certificate needs a name");
  auto key = TRY(crypto::PrivateKey::generate(crypto::Curve::kP256));
  auto cert =
      TRY(domain_ca_.issue(pki::domain_server(name_, dns_names, key.public_key(), lifetime_s)));
  TRY(fs::write_file_atomic(key_path, TRY(key.export_pkcs8_pem()).reveal(), 0600));
  TRY(fs::write_file_atomic(cert_path, cert.pem(), 0644));
  return inventory_->append(store::Event{
      0, 0, "", "site.server-certificate", "ok", "server certificate issued",
      Json{{"names", dns_names}, {"serial", cert.serial_hex()}, {"not_after", cert.not_after()}}
          .dump()});
}

Result<store::ManufacturerAnchor> Site::trust_manufacturer(const std::string& root_pem,
                                                           const std::string& masa_url) {
  auto root = TRY_CTX(crypto::Certificate::from_pem(root_pem), "manufacturer root");
  if (!root.self_signed() || !root.is_ca())
    return make_error("anchor.root", "manufacturer root is not a self-signed CA certificate");
  if (!masa_url.empty()) {
    auto url = net::Url::parse(proto::masa_base_url(masa_url));
    if (!url)
      return make_error("anchor.masa-url", "the MASA URL must be an https URL: " + masa_url);
  }
  store::ManufacturerAnchor a{root.subject_attr("O").value_or(root.subject()), root.pem(),
                              hex_encode(root.fingerprint_sha256()), time::now(), masa_url};
  // A manufacturer's name stands for one root here: what the site keys by that name (its
  // devices' reference values) must not be reachable from another root that says the same name.
  for (const auto& m : TRY(inventory_->manufacturers()))
    if (m.name == a.name && m.fingerprint != a.fingerprint)
      return refuse("anchor.name", "another root (SHA256:" + m.fingerprint +
                                       ") is already trusted as manufacturer '" + a.name + "'");
  TRY(inventory_->add_manufacturer(a));
  TRY(inventory_->append(store::Event{
      0, 0, "", "site.trust-manufacturer", "ok", "manufacturer root trusted",
      Json{{"name", a.name}, {"sha256", a.fingerprint}, {"masa-url", a.masa_url}}.dump()}));
  return a;
}

Result<ImportReport> Site::import_bundle(const std::string& path,
                                         const std::string& trust_anchor_pem,
                                         const ProgressFn& progress) {
  Bytes file;
  {
    auto text =
        TRY_CTX(fs::read_file_limited(path, codec::kMaxBundleBytes, "bundle.size"), "bundle");
    file = to_bytes(text);
  }
  std::string bundle_id = hex_encode(crypto::sha256(file));
  auto report = check_and_import(file, bundle_id, trust_anchor_pem, progress);
  if (!report) {
    // The refusal is evidence too; the inventory itself is untouched.
    (void)inventory_->append(
        store::Event{0, 0, "", "bundle.import", "refused", report.error().code,
                     Json{{"bundle", bundle_id}, {"message", report.error().message}}.dump()});
  }
  return report;
}

Result<ImportReport> Site::check_and_import(const Bytes& file, const std::string& bundle_id,
                                            const std::string& trust_anchor_pem,
                                            const ProgressFn& progress) {
  std::vector<crypto::Certificate> anchors;
  for (const auto& m : TRY(inventory_->manufacturers()))
    anchors.push_back(TRY(crypto::Certificate::from_pem(m.root_pem)));
  std::optional<crypto::Certificate> offered;
  if (!trust_anchor_pem.empty()) {
    offered = TRY_CTX(crypto::Certificate::from_pem(trust_anchor_pem), "--trust-anchor");
    anchors.push_back(*offered);
  }
  auto verified = codec::verify_bundle(file, anchors);
  if (!verified) {
    auto embedded = codec::bundle_embedded_root(file);
    if (!embedded) return verified.error();
    bool known = false;
    for (const auto& a : anchors) known = known || a == *embedded;
    if (!known && codec::verify_bundle(file, {*embedded}))
      return refuse("bundle.anchor",
                    "bundle is signed by manufacturer root SHA256:" +
                        hex_encode(embedded->fingerprint_sha256()) +
                        ", which this site does not trust; confirm that fingerprint with the "
                        "manufacturer, then import with --trust-anchor ROOT.pem");
    return verified.error();
  }
  const auto& bundle = verified->bundle;
  // Which root verified it: the one the signer chains to.
  crypto::Certificate root;
  for (const auto& a : anchors)
    if (crypto::verify_chain(verified->signer, {}, {a})) root = a;
  if (!root.valid())
    return refuse("bundle.anchor", "bundle signer does not chain to a single trusted root");
  // The bundle names its manufacturer as the root that signed it does.
  if (bundle.manufacturer != root.subject_attr("O").value_or(root.subject()))
    return refuse("bundle.manufacturer", "bundle says manufacturer '" + bundle.manufacturer +
                                             "' but is signed under the root of '" +
                                             root.subject_attr("O").value_or(root.subject()) + "'");

  Bytes ours = domain_ca_.cert.public_key().spki_sha256();
  std::vector<store::DeviceRecord> records;
  const auto total = static_cast<int64_t>(bundle.devices.size());
  for (const auto& d : bundle.devices) {
    if (progress) progress("verifying devices", static_cast<int64_t>(records.size()), total);
    const std::string where = "device " + d.serial;
    auto decl = codec::verify_declaration(d.declaration, {root});
    if (!decl) return decl.error().context(where);
    const auto& dd = decl->declaration;
    if (dd.serial != d.serial)
      return refuse("declaration.serial", where + ": declaration is for serial " + dd.serial);
    if (dd.manufacturer != bundle.manufacturer)
      return refuse("declaration.manufacturer",
                    where + ": declaration names manufacturer " + dd.manufacturer);
    // IR 8350 step 9 starts here: only a device this domain owns or may onboard is expected.
    if (!dd.may_onboard(ours))
      return refuse("declaration.owner",
                    where + ": declared owner is " + dd.owner.name + " (SPKI SHA-256 " +
                        hex_encode(dd.owner.spki_sha256).substr(0, 16) +
                        "...), not this site, and this site is not an authorized onboarder");
    auto chain = TRY_CTX(crypto::Certificate::chain_from_pem(d.idevid_pem), where + ": idevid");
    std::vector<crypto::Certificate> untrusted(chain.begin() + 1, chain.end());
    auto st = crypto::verify_chain(chain[0], untrusted, {root});
    if (!st)
      return refuse("idevid.chain", where + ": IDevID does not verify: " + st.error().message);
    if (chain[0].serial_number_attr() != d.serial)
      return refuse("idevid.serial", where + ": IDevID serialNumber is " +
                                         chain[0].serial_number_attr().value_or("absent"));
    if (!d.dpp_uri.empty()) TRY_CTX(codec::DppUri::parse(d.dpp_uri), where);
    // The IDevID with its issuing CAs (not the root): what ties the device to its manufacturer's
    // root later (a MUD file it claims must be signed under the same root).
    std::string idevid_chain;
    for (const auto& c : chain)
      if (!c.self_signed()) idevid_chain += c.pem();
    records.push_back(store::DeviceRecord{d.serial, d.model, bundle.manufacturer, "expected",
                                          idevid_chain, d.dpp_uri, d.mud_url, d.declaration,
                                          dd.version, bundle_id, time::now()});
    if (!d.attestation_cert_pem.empty()) {
      auto ak = TRY(check_attestation_cert(d.attestation_cert_pem, d.serial, chain, root));
      records.back().attestation_pub_pem = ak.key.pem();
      records.back().attestation_kind = ak.tpm ? "tpm" : "eat";
    }
  }
  if (progress) progress("verifying devices", total, total);
  auto reference_values = TRY(check_reference_values(bundle, root));
  if (!bundle.update_root.empty()) TRY(check_update_source(bundle.update_root, bundle.update_url));

  ImportReport report;
  report.manufacturer = bundle.manufacturer;
  report.bundle_id = bundle_id;
  report.anchor_fingerprint = hex_encode(root.fingerprint_sha256());
  if (offered && *offered == root) {
    TRY(trust_manufacturer(root.pem()));
    report.anchor_added = true;
  }
  Json detail{
      {"bundle", bundle_id}, {"manufacturer", bundle.manufacturer}, {"devices", records.size()}};
  // (one transaction: its progress is its start and its end)
  if (progress) progress("importing devices", 0, total);
  report.counts =
      TRY(inventory_->import_devices(records, bundle_id,
                                     store::Event{0, 0, "", "bundle.import", "ok",
                                                  "bundle verified and imported", detail.dump()}));
  if (progress) progress("importing devices", total, total);
  if (!reference_values.empty()) {
    Json releases = Json::array();
    for (const auto& r : reference_values) releases.push_back(r.model + " " + r.version);
    TRY(inventory_->add_reference_values(
        reference_values,
        store::Event{0, 0, "", "reference-values.import", "ok",
                     "manufacturer's signed reference values verified",
                     Json{{"bundle", bundle_id}, {"releases", releases}}.dump()}));
    ++rv_generation_;
  }
  report.reference_values = reference_values.size();
  if (!bundle.update_root.empty())
    TRY_CTX(record_update_source(state_dir_, bundle.manufacturer, root, bundle.update_root,
                                 bundle.update_url),
            "bundle update repository");
  return report;
}

Result<crypto::Certificate> Site::manufacturer_root(const std::string& fingerprint) {
  for (const auto& m : TRY(inventory_->manufacturers()))
    if (m.fingerprint == fingerprint) return crypto::Certificate::from_pem(m.root_pem);
  return make_error("trust.unknown", "no trusted manufacturer root " + fingerprint);
}

Result<std::vector<std::string>> Site::import_reference_values(
    const std::string& manufacturer, const crypto::Certificate& root,
    const std::vector<std::string>& corims_b64, const std::string& source) {
  codec::BootstrappingBundle b;
  b.manufacturer = manufacturer;
  b.reference_values = corims_b64;
  auto records = TRY(check_reference_values(b, root));
  std::vector<std::string> out;
  Json releases = Json::array();
  for (const auto& r : records) {
    out.push_back(r.model + " " + r.version);
    releases.push_back(out.back());
  }
  if (records.empty()) return out;
  TRY(inventory_->add_reference_values(
      records, store::Event{0, 0, "", "reference-values.import", "ok",
                            "manufacturer's signed reference values verified",
                            Json{{"source", source}, {"releases", releases}}.dump()}));
  ++rv_generation_;
  return out;
}

// IR 8350 step 3: the manufacturer's certificate for the device's attestation key, under the
// same root and issuing CA as its IDevID, for the same serial, and marked as an attestation key.
Result<Site::AttestationKey> Site::check_attestation_cert(
    const std::string& pem, const std::string& serial,
    const std::vector<crypto::Certificate>& idevid_chain, const crypto::Certificate& root) {
  const std::string where = "device " + serial + ": attestation key certificate";
  auto cert = TRY_CTX(crypto::Certificate::from_pem(pem), where);
  std::vector<crypto::Certificate> untrusted(idevid_chain.begin() + 1, idevid_chain.end());
  auto st = crypto::verify_chain(cert, untrusted, {root});
  if (!st) return refuse("attestation.cert", where + " does not verify: " + st.error().message);
  std::string ou = cert.subject_attr("OU").value_or("");
  if (cert.serial_number_attr() != serial ||
      (ou != pki::kAttestationKeyOu && ou != pki::kTpmAttestationKeyOu))
    return refuse("attestation.cert", where + " is not an attestation key certificate for " +
                                          serial + " (" + cert.subject() + ")");
  if (cert.public_key() == idevid_chain[0].public_key())
    return refuse("attestation.cert", where + " certifies the IDevID key");
  return AttestationKey{cert.public_key(), ou == pki::kTpmAttestationKeyOu};
}

// The reference values in a bundle: each CoRIM signed under the bundle's manufacturer root, for
// that manufacturer's models.
Result<std::vector<store::ReferenceValueRecord>> Site::check_reference_values(
    const codec::BootstrappingBundle& bundle, const crypto::Certificate& root) {
  std::vector<store::ReferenceValueRecord> out;
  for (size_t i = 0; i < bundle.reference_values.size(); ++i) {
    const std::string where = "reference values " + std::to_string(i);
    auto bytes = base64_decode(bundle.reference_values[i]);
    if (!bytes) return refuse("reference.corim", where + ": not base64");
    auto v = codec::corim::verify_corim(*bytes, {root}, time::now());
    if (!v) return v.error().context(where);
    for (const auto& r : v->releases) {
      if (r.vendor != bundle.manufacturer)
        return refuse("reference.vendor",
                      where + ": for vendor " + r.vendor + ", not " + bundle.manufacturer);
      Json comps = Json::array();
      for (const auto& c : r.components)
        comps.push_back(Json{{"component", c.component}, {"sha256", hex_encode(c.sha256)}});
      out.push_back({bundle.manufacturer, r.model, r.version, bundle.reference_values[i],
                     comps.dump(), time::now()});
    }
  }
  return out;
}

}  // namespace gh::svc
