// The MASA and the registrar as real HTTPS servers on 127.0.0.1 (port 0), driven by the pledge
// engine and by hand-made requests for every refusal RFC 8995 and the issue name.
#include <gtest/gtest.h>

#include "brski_fixture.h"
#include "codec/est.h"
#include "codec/voucher.h"
#include "common/fs.h"
#include "device/image.h"
#include "net/http.h"
#include "proto/pledge.h"
#include "svc/device/pledge_agent.h"
#include "svc/factory/factory.h"
#include "svc/factory/masa_service.h"
#include "svc/site/registrar_service.h"
#include "svc/site/site.h"
#include "test_util.h"

namespace gh::svc {
namespace {

TEST_F(BrskiTest, OnboardsAndReonboardsAfterReset) {
  auto r = onboard_brski({dir_ + "/d/" + serials_[0], url_, 10});
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_EQ(r->serial, serials_[0]);
  EXPECT_EQ(state(serials_[0]), "onboarded");
  for (const char* f : {"ldevid.pem", "domain-ca.pem", "voucher.cms", "network.json"})
    EXPECT_TRUE(fs::exists(dir_ + "/d/" + serials_[0] + "/onboarding/" + f)) << f;
  auto ldevid = *crypto::Certificate::from_pem(
      *fs::read_file(dir_ + "/d/" + serials_[0] + "/onboarding/ldevid.pem"));
  auto domain = *crypto::Certificate::from_pem(*fs::read_file(dir_ + "/s/domain-ca.pem"));
  EXPECT_TRUE(crypto::verify_chain(ldevid, {}, {domain}).ok());
  EXPECT_EQ(ldevid.serial_number_attr(), serials_[0]);
  // Onboarding twice without a reset is refused on the device.
  ASSERT_REFUSED(onboard_brski({dir_ + "/d/" + serials_[0], url_, 10}), "device.onboarded");
  ASSERT_TRUE(fs::remove_all(dir_ + "/d/" + serials_[0] + "/onboarding").ok());
  auto again = onboard_brski({dir_ + "/d/" + serials_[0], url_, 10});
  ASSERT_TRUE(again.ok()) << again.error().str();
  EXPECT_NE(again->ldevid_serial, r->ldevid_serial);
  auto site = std::move(*Site::open(dir_ + "/s"));
  auto creds = *site->inventory().credentials(serials_[0]);
  ASSERT_EQ(creds.size(), 2u);
  EXPECT_EQ(creds[0].status, "superseded");
  EXPECT_EQ(creds[1].status, "active");
}

TEST_F(BrskiTest, DeviceNotInAnyBundleIsRefused) {
  auto r = onboard_brski({dir_ + "/d/" + serials_[3], url_, 5});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "policy.unknown-device");
  EXPECT_EQ(state(serials_[3]), "absent");
}

TEST_F(BrskiTest, UnknownManufacturerIsRefused) {
  ASSERT_TRUE(
      Factory::init({dir_ + "/evil", "Evil", "https://localhost:1", "", "ACME-", "file", {}}).ok());
  auto f = std::move(*Factory::open(dir_ + "/evil"));
  MakeOptions o;
  o.model = "m";
  o.count = 1;
  o.out_dir = dir_ + "/evil-d";
  auto made = *f->make(o);
  auto r = onboard_brski({made[0].image_dir, url_, 5});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "idevid.untrusted");
}

TEST_F(BrskiTest, MasaRefusesADomainThatIsNotTheOwner) {
  // The device is resold to site B; site A still expects it, but the MASA's declaration names B.
  {
    masa_->stop();  // the factory's lock is separate from the MASA; stop to keep this simple
    auto f = std::move(*Factory::open(dir_ + "/f"));
    SellOptions sell;
    sell.serials = {serials_[1]};
    sell.owner_cert_pem = *fs::read_file(dir_ + "/b/domain-ca.pem");
    sell.bundle_path = dir_ + "/b.pem";
    sell.transfer = true;
    ASSERT_TRUE(f->sell(sell).ok());
  }
  masa_ = std::move(*MasaService::open(dir_ + "/f"));
  ASSERT_TRUE(masa_->serve("127.0.0.1", masa_port_).ok());
  auto r = onboard_brski({dir_ + "/d/" + serials_[1], url_, 5});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "masa.ownership") << r.error().str();
  EXPECT_EQ(state(serials_[1]), "expected");
  EXPECT_FALSE(fs::exists(dir_ + "/d/" + serials_[1] + "/onboarding"));
}

TEST_F(BrskiTest, DeviceOnboardedByAnotherDomainIsRefused) {
  // Owner A, authorized onboarder B: both may obtain vouchers. B onboards it first; A's registrar
  // then sees B in the MASA audit log after the current declaration and refuses (RFC 8995 5.8.3).
  masa_->stop();
  {
    auto f = std::move(*Factory::open(dir_ + "/f"));
    SellOptions sell;
    sell.serials = {serials_[2]};
    sell.owner_cert_pem = *fs::read_file(dir_ + "/s/domain-ca.pem");
    sell.onboarder_cert_pems = {*fs::read_file(dir_ + "/b/domain-ca.pem")};
    sell.bundle_path = dir_ + "/ab.pem";
    ASSERT_TRUE(f->sell(sell).ok());
  }
  masa_ = std::move(*MasaService::open(dir_ + "/f"));
  ASSERT_TRUE(masa_->serve("127.0.0.1", masa_port_).ok());
  std::string root = *fs::read_file(dir_ + "/f/pki/root.pem");
  ASSERT_TRUE(Site::open(dir_ + "/s").value()->import_bundle(dir_ + "/ab.pem", root).ok());
  ASSERT_TRUE(Site::open(dir_ + "/b").value()->import_bundle(dir_ + "/ab.pem", root).ok());
  auto b = std::move(*RegistrarService::open(dir_ + "/b", RegistrarOptions{}));
  auto b_port = b->serve("127.0.0.1", 0);
  ASSERT_TRUE(b_port.ok());
  std::string img = dir_ + "/d/" + serials_[2];
  auto at_b = onboard_brski({img, "https://127.0.0.1:" + std::to_string(*b_port), 10});
  ASSERT_TRUE(at_b.ok()) << at_b.error().str();
  b->stop();
  ASSERT_TRUE(fs::remove_all(img + "/onboarding").ok());
  auto at_a = onboard_brski({img, url_, 5});
  ASSERT_FALSE(at_a.ok());
  EXPECT_EQ(at_a.error().code, "policy.onboarded-elsewhere") << at_a.error().str();
  EXPECT_EQ(state(serials_[2]), "expected");
  // A registrar configured without the check lets it through.
  registrar_->stop();
  RegistrarOptions lax;
  lax.check_audit_log = false;
  registrar_ = std::move(*RegistrarService::open(dir_ + "/s", lax));
  auto port = registrar_->serve("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  EXPECT_TRUE(onboard_brski({img, "https://127.0.0.1:" + std::to_string(*port), 10}).ok());
}

TEST_F(BrskiTest, UnreachableMasaLeavesNothingOnboarded) {
  masa_->stop();
  auto r = onboard_brski({dir_ + "/d/" + serials_[2], url_, 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "masa.unreachable") << r.error().str();
  EXPECT_EQ(state(serials_[2]), "expected");
}

TEST_F(BrskiTest, ProximityReplayAndEnrollmentChecks) {
  auto id = idevid(serials_[0]);
  auto c = connect(id);
  ASSERT_TRUE(c);
  // A voucher-request naming another registrar certificate.
  proto::Pledge wrong(id, masa_trust());
  auto k = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto other = *crypto::issue_certificate(pki::domain_ca("Other", k.public_key()), nullptr, k);
  auto pvr_wrong = *wrong.voucher_request({other}, time::now());
  auto r = post_pvr(*c, pvr_wrong);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.rfind("pvr.proximity", 0), 0u) << r.body;

  // EST before a voucher on this session.
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto csr = *crypto::Csr::create(crypto::Name().add("serialNumber", serials_[0]), key);
  auto e = *c->request("POST", "/.well-known/est/simpleenroll",
                       {{"Content-Type", codec::kPkcs10MediaType}}, codec::est_base64(csr.der()));
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.body.rfind("est.no-voucher", 0), 0u) << e.body;

  // The registrar sends its own certificate and leaves out the domain CA (a trust anchor).
  auto sent = c->server_chain();
  ASSERT_FALSE(sent.empty());
  for (const auto& cert : sent) EXPECT_FALSE(cert.self_signed()) << cert.subject();

  // The real request succeeds once; the identical bytes again are a replay.
  proto::Pledge pledge(id, masa_trust());
  auto pvr = *pledge.voucher_request(c->server_chain(), time::now());
  r = post_pvr(*c, pvr);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(pledge.accept_voucher(to_bytes(r.body), time::now()).ok());
  auto replay = post_pvr(*c, pvr);
  EXPECT_EQ(replay.status, 403);
  EXPECT_EQ(replay.body.rfind("pvr.replay", 0), 0u) << replay.body;

  // A CSR for another serial, and one that reuses the IDevID key.
  auto other_csr = *crypto::Csr::create(crypto::Name().add("serialNumber", serials_[1]), key);
  e = *c->request("POST", "/.well-known/est/simpleenroll",
                  {{"Content-Type", codec::kPkcs10MediaType}}, codec::est_base64(other_csr.der()));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.body.rfind("csr.serial", 0), 0u) << e.body;
  auto reuse = *crypto::Csr::create(crypto::Name().add("serialNumber", serials_[0]), id.key);
  e = *c->request("POST", "/.well-known/est/simpleenroll",
                  {{"Content-Type", codec::kPkcs10MediaType}}, codec::est_base64(reuse.der()));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.body.rfind("csr.key", 0), 0u) << e.body;
  EXPECT_EQ(state(serials_[0]), "voucher-issued");  // nothing issued
  auto site = std::move(*Site::open(dir_ + "/s"));
  EXPECT_TRUE(site->inventory().credentials(serials_[0])->empty());
}

TEST_F(BrskiTest, RequestSignedByAnotherDevicesIdevidIsRefused) {
  // Device 1's TLS session carrying a voucher-request signed by device 2's (equally valid) IDevID.
  auto c = connect(idevid(serials_[0]));
  ASSERT_TRUE(c);
  proto::Pledge other(idevid(serials_[1]), masa_trust());
  auto pvr = *other.voucher_request(c->server_chain(), time::now());
  auto r = post_pvr(*c, pvr);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.rfind("pvr.signer", 0), 0u) << r.body;
  EXPECT_EQ(state(serials_[0]), "expected");
  EXPECT_EQ(state(serials_[1]), "expected");
}

TEST_F(BrskiTest, GarbageTruncatedAndOversizedBodiesAreRefused) {
  auto id = idevid(serials_[0]);
  auto c = connect(id);
  ASSERT_TRUE(c);
  for (const std::string& body : {std::string("garbage"), std::string("\x30\x82\x01", 3)}) {
    auto r = post_pvr(*c, to_bytes(body));
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.body.rfind("pvr.format", 0), 0u) << r.body;
  }
  // An empty request (a pledge learning the registrar's certificate first): a plain 400.
  auto empty = post_pvr(*c, {});
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.body.rfind("pvr.empty", 0), 0u) << empty.body;
  auto r = c->request("POST", "/.well-known/brski/requestvoucher", {{"Content-Type", "text/plain"}},
                      "x");
  EXPECT_EQ(r->status, 415);
  r = c->request("GET", "/.well-known/brski/requestvoucher", {}, "");
  EXPECT_EQ(r->status, 405);
  r = c->request("POST", "/.well-known/est/simpleenroll",
                 {{"Content-Type", codec::kPkcs10MediaType}}, "%%%");
  EXPECT_EQ(r->status, 403);  // no voucher on this session comes first
  r = c->request("POST", "/.well-known/brski/enrollstatus", {{"Content-Type", "application/json"}},
                 "{not json");
  EXPECT_EQ(r->status, 403);  // who reports comes first: this session got no voucher
  EXPECT_EQ(r->body.rfind("status.client", 0), 0u) << r->body;
  r = c->request("GET", "/nope", {}, "");
  EXPECT_EQ(r->status, 404);
  // Oversized: the server answers 413 and closes, possibly before the client has sent it all.
  auto big = c->request("POST", "/.well-known/brski/requestvoucher",
                        {{"Content-Type", codec::kVoucherMediaType}},
                        std::string(net::kMaxBodyBytes + 1, 'A'));
  if (big.ok()) {
    EXPECT_EQ(big->status, 413);
  }
  auto again = c->request("GET", "/.well-known/est/cacerts", {}, "");
  EXPECT_FALSE(again.ok());  // that connection is closed either way
  auto fresh = connect(id);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->request("GET", "/.well-known/est/cacerts", {}, "")->status, 200);
  EXPECT_EQ(state(serials_[0]), "expected");
}

TEST_F(BrskiTest, PledgeRefusesBadVouchers) {
  auto id = idevid(serials_[0]);
  auto c = connect(id);
  ASSERT_TRUE(c);
  proto::Pledge pledge(id, masa_trust());
  auto pvr = *pledge.voucher_request(c->server_chain(), time::now());
  auto good = post_pvr(*c, pvr);
  ASSERT_EQ(good.status, 200);
  auto v = *codec::verify_voucher_artifact(to_bytes(good.body), masa_trust());
  auto voucher = *codec::Voucher::from_json(v.json);
  // Re-sign variants with a key the manufacturer never certified, and with the MASA key but
  // wrong contents (the factory's MASA key is in its file keystore).
  auto ks = std::move(*crypto::open_file_keystore(dir_ + "/f/keys"));
  auto masa_key = *ks->load("masa");
  auto masa_cert = *crypto::Certificate::from_pem(*fs::read_file(dir_ + "/f/pki/masa.pem"));
  auto resign = [&](codec::Voucher w) {
    return *codec::sign_voucher_artifact(w.to_json(), masa_cert, masa_key, {masa_cert});
  };
  auto fresh = [&] {
    proto::Pledge p(id, masa_trust());
    (void)p.voucher_request(c->server_chain(), time::now());
    return p;
  };
  {
    auto p = fresh();
    auto rogue = *crypto::PrivateKey::generate(crypto::Curve::kP256);
    auto rogue_cert = *crypto::issue_certificate(
        pki::signer("Acme", "MASA voucher signer", rogue.public_key()), nullptr, rogue);
    auto bad = *codec::sign_voucher_artifact(voucher.to_json(), rogue_cert, rogue, {rogue_cert});
    ASSERT_REFUSED(p.accept_voucher(bad, time::now()), "voucher.signature");
  }
  {
    auto p = fresh();
    codec::Voucher w = voucher;
    w.serial_number = "OTHER-1";
    ASSERT_REFUSED(p.accept_voucher(resign(w), time::now()), "voucher.serial");
  }
  {
    auto p = fresh();  // a new nonce: the old voucher's nonce no longer matches
    ASSERT_REFUSED(p.accept_voucher(to_bytes(good.body), time::now()), "voucher.nonce");
  }
  {
    // Right signature, serial and nonce, but the pin is some other CA: the registrar we talk to
    // does not chain to it.
    proto::Pledge p(id, masa_trust());
    auto pvr2 = *p.voucher_request(c->server_chain(), time::now());
    codec::Voucher w = voucher;
    auto k2 = *crypto::PrivateKey::generate(crypto::Curve::kP256);
    auto other = *crypto::issue_certificate(pki::domain_ca("Other", k2.public_key()), nullptr, k2);
    w.pinned_domain_cert = other.der();
    auto sent = *codec::VoucherRequest::from_json(
        codec::verify_voucher_artifact(pvr2, masa_trust()).value().json);
    w.nonce = sent.nonce;
    ASSERT_REFUSED(p.accept_voucher(resign(w), time::now()), "voucher.registrar");
  }
}

// Issue 13, the trust boundary: a device's own report completes a step the site started and never
// overrides the site's verdict; peers that proved no identity write nothing.
class TrustBoundaryTest : public BrskiTest {
 protected:
  static constexpr const char* kEnroll = "/.well-known/brski/enrollstatus";
  static constexpr const char* kVoucher = "/.well-known/brski/voucher_status";
};

TEST_F(TrustBoundaryTest, AQuarantinedDeviceCannotReleaseItself) {
  auto d = onboard(0);
  ASSERT_EQ(state(serials_[0]), "onboarded");
  ASSERT_TRUE(operator_step(serials_[0], store::Transition::kQuarantine).ok());
  auto c = connect(d.ldevid);
  ASSERT_TRUE(c);
  auto r = post(*c, kEnroll, R"({"version":1,"status":true})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body.rfind("lifecycle.state", 0), 0u) << r.body;
  EXPECT_EQ(state(serials_[0]), "quarantined");
  // The refusal is on record, naming the transition and the actor.
  auto s = std::move(*Site::open(dir_ + "/s"));
  auto events = *s->inventory().events(serials_[0]);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().outcome, "refused");
  EXPECT_EQ(events.back().reason, "lifecycle.state");
  EXPECT_NE(events.back().detail.find("\"actor\":\"device\""), std::string::npos);
}

TEST_F(TrustBoundaryTest, ARevokedDeviceCannotRestoreItselfNorOnboardAgain) {
  auto d = onboard(0);
  {
    auto s = std::move(*Site::open(dir_ + "/s"));
    ASSERT_TRUE(s->revoke(serials_[0], "stolen").ok());
  }
  auto c = connect(d.ldevid);
  ASSERT_TRUE(c);
  auto r = post(*c, kEnroll, R"({"version":1,"status":true})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body.rfind("status.credential", 0), 0u) << r.body;
  EXPECT_EQ(state(serials_[0]), "revoked");
  // Renewal with the revoked credential is refused too.
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto csr = *crypto::Csr::create(crypto::Name().add("serialNumber", serials_[0]), key);
  auto e = *c->request("POST", "/.well-known/est/simplereenroll",
                       {{"Content-Type", codec::kPkcs10MediaType}}, codec::est_base64(csr.der()));
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.body.rfind("est.revoked", 0), 0u) << e.body;
  // A factory reset does not bring it back.
  ASSERT_TRUE(fs::remove_all(dir_ + "/d/" + serials_[0] + "/onboarding").ok());
  auto again = onboard_brski({dir_ + "/d/" + serials_[0], url_, 5});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "policy.state");
  EXPECT_EQ(state(serials_[0]), "revoked");
  auto s = std::move(*Site::open(dir_ + "/s"));
  auto creds = s->inventory().credentials(serials_[0]);
  ASSERT_TRUE(creds.ok());
  for (const auto& cred : *creds) EXPECT_EQ(cred.status, "revoked");
}

TEST_F(TrustBoundaryTest, ASupersededLdevidCompletesNothing) {
  auto first = onboard(0);
  ASSERT_TRUE(fs::remove_all(dir_ + "/d/" + serials_[0] + "/onboarding").ok());
  // Re-onboarding after a reset: the new voucher starts a step; the old credential is superseded
  // once the new one is issued, and cannot complete it.
  auto id = idevid(serials_[0]);
  auto c = connect(id);
  ASSERT_TRUE(c);
  proto::Pledge pledge(id, masa_trust());
  auto pvr = *pledge.voucher_request(c->server_chain(), time::now());
  ASSERT_EQ(post_pvr(*c, pvr).status, 200);
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto csr = *crypto::Csr::create(crypto::Name().add("serialNumber", serials_[0]), key);
  auto e = *c->request("POST", "/.well-known/est/simpleenroll",
                       {{"Content-Type", codec::kPkcs10MediaType}}, codec::est_base64(csr.der()));
  ASSERT_EQ(e.status, 200) << e.body;
  ASSERT_EQ(state(serials_[0]), "enrolled");
  auto old = connect(first.ldevid);
  ASSERT_TRUE(old);
  auto r = post(*old, kEnroll, R"({"version":1,"status":true})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body.rfind("status.credential", 0), 0u) << r.body;
  EXPECT_EQ(state(serials_[0]), "enrolled");
  // Success reported on the IDevID session is not the LDevID's confirmation either.
  r = post(*c, kEnroll, R"({"version":1,"status":true})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body.rfind("status.credential", 0), 0u) << r.body;
  EXPECT_EQ(state(serials_[0]), "enrolled");
}

TEST_F(TrustBoundaryTest, PeersWithoutIdentityWriteNothing) {
  onboard(0);
  size_t before = event_count();
  std::string huge(256 * 1024 - 64, 'x');
  auto anon = anonymous();
  ASSERT_TRUE(anon);
  for (int i = 0; i < 40; ++i) {
    for (const char* path : {kVoucher, kEnroll}) {
      auto r = post(*anon, path, R"({"version":1,"status":true,"reason":")" + huge + "\"}");
      EXPECT_EQ(r.status, 401);
      EXPECT_EQ(r.body.rfind("status.client", 0), 0u) << r.body.substr(0, 80);
    }
  }
  // An IDevID on a session that got no voucher proves the device but started no step.
  auto c = connect(idevid(serials_[1]));
  ASSERT_TRUE(c);
  auto r = post(*c, kVoucher, R"({"version":1,"status":false,"reason":"x"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body.rfind("status.client", 0), 0u) << r.body;
  EXPECT_EQ(state(serials_[1]), "expected");
  // At most the one summary of what was counted.
  EXPECT_LE(event_count(), before + 1);
}

TEST_F(TrustBoundaryTest, ReportedReasonsAreCappedAndARateBoundsEachDevice) {
  auto id = idevid(serials_[0]);
  auto c = connect(id);
  ASSERT_TRUE(c);
  proto::Pledge pledge(id, masa_trust());
  ASSERT_EQ(post_pvr(*c, *pledge.voucher_request(c->server_chain(), time::now())).status, 200);
  size_t before = event_count();
  std::string huge(200 * 1024, 'y');
  huge.replace(10, 1, "\\n");  // a newline, escaped as JSON needs it
  double started = time::monotonic();
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(post(*c, kVoucher, R"({"version":1,"status":false,"reason":")" + huge + "\"}").status,
              200);
  double elapsed = time::monotonic() - started;
  size_t after = event_count();
  EXPECT_GT(after, before);
  // A burst of 20, then one a second for as long as the posts took (slow under the sanitizers),
  // and one summary: far fewer than the 100 posted.
  EXPECT_LE(after, before + 20 + static_cast<size_t>(elapsed) + 2);
  EXPECT_LT(after, before + 100);
  auto s = std::move(*Site::open(dir_ + "/s"));
  auto events = *s->inventory().events(serials_[0]);
  ASSERT_FALSE(events.empty());
  const auto& last = events.back();
  EXPECT_EQ(last.kind, "brski.voucher-status");
  EXPECT_LE(last.detail.size(), 1300u);
  EXPECT_EQ(last.detail.find('\n'), std::string::npos);
  EXPECT_NE(last.detail.find("\\\\x0a"), std::string::npos) << last.detail.substr(0, 80);
}

}  // namespace
}  // namespace gh::svc

namespace gh::svc {
namespace {

// NquiringMinds' pledge sends its voucher-request as base64 and reads the answer the same way:
// the registrar answers in the encoding it was asked in, and records that it read leniently.
TEST_F(BrskiTest, ABase64RequestGetsABase64Voucher) {
  auto id = idevid(serials_[0]);
  auto c = connect(id);
  ASSERT_TRUE(c);
  proto::Pledge pledge(id, masa_trust());
  auto pvr = *pledge.voucher_request(c->server_chain(), time::now());
  auto r = post_pvr(*c, to_bytes(base64_encode(pvr)));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_FALSE(r.body.empty());
  EXPECT_NE(static_cast<uint8_t>(r.body[0]), 0x30) << "binary voucher to a base64 pledge";
  auto der = base64_decode(r.body);
  ASSERT_TRUE(der.ok());
  EXPECT_TRUE(pledge.accept_voucher(*der, time::now()).ok());
  auto site = std::move(*Site::open(dir_ + "/s"));
  auto events = site->inventory().events(serials_[0]);
  ASSERT_TRUE(events.ok());
  bool noted = false;
  for (const auto& e : *events)
    noted |=
        e.kind == "brski.voucher-request" && e.detail.find("not binary CMS") != std::string::npos;
  EXPECT_TRUE(noted) << "the compatibility note is in the evidence log";
}

}  // namespace
}  // namespace gh::svc
