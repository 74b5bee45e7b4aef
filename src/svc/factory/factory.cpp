#include "svc/factory/factory.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "codec/bundle.h"
#include "codec/declaration.h"
#include "codec/dpp_uri.h"
#include "codec/mud.h"
#include "codec/mud_file.h"
#include "codec/qr.h"
#include "common/fs.h"
#include "common/log.h"
#include "crypto/cms.h"
#include "device/image.h"
#include "svc/common/role.h"
#include "svc/device/swtpm.h"
#include "svc/device/tpm_attester.h"
#include "svc/factory/tuf_repository.h"

namespace gh::svc {
namespace {

constexpr int kBatch = 256;

std::string slug(const std::string& name, size_t max) {
  std::string out;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) && out.size() < max)
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out.empty() ? "mfr" : out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Status Factory::init(const FactoryInitOptions& o) {
  Config cfg = TRY(init_state_dir(o.state_dir, "factory", o.name));
  std::string s = slug(o.name, 16);
  cfg.set("masa_url", o.masa_url.empty() ? "https://masa." + s + ".example:9443" : o.masa_url);
  // The application service is the MASA's (masa serve) unless named.
  cfg.set("app_url", o.app_url.empty() ? cfg.get("masa_url") : o.app_url);
  cfg.set("serial_prefix",
          o.serial_prefix.empty() ? upper(slug(o.name, 6)) + "-" : o.serial_prefix);
  cfg.set("keystore", o.keystore);
  if (o.keystore == "pkcs11") {
    cfg.set("pkcs11_module", o.pkcs11.module);
    cfg.set("pkcs11_token", o.pkcs11.token);
  }
  auto ks = TRY(open_ca_keystore(o.state_dir, cfg));

  // IR 8350 5.1.1 step 1: the manufacturer's CA hierarchy and signing identities.
  auto root_key = TRY(ks->generate("root", o.root_curve));
  auto root = TRY(crypto::issue_certificate(pki::manufacturer_root(o.name, root_key.public_key()),
                                            nullptr, root_key));
  pki::Identity root_id{root, root_key, {}};
  auto issue = [&](const std::string& label, auto make_template) -> Status {
    auto key = TRY(ks->generate(label, crypto::Curve::kP256));
    auto cert = TRY(root_id.issue(make_template(key.public_key())));
    return fs::write_file_atomic(fs::join(o.state_dir, "pki/" + label + ".pem"), cert.pem());
  };
  TRY(issue("idevid-ca",
            [&](const crypto::PublicKey& k) { return pki::idevid_issuing_ca(o.name, k); }));
  TRY(issue("masa", [&](const crypto::PublicKey& k) {
    return pki::signer(o.name, "MASA voucher signer", k);
  }));
  TRY(issue("mud-signer",
            [&](const crypto::PublicKey& k) { return pki::signer(o.name, "MUD file signer", k); }));
  TRY(issue("declaration-signer", [&](const crypto::PublicKey& k) {
    return pki::signer(o.name, "declaration signer", k);
  }));
  TRY(issue("rv-signer", [&](const crypto::PublicKey& k) {
    return pki::signer(o.name, "reference value signer", k);
  }));
  TRY(fs::write_file_atomic(fs::join(o.state_dir, "pki/root.pem"), root.pem()));
  auto registry = TRY(store::open_sqlite_factory_registry(fs::join(o.state_dir, "registry.db")));
  TRY(registry->append(store::Event{0, 0, "", "factory.init", "ok", "manufacturer PKI created",
                                    Json{{"name", o.name},
                                         {"keystore", o.keystore},
                                         {"root_sha256", hex_encode(root.fingerprint_sha256())}}
                                        .dump()}));
  return cfg.save();  // last: a half-made state has no config and can be removed and redone
}

Result<std::unique_ptr<Factory>> Factory::open(const std::string& state_dir) {
  std::unique_ptr<Factory> f(new Factory());
  f->state_dir_ = state_dir;
  f->config_ = TRY(open_state_dir(state_dir, "factory"));
  f->name_ = f->config_.get("name");
  f->lock_ = TRY(StateLock::take(state_dir, "factory"));
  f->keystore_ = TRY(open_ca_keystore(state_dir, f->config_));
  f->registry_ = TRY(store::open_sqlite_factory_registry(fs::join(state_dir, "registry.db")));
  TRY(f->load_identities());
  TRY(f->recover());
  return f;
}

Factory::~Factory() = default;

Status Factory::load_identities() {
  std::string pki = fs::join(state_dir_, "pki");
  root_ = TRY(crypto::Certificate::from_pem(TRY(fs::read_file(fs::join(pki, "root.pem")))));
  idevid_ca_ = TRY(load_identity(*keystore_, pki, "idevid-ca", {root_}));
  masa_ = TRY(load_identity(*keystore_, pki, "masa", {root_}));
  mud_signer_ = TRY(load_identity(*keystore_, pki, "mud-signer", {root_}));
  declaration_signer_ = TRY(load_identity(*keystore_, pki, "declaration-signer", {root_}));
  rv_signer_ = TRY(load_or_make_signer("rv-signer", "reference value signer"));
  return ok_status();
}

Result<pki::Identity> Factory::load_or_make_signer(const std::string& label,
                                                   const std::string& role) {
  std::string pki = fs::join(state_dir_, "pki");
  if (!fs::exists(fs::join(pki, label + ".pem"))) {
    auto root_key = TRY(keystore_->load("root"));
    pki::Identity root_id{root_, root_key, {}};
    auto key = keystore_->has(label) ? TRY(keystore_->load(label))
                                     : TRY(keystore_->generate(label, crypto::Curve::kP256));
    auto cert = TRY(root_id.issue(pki::signer(name_, role, key.public_key())));
    TRY(fs::write_file_atomic(fs::join(pki, label + ".pem"), cert.pem()));
    log::info("factory", "made the " + role + " this state directory did not have yet");
  }
  return load_identity(*keystore_, pki, label, {root_});
}

Result<FirmwareRelease> Factory::add_release(
    const std::string& model, const std::string& version, const std::string& swname,
    const std::vector<std::pair<std::string, std::string>>& files) {
  auto added = svc::add_release(state_dir_, name_, rv_signer_, model, version, swname, files);
  if (!added && added.error().code == "release.exists") {
    // A release recorded by a run that died before publishing it: publishing is idempotent, so
    // asking again finishes that (and still says the release exists).
    for (const auto& existing : TRY(releases(state_dir_, model)))
      if (existing.manifest.version == version)
        TRY_CTX(publish_release(existing), "update repository");
    return added.error();
  }
  auto r = TRY(std::move(added));
  TRY_CTX(publish_release(r), "update repository");
  Json comps = Json::array();
  for (const auto& c : r.manifest.components) comps.push_back(c.name);
  TRY(registry_->append(store::Event{
      0, 0, "", "factory.release", "ok", "firmware release and reference values signed",
      Json{{"model", model}, {"version", version}, {"components", comps}}.dump()}));
  return r;
}

Status Factory::publish_release(const FirmwareRelease& r) {
  auto repo = TRY(TufRepository::open(state_dir_, *keystore_));
  std::vector<NewTarget> targets;
  const std::string base = r.manifest.model + "/" + r.manifest.version + "/";
  Json common{{"model", r.manifest.model}, {"version", r.manifest.version}};
  for (const auto& c : r.manifest.components) {
    Json custom = common;
    custom["kind"] = "component";
    custom["component"] = c.name;
    targets.push_back(
        {base + c.file, TRY(fs::read_file(fs::join(r.dir, "firmware/" + c.file))), custom});
  }
  Json manifest = common;
  manifest["kind"] = "release";
  targets.push_back({base + "release.json",
                     TRY(fs::read_file(fs::join(r.dir, "firmware/release.json"))), manifest});
  Json rv = common;
  rv["kind"] = "reference-values";
  targets.push_back({base + "reference-values.corim", to_string(r.corim), rv});
  return repo->add_targets(targets);
}

Status Factory::rotate_update_keys(const std::vector<std::string>& roles) {
  auto repo = TRY(TufRepository::open(state_dir_, *keystore_));
  TRY(repo->rotate_keys(roles));
  Json rs = roles;
  return registry_->append(store::Event{
      0, 0, "", "factory.rotate-keys", "ok", "update repository keys rotated by a new root",
      Json{{"roles", rs}, {"root-version", repo->version("root")}}.dump()});
}

// A run killed mid-batch leaves serials "reserved": their images may be partial, or complete but
// unrecorded. Neither may survive as an IDevID without its record, so both are destroyed and the
// serial is scrapped (never reused).
Status Factory::recover() {
  auto reserved = TRY(registry_->list("reserved"));
  if (!reserved.empty())
    log::warn("factory",
              "scrapping " + std::to_string(reserved.size()) + " device(s) from " +
                  reserved.front().serial +
                  " whose making was interrupted or failed; their serials are never reused");
  for (const auto& d : reserved) {
    std::filesystem::path final_dir(d.image_dir);
    std::string partial = (final_dir.parent_path() / (".partial-" + d.serial)).string();
    TRY(fs::remove_all(partial));
    TRY(fs::remove_all(d.image_dir));
    TRY(registry_->scrap(d.serial, "interrupted before the device was recorded; image destroyed"));
  }
  return ok_status();
}

Result<MadeDevice> Factory::make_one(const std::string& serial, const MakeOptions& o,
                                     const FirmwareRelease& release,
                                     store::ManufacturedDevice* rec) {
  std::string final_dir = fs::join(o.out_dir, serial);
  std::string dir = fs::join(o.out_dir, ".partial-" + serial);
  TRY(fs::remove_all(dir));
  TRY(fs::make_dirs(dir, 0755));

  // IR 8350 5.1.1 step 2: the key pairs are made inside the device.
  device::KeystoreSpec spec{o.device_keystore, ""};
  std::unique_ptr<Swtpm> tpm;
  if (o.device_keystore == "tpm") {
    tpm = TRY(Swtpm::start(fs::join(dir, "tpm")));
    spec.tcti = tpm->tcti();
  }
  auto ks = TRY(device::open_keystore(dir, spec));
  auto birth =
      TRY(device::generate_birth_keys(*ks, serial, o.model, /*attestation_in_keystore=*/!tpm));
  ks.reset();  // let go of the TPM before it stops
  if (tpm) {
    // The TPM's own restricted attestation key (svc/device/tpm_attester.h): it signs quotes.
    auto attester = TRY(TpmAttester::open(tpm->tcti()));
    birth.attestation = TRY_CTX(attester->attestation_key(), "TPM attestation key");
  }

  // Step 3: the factory checks the device's request and signs its birth certificate.
  TRY_CTX(birth.idevid_csr.verify_signature(), serial);
  if (birth.idevid_csr.subject_attr("serialNumber") != serial)
    return make_error("csr.serial",
                      serial + ": CSR serialNumber does not match the assigned serial");
  std::optional<std::string> mud =
      o.mud_url.empty() ? std::nullopt : std::optional<std::string>(o.mud_url);
  auto idevid = TRY(idevid_ca_.issue(pki::idevid(
      name_, o.model, serial, birth.idevid_csr.public_key(), config_.get("masa_url"), mud)));

  codec::DppUri uri;
  uri.channels = "81/1,6,11";
  uri.mac = device::device_mac(serial);
  uri.version = 2;
  uri.key = birth.dpp_bootstrap.der_compressed();
  std::string dpp = uri.to_string();

  codec::DeviceInformationDeclaration decl;
  decl.serial = serial;
  decl.model = o.model;
  decl.manufacturer = name_;
  decl.owner = codec::party_of(name_, root_);
  decl.version = 1;
  decl.issued_at = time::now();
  auto jws =
      TRY(codec::sign_declaration(decl, declaration_signer_.full_chain(), declaration_signer_.key));

  device::BootstrapFiles files;
  files.idevid_chain_pem = idevid.pem() + idevid_ca_.cert.pem() + root_.pem();
  files.masa_trust_pem = root_.pem();
  files.dpp_uri = dpp;
  files.dpp_qr_png = TRY(codec::qr_png(dpp));
  files.update_root = update_root_;
  files.app_bootstrap = Json{{"service-url", config_.get("app_url")},
                             {"trust-anchor", root_.pem()},
                             {"mode", "independent"}};
  files.device = Json{
      {"serial-number", serial},
      {"model", o.model},
      {"manufacturer", name_},
      {"keystore", o.device_keystore},
      {"masa-url", config_.get("masa_url")},
      {"mud-url", o.mud_url},
      {"factory-keys", tpm ? Json{device::kIdevidKey, device::kDppKey}
                           : Json{device::kIdevidKey, device::kDppKey, device::kAttestationKey}}};
  TRY(device::write_bootstrap(dir, files));
  TRY(install_release(release, dir));
  if (tpm) TRY(tpm->stop());
  if (std::rename(dir.c_str(), final_dir.c_str()) != 0)
    return make_error("io",
                      "cannot move " + dir + " to " + final_dir + " (does it exist already?)");

  rec->serial = serial;
  rec->model = o.model;
  rec->idevid_pem = idevid.pem();
  rec->dpp_uri = dpp;
  rec->mud_url = o.mud_url;
  rec->attestation_pub_pem = birth.attestation.pem();
  rec->made_at = decl.issued_at;
  rec->owner_name = decl.owner.name;
  rec->owner_spki_sha256 = hex_encode(decl.owner.spki_sha256);
  rec->declaration_version = 1;
  rec->declaration = jws;
  return MadeDevice{serial, final_dir, dpp};
}

Result<std::vector<MadeDevice>> Factory::make(
    const MakeOptions& o0, const std::function<void(const MadeDevice&)>& on_made) {
  MakeOptions o = o0;
  if (o.model.empty()) return make_error("usage", "--model is required");
  if (o.count < 1) return make_error("usage", "--count must be 1 or more");
  if (o.out_dir.empty()) return make_error("usage", "--out is required");
  if (o.device_keystore != "file" && o.device_keystore != "tpm")
    return make_error("usage", "--device-keystore must be file or tpm");
  if (!o.mud_url.empty() && o.mud_url.rfind("https://", 0) != 0)
    return make_error("mud.url", "--mud-url must be an https URL (RFC 8520)");
  for (char c : o.model)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return make_error("usage", "--model may hold only letters, digits, '-', '_' and '.'");
  TRY(fs::make_dirs(o.out_dir, 0755));
  o.out_dir = std::filesystem::absolute(o.out_dir).lexically_normal().string();
  if (!o.mud_url.empty()) TRY(registry_->set_model_mud(o.model, o.mud_url));
  auto release = TRY(release_for_make(state_dir_, name_, rv_signer_, o.model));
  TRY_CTX(publish_release(release), "update repository");
  update_root_ = TRY(TRY(TufRepository::open(state_dir_, *keystore_))->root_json());

  int workers = o.workers > 0 ? o.workers
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (o.device_keystore == "tpm" || keystore_->kind() != "file")
    workers = 1;  // one token / TPM at a time
  std::vector<MadeDevice> made;
  for (int done = 0; done < o.count;) {
    int n = std::min(kBatch, o.count - done);
    auto serials = TRY(
        registry_->reserve(config_.get("serial_prefix"), o.model, o.out_dir, o.device_keystore, n));
    std::vector<store::ManufacturedDevice> recs(serials.size());
    std::vector<std::optional<MadeDevice>> results(serials.size());
    std::vector<std::optional<Error>> errors(serials.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; (i = next++) < serials.size();) {
        auto r = make_one(serials[i], o, release, &recs[i]);
        if (r)
          results[i] = std::move(*r);
        else
          errors[i] = r.error();
      }
    };
    std::vector<std::thread> threads;
    for (int w = 1; w < workers; ++w) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    std::vector<store::ManufacturedDevice> ok;
    std::optional<Error> first_error;
    for (size_t i = 0; i < serials.size(); ++i) {
      if (results[i])
        ok.push_back(recs[i]);
      else if (!first_error)
        first_error = errors[i];
    }
    TRY(registry_->record_made(ok));
    for (size_t i = 0; i < serials.size(); ++i) {
      if (results[i]) {
        if (on_made) on_made(*results[i]);
        made.push_back(*results[i]);
      }
    }
    if (first_error) {
      TRY(recover());  // scrap what failed in this batch
      return first_error->context("factory make");
    }
    done += n;
  }
  return made;
}

Result<size_t> Factory::sell(const SellOptions& o) {
  if (o.serials.empty()) return make_error("usage", "name at least one --serial");
  if (o.bundle_path.empty()) return make_error("usage", "--bundle is required");
  auto owner_cert = TRY_CTX(crypto::Certificate::from_pem(o.owner_cert_pem), "--owner-cert");
  std::string owner_name =
      owner_cert.subject_attr("O").value_or(owner_cert.subject_attr("CN").value_or("owner"));
  codec::Party owner = codec::party_of(owner_name, owner_cert);
  std::vector<codec::Party> onboarders;
  for (const auto& pem : o.onboarder_cert_pems) {
    auto c = TRY_CTX(crypto::Certificate::from_pem(pem), "--onboarder-cert");
    onboarders.push_back(codec::party_of(
        c.subject_attr("O").value_or(c.subject_attr("CN").value_or("onboarder")), c));
  }
  codec::Party manufacturer = codec::party_of(name_, root_);

  // Check everything before changing anything: the sale is all or nothing.
  std::vector<store::ManufacturedDevice> devices;
  for (const auto& serial : o.serials) {
    auto d = TRY(registry_->get(serial));
    if (!d || d->state != "made")
      return make_error("sell.serial", "serial " + serial +
                                           (d ? " is " + d->state : std::string(" is unknown")) +
                                           "; nothing was sold");
    if (d->owner_spki_sha256 != hex_encode(manufacturer.spki_sha256) &&
        d->owner_spki_sha256 != hex_encode(owner.spki_sha256) && !o.transfer)
      return make_error("sell.owner", "serial " + serial + " is owned by " + d->owner_name +
                                          "; pass --transfer to record a resale; nothing was sold");
    devices.push_back(*d);
  }

  codec::BootstrappingBundle bundle;
  bundle.manufacturer = name_;
  bundle.created_at = time::now();
  bundle.owner = owner;
  bundle.manufacturer_root_pem = root_.pem();
  for (auto& d : devices) {
    // IR 8350 4.1: the re-signed declaration names the new owner and its authorized onboarders.
    codec::DeviceInformationDeclaration decl;
    decl.serial = d.serial;
    decl.model = d.model;
    decl.manufacturer = name_;
    decl.owner = owner;
    decl.authorized_onboarders = onboarders;
    decl.version = d.declaration_version + 1;
    decl.issued_at = bundle.created_at;
    d.declaration = TRY(
        codec::sign_declaration(decl, declaration_signer_.full_chain(), declaration_signer_.key));
    d.declaration_version = decl.version;
    d.owner_name = owner.name;
    d.owner_spki_sha256 = hex_encode(owner.spki_sha256);
    auto idevid = TRY(crypto::Certificate::from_pem(d.idevid_pem));
    codec::BundleDevice bd{d.serial,     d.model,   idevid.pem() + idevid_ca_.cert.pem(),
                           d.dpp_uri,    d.mud_url, d.declaration,
                           std::string()};
    // IR 8350 step 3: the attestation key made on the device, bound to its serial.
    if (!d.attestation_pub_pem.empty()) {
      auto ak = TRY(crypto::PublicKey::from_pem(d.attestation_pub_pem));
      bd.attestation_cert_pem = TRY(idevid_ca_.issue(pki::attestation_key(name_, d.model, d.serial,
                                                                          ak, d.keystore == "tpm")))
                                    .pem();
    }
    bundle.devices.push_back(std::move(bd));
  }
  // The reference values of every release of the models sold.
  std::vector<std::string> models;
  for (const auto& d : devices)
    if (std::find(models.begin(), models.end(), d.model) == models.end()) models.push_back(d.model);
  for (const auto& m : models)
    for (const auto& r : TRY(releases(state_dir_, m)))
      bundle.reference_values.push_back(base64_encode(r.corim));
  bundle.update_root = TRY(TRY(TufRepository::open(state_dir_, *keystore_))->root_json());
  bundle.update_url = config_.get("masa_url") + "/tuf/";
  auto signed_bundle = TRY(codec::sign_bundle(
      bundle, declaration_signer_.cert, declaration_signer_.key, declaration_signer_.full_chain()));
  if (signed_bundle.size() > codec::kMaxBundleBytes)
    return make_error("bundle.size", "the bundle would be " + std::to_string(signed_bundle.size()) +
                                         " bytes, over the " +
                                         std::to_string(codec::kMaxBundleBytes) +
                                         " a site imports: sell fewer devices a bundle");
  Json detail{{"owner", owner.name},
              {"owner_spki_sha256", hex_encode(owner.spki_sha256)},
              {"onboarders", onboarders.size()},
              {"bundle", o.bundle_path}};
  TRY(registry_->update_declarations(
      devices,
      store::Event{0, 0, "", "factory.sell", "ok", "ownership transferred", detail.dump()}));
  TRY(fs::write_file_atomic(o.bundle_path, signed_bundle, 0644));
  return devices.size();
}

Result<std::string> Factory::publish_mud(const std::string& model, const std::string& file) {
  auto text = TRY_CTX(fs::read_file_limited(file, codec::mud::kMaxMudBytes, "mud.size"), "--file");
  auto summary = TRY(codec::check_mud_file(text));
  auto known = TRY(registry_->model_mud(model));
  if (known && *known != summary.mud_url)
    return make_error("mud.url", "mud: mud-url " + summary.mud_url + " is not the URL in " + model +
                                     " IDevIDs (" + *known + ")");
  auto sig = TRY(crypto::cms_sign(to_bytes(text), mud_signer_.cert, mud_signer_.key,
                                  mud_signer_.full_chain(),
                                  crypto::CmsSignOptions{true, crypto::kOidData}));
  std::string dir = fs::join(state_dir_, "mud");
  TRY(fs::make_dirs(dir, 0755));
  std::string out = fs::join(dir, model + ".json");
  TRY(fs::write_file_atomic(out, text));
  TRY(fs::write_file_atomic(out + ".p7s", to_string(sig)));
  if (!known) TRY(registry_->set_model_mud(model, summary.mud_url));
  TRY(registry_->append(store::Event{0, 0, "", "factory.publish-mud", "ok", "MUD file signed",
                                     Json{{"model", model}, {"mud_url", summary.mud_url}}.dump()}));
  return out;
}

}  // namespace gh::svc
