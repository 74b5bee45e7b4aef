// The site's verifier over a real manufacturer and site: reference values and attestation keys
// from the bundle, devices' evidence made on their images, results stored and acted on.
#include "svc/site/verifier.h"

#include <gtest/gtest.h>

#include "codec/bundle.h"
#include "common/fs.h"
#include "crypto/cms.h"
#include "svc/device/attester.h"
#include "svc/factory/factory.h"
#include "svc/factory/releases.h"
#include "svc/site/policy_store.h"
#include "test_util.h"

namespace gh::svc {
namespace {

using codec::ear::Tier;

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = gh::testing::make_temp_dir("gh-verifier");
    ASSERT_TRUE(Factory::init({dir_ + "/f", "Acme Devices", "", "", "ACME-", "file", {}}).ok());
    ASSERT_TRUE(Site::init({dir_ + "/s", "Example Site", {}}).ok());
    auto f = std::move(*Factory::open(dir_ + "/f"));
    MakeOptions o;
    o.model = "th-100";
    o.count = 2;
    o.out_dir = dir_ + "/d";
    auto made = f->make(o);
    ASSERT_TRUE(made.ok()) << made.error().str();
    for (const auto& d : *made) {
      serials_.push_back(d.serial);
      images_.push_back(d.image_dir);
    }
    SellOptions sell;
    sell.serials = serials_;
    sell.owner_cert_pem = *fs::read_file(dir_ + "/s/domain-ca.pem");
    sell.bundle_path = dir_ + "/bundle.pem";
    ASSERT_TRUE(f->sell(sell).ok());
    site_ = std::move(*Site::open(dir_ + "/s"));
    auto r = site_->import_bundle(sell.bundle_path, *fs::read_file(dir_ + "/f/pki/root.pem"));
    ASSERT_TRUE(r.ok()) << r.error().str();
    EXPECT_EQ(r->reference_values, 1u);  // the demo release 1.0.0 of th-100
    verifier_ = std::move(*Verifier::open(*site_));
  }
  void TearDown() override { (void)fs::remove_all(dir_); }

  Result<AttestationOutcome> attest(size_t i) {
    auto nonce = TRY(verifier_->challenge(serials_[i]));
    auto token = TRY(make_evidence(images_[i], nonce));
    return verifier_->appraise(serials_[i], nonce, token);
  }
  // Release 1.1.0 of th-100 (a new app) and a second bundle with its reference values at
  // DIR/bundle2.pem; no device has it installed yet.
  FirmwareRelease release_1_1_0() {
    auto f = std::move(*Factory::open(dir_ + "/f"));
    EXPECT_TRUE(fs::write_file_atomic(dir_ + "/app2", "app 1.1.0\n").ok());
    for (const char* part : {"boot", "os"})
      EXPECT_TRUE(fs::write_file_atomic(
                      dir_ + "/" + part,
                      *fs::read_file(images_[0] + "/firmware/" + std::string(part) + ".bin"))
                      .ok());
    auto r =
        f->add_release("th-100", "1.1.0", "",
                       {{"boot", dir_ + "/boot"}, {"os", dir_ + "/os"}, {"app", dir_ + "/app2"}});
    if (!r.ok()) {
      ADD_FAILURE() << r.error().str();
      return {};
    }
    auto again = f->add_release("th-100", "1.1.0", "", {{"app", dir_ + "/app2"}});
    EXPECT_FALSE(again.ok());
    if (!again.ok()) {
      EXPECT_EQ(again.error().code, "release.exists");
    }
    SellOptions sell;
    sell.serials = serials_;
    sell.owner_cert_pem = *fs::read_file(dir_ + "/s/domain-ca.pem");
    sell.bundle_path = dir_ + "/bundle2.pem";
    EXPECT_TRUE(f->sell(sell).ok());
    return *r;
  }
  std::string state(size_t i) { return (*site_->inventory().get(serials_[i]))->state; }
  void policy(const std::string& yaml) {
    ASSERT_TRUE(fs::write_file_atomic(dir_ + "/p.yaml", yaml).ok());
    ASSERT_TRUE(PolicyStore::install(dir_ + "/s", dir_ + "/p.yaml", site_->inventory()).ok());
  }

  std::string dir_;
  std::vector<std::string> serials_, images_;
  std::unique_ptr<Site> site_;
  std::unique_ptr<Verifier> verifier_;
};

TEST_F(VerifierTest, GenuineDeviceIsAffirmingAndTheResultIsStoredAndSigned) {
  auto out = attest(0);
  ASSERT_TRUE(out.ok()) << out.error().str();
  EXPECT_EQ(out->appraisal.status, Tier::kAffirming) << out->appraisal.reason;
  EXPECT_EQ(out->appraisal.release, "1.0.0");
  EXPECT_EQ(out->action, "keep");
  auto ear = codec::ear::verify(out->ear_jwt, verifier_->ear_key());
  ASSERT_TRUE(ear.ok()) << ear.error().str();
  EXPECT_EQ(ear->status, Tier::kAffirming);
  EXPECT_EQ(ear->serial, serials_[0]);
  auto rec = *site_->inventory().get(serials_[0]);
  EXPECT_EQ(rec->attestation_status, "affirming");
  auto latest = *site_->inventory().latest_attestation(serials_[0]);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->ear, out->ear_jwt);
  // The verifier's public key is published for EAR consumers.
  EXPECT_EQ(*fs::read_file(dir_ + "/s/verifier/ear.pem"), verifier_->ear_key().pem());
}

TEST_F(VerifierTest, AlteredFirmwareIsContraindicatedAndQuarantinedByDefault) {
  ASSERT_TRUE(fs::write_file_atomic(images_[0] + "/firmware/app.bin", "patched\n").ok());
  auto out = attest(0);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->appraisal.status, Tier::kContraindicated);
  EXPECT_EQ(out->appraisal.check, "measurement.app");
  EXPECT_EQ(out->action, "quarantine");
  EXPECT_EQ(state(0), "quarantined");
  EXPECT_EQ(state(1), "expected");  // the other device is untouched
  auto events = *site_->inventory().events(serials_[0]);
  bool logged = false;
  for (const auto& e : events)
    logged = logged || (e.kind == "device.quarantine" &&
                        e.reason.find("measurement.app") != std::string::npos);
  EXPECT_TRUE(logged);
}

TEST_F(VerifierTest, SilenceMakesAResultStaleButNeverLaundersAFailedOne) {
  ASSERT_EQ(attest(0)->appraisal.status, Tier::kAffirming);
  ASSERT_TRUE(fs::write_file_atomic(images_[1] + "/firmware/os.bin", "patched\n").ok());
  ASSERT_EQ(attest(1)->appraisal.status, Tier::kContraindicated);
  // Long after both: device 0 is stale (kept, by the default policy); device 1 stays
  // contraindicated (and quarantined) until fresh evidence says otherwise.
  auto marked = verifier_->sweep_stale(time::now() + 100000);
  ASSERT_TRUE(marked.ok()) << marked.error().str();
  EXPECT_EQ(*marked, std::vector<std::string>{serials_[0]});
  EXPECT_EQ((*site_->inventory().get(serials_[0]))->attestation_status, "stale");
  EXPECT_EQ((*site_->inventory().get(serials_[1]))->attestation_status, "contraindicated");
  EXPECT_EQ(state(1), "quarantined");
  // A second sweep finds nothing new; fresh affirming evidence ends the staleness.
  EXPECT_TRUE(verifier_->sweep_stale(time::now() + 100000)->empty());
  ASSERT_EQ(attest(0)->appraisal.status, Tier::kAffirming);
  EXPECT_EQ((*site_->inventory().get(serials_[0]))->attestation_status, "affirming");
}

TEST_F(VerifierTest, PolicyRevokeRevokesAndDebugIsContraindicated) {
  policy("default: {action: allow}\nassurance: {contraindicated: revoke}\n");
  ASSERT_TRUE(fs::write_file_atomic(images_[1] + "/firmware/debug-enabled", "").ok());
  auto out = attest(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->appraisal.check, "claim.dbgstat");
  EXPECT_EQ(out->action, "revoke");
  EXPECT_EQ(state(1), "revoked");
}

TEST_F(VerifierTest, ReplaysAndForgeriesAreRefusedWithoutMovingTheDevice) {
  auto nonce = *verifier_->challenge(serials_[0]);
  auto token = *make_evidence(images_[0], nonce);
  ASSERT_EQ(verifier_->appraise(serials_[0], nonce, token)->appraisal.status, Tier::kAffirming);
  auto replay = verifier_->appraise(serials_[0], nonce, token);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->appraisal.check, "nonce.replayed");
  EXPECT_EQ(replay->appraisal.status, Tier::kContraindicated);
  EXPECT_EQ(replay->action, "keep");
  EXPECT_EQ(state(0), "expected");
  EXPECT_EQ((*site_->inventory().get(serials_[0]))->attestation_status, "affirming");
  // Device 1's evidence presented as device 0's: another key.
  auto n0 = *verifier_->challenge(serials_[0]);
  auto other = *make_evidence(images_[1], n0);
  auto forged = verifier_->appraise(serials_[0], n0, other);
  EXPECT_EQ(forged->appraisal.check, "evidence.signature");
  EXPECT_EQ(state(0), "expected");
  // A nonce issued for device 1, answered by device 0.
  auto n1 = *verifier_->challenge(serials_[1]);
  auto cross = verifier_->appraise(serials_[0], n1, *make_evidence(images_[0], n1));
  EXPECT_EQ(cross->appraisal.check, "nonce.forged");
  // A forged token carrying a genuine nonce does not use it up: the device's own token still
  // answers it.
  auto n2 = *verifier_->challenge(serials_[0]);
  auto forged2 = verifier_->appraise(serials_[0], n2, *make_evidence(images_[1], n2));
  EXPECT_EQ(forged2->appraisal.check, "evidence.signature");
  auto genuine = verifier_->appraise(serials_[0], n2, *make_evidence(images_[0], n2));
  EXPECT_EQ(genuine->appraisal.status, Tier::kAffirming) << genuine->appraisal.check;
  // Refused tokens are on record, marked as not the device's.
  auto records = *site_->inventory().attestations(serials_[0]);
  ASSERT_GE(records.size(), 3u);
  EXPECT_TRUE(records[0].about_device);   // the genuine one
  EXPECT_FALSE(records[1].about_device);  // the forged one
  // Unknown devices get no challenge.
  ASSERT_REFUSED(verifier_->challenge("NOPE-1"), "inventory.unknown");
}

TEST_F(VerifierTest, ANewReleaseWithItsReferenceValuesIsAffirming) {
  // The manufacturer releases 1.1.0 (a new app), sells again with its reference values; the
  // device is updated (its firmware replaced) and still attests as genuine.
  auto r = release_1_1_0();
  auto imported = site_->import_bundle(dir_ + "/bundle2.pem");
  ASSERT_TRUE(imported.ok()) << imported.error().str();
  EXPECT_EQ(imported->reference_values, 2u);
  ASSERT_TRUE(install_release(r, images_[0]).ok());
  auto fresh = std::move(*Verifier::open(*site_));  // a new process: nothing cached
  auto nonce = *fresh->challenge(serials_[0]);
  auto out = fresh->appraise(serials_[0], nonce, *make_evidence(images_[0], nonce));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->appraisal.status, Tier::kAffirming) << out->appraisal.reason;
  EXPECT_EQ(out->appraisal.release, "1.1.0");
}

TEST_F(VerifierTest, AReleaseStoredByAnotherProcessIsKnownAtOnce) {
  // This verifier has the device's model cached (1.0.0 only) when another connection to the
  // inventory (the CLI, the mirror's sync) imports 1.1.0's reference values; the device, updated
  // at once, is appraised against them, not quarantined for a second's worth of cache.
  ASSERT_EQ(attest(0)->appraisal.status, Tier::kAffirming);
  auto r = release_1_1_0();
  auto other = std::move(*Site::open(dir_ + "/s"));
  ASSERT_TRUE(other->import_bundle(dir_ + "/bundle2.pem").ok());
  ASSERT_TRUE(install_release(r, images_[0]).ok());
  auto out = attest(0);
  ASSERT_TRUE(out.ok()) << out.error().str();
  EXPECT_EQ(out->appraisal.status, Tier::kAffirming) << out->appraisal.reason;
  EXPECT_EQ(out->appraisal.release, "1.1.0");
  EXPECT_EQ(state(0), "expected");
  // Evidence that matches nothing stored is judged again after the change, with its nonce used
  // once: it is refused for its measurement, not as a replay of its own nonce.
  ASSERT_TRUE(fs::write_file_atomic(images_[1] + "/firmware/app.bin", "patched\n").ok());
  ASSERT_TRUE(other->inventory()
                  .append(store::Event{0, 0, "", "test.write", "ok", "another process writes", ""})
                  .ok());
  out = attest(1);
  ASSERT_TRUE(out.ok()) << out.error().str();
  EXPECT_EQ(out->appraisal.status, Tier::kContraindicated);
  EXPECT_EQ(out->appraisal.check, "measurement.app");
}

TEST_F(VerifierTest, ABundleWithAForeignAttestationCertificateIsRefusedWhole) {
  // Two devices' attestation certificates swapped inside a bundle that is still signed by the
  // manufacturer (a buggy or subverted production system): the site checks each certificate
  // itself and refuses one issued for another serial.
  auto site2 = dir_ + "/s2";
  ASSERT_TRUE(Site::init({site2, "Second Site", {}}).ok());
  auto f = std::move(*Factory::open(dir_ + "/f"));
  SellOptions sell;
  sell.serials = serials_;
  sell.owner_cert_pem = *fs::read_file(site2 + "/domain-ca.pem");
  sell.bundle_path = dir_ + "/b3.pem";
  sell.transfer = true;
  ASSERT_TRUE(f->sell(sell).ok());
  auto file = to_bytes(*fs::read_file(sell.bundle_path));
  auto cms = *crypto::cms_from_any(file);
  auto parsed = *crypto::cms_parse_unverified(cms);
  auto json = *parse_json(to_string(parsed.content), "b");
  auto b = *codec::BootstrappingBundle::from_json(json);
  std::swap(b.devices[0].attestation_cert_pem, b.devices[1].attestation_cert_pem);
  auto signer =
      *crypto::Certificate::from_pem(*fs::read_file(dir_ + "/f/pki/declaration-signer.pem"));
  auto ks = *crypto::open_file_keystore(dir_ + "/f/keys");
  auto key = ks->load("declaration-signer");
  ASSERT_TRUE(key.ok()) << key.error().str();
  auto signed_ = *codec::sign_bundle(b, signer, *key, {signer});
  ASSERT_TRUE(fs::write_file_atomic(dir_ + "/b3-swapped.pem", signed_).ok());
  auto s2 = std::move(*Site::open(site2));
  ASSERT_REFUSED(
      s2->import_bundle(dir_ + "/b3-swapped.pem", *fs::read_file(dir_ + "/f/pki/root.pem")),
      "attestation.cert");
  EXPECT_TRUE(s2->inventory().list()->empty());
}

TEST_F(VerifierTest, AManufacturerNameStandsForOneRoot) {
  // Another manufacturer calling itself "Acme Devices": its root is refused as an anchor, so it
  // cannot reach what the site keys by that name (the reference values of Acme's models).
  ASSERT_TRUE(Factory::init({dir_ + "/f2", "Acme Devices", "", "", "ACME-", "file", {}}).ok());
  ASSERT_REFUSED(site_->trust_manufacturer(*fs::read_file(dir_ + "/f2/pki/root.pem")),
                 "anchor.name");
}

TEST(Releases, VersionsOrderNumberByNumberThenText) {
  EXPECT_TRUE(version_less("1.9.2", "1.10.0"));
  EXPECT_FALSE(version_less("1.10.0", "1.9.2"));
  EXPECT_TRUE(version_less("1.0", "1.0.1"));
  EXPECT_TRUE(version_less("9", "10"));
  EXPECT_TRUE(version_less("10", "1a"));  // a number before text
  EXPECT_FALSE(version_less("1a", "9"));
  EXPECT_FALSE(version_less("2.0", "2.0"));
  std::vector<std::string> v{"1a", "10", "9", "1.10", "1.9", "1.9.1", "1"};
  std::sort(v.begin(), v.end(), version_less);
  EXPECT_EQ(v, (std::vector<std::string>{"1", "1.9", "1.9.1", "1.10", "9", "10", "1a"}));
}

}  // namespace
}  // namespace gh::svc
