// LDevID renewal (EST /simplereenroll, RFC 7030 4.2.2) as the device agent does it, against the
// real registrar: the new certificate is confirmed over TLS with itself before the old one is
// given up; a restart at any step leaves a credential that works; the site's rekey request is
// enforced; a decommissioned device is wiped by its agent.
#include "svc/device/renewal.h"

#include <gtest/gtest.h>

#include <thread>

#include "codec/est.h"
#include "codec/voucher.h"
#include "common/fs.h"
#include "device/image.h"
#include "svc/device/device_run.h"
#include "svc/device/pledge_agent.h"
#include "svc/site/brski_fixture.h"

namespace gh::svc {
namespace {

class RenewalTest : public BrskiTest {
 protected:
  std::string img(size_t i = 0) { return dir_ + "/d/" + serials_[i]; }
  OpenedDevice device(size_t i = 0) { return std::move(*open_device(img(i), true)); }
  SiteSession session(const OpenedDevice& d) {
    auto s = site_session(d, url_);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().str());
    return *s;
  }
  std::string status(const std::string& cert_serial) {
    auto s = std::move(*Site::open(dir_ + "/s"));
    auto c = s->inventory().credential(cert_serial);
    return c.ok() && c->has_value() ? (*c)->status : "absent";
  }
  // Whether the site takes this credential for the device (an attestation challenge needs the
  // current, active LDevID).
  bool works(const SiteSession& s) {
    crypto::TlsIdentity id = s.identity;
    auto ctx = *crypto::TlsContext::client(&id, {s.domain_ca}, "");
    auto u = *net::Url::parse(url_);
    auto c = net::HttpClient::connect(u.host, u.port, ctx, 10, &id);
    if (!c) return false;
    auto r = (*c)->request("GET", "/.well-known/gatehouse/attest/challenge", {}, "");
    return r && r->status == 200;
  }
  Json network(size_t i = 0) {
    return *parse_json(*fs::read_file(img(i) + "/onboarding/network.json"), "network");
  }
};

TEST_F(RenewalTest, TheNewCredentialIsConfirmedBeforeTheOldOneIsGivenUp) {
  onboard(0);
  auto dev = device();
  auto before = session(dev);
  auto r = renew_ldevid(dev, before, /*new_key=*/true);
  ASSERT_TRUE(r.ok()) << r.error().str();
  EXPECT_TRUE(r->new_key);
  EXPECT_EQ(r->old_serial, before.identity.cert.serial_hex());
  EXPECT_NE(r->new_serial, r->old_serial);
  EXPECT_EQ(status(r->old_serial), "superseded");
  EXPECT_EQ(status(r->new_serial), "active");
  // The device uses the new pair; the old key is gone; no renewal is left half done.
  auto after = session(dev);
  EXPECT_EQ(after.identity.cert.serial_hex(), r->new_serial);
  EXPECT_FALSE(after.identity.cert.public_key() == before.identity.cert.public_key());
  EXPECT_FALSE(dev.keystore->has("ldevid"));
  EXPECT_FALSE(fs::exists(img() + "/onboarding/renewal.json"));
  EXPECT_TRUE(works(after));
  EXPECT_FALSE(works(before));
  // The CRL lists the old one (802.1X refuses it from then on): `site serve` republishes it
  // within two seconds; here the site publishes it by hand.
  auto site = std::move(*Site::open(dir_ + "/s"));
  auto crl = site->publish_crl();
  ASSERT_TRUE(crl.ok()) << crl.error().str();
  auto ended = site->inventory().ended_credentials(0);
  ASSERT_TRUE(ended.ok());
  std::vector<store::IssuedCredential> list = std::move(*ended);
  bool listed = false;
  for (const auto& c : list) listed = listed || c.serial_hex == r->old_serial;
  EXPECT_TRUE(listed);
  EXPECT_NE(crl->find("BEGIN X509 CRL"), std::string::npos);
  // The same key again, when asked to keep it.
  auto again = renew_ldevid(dev, after, /*new_key=*/false);
  ASSERT_TRUE(again.ok()) << again.error().str();
  auto third = session(dev);
  EXPECT_TRUE(third.identity.cert.public_key() == after.identity.cert.public_key());
  EXPECT_NE(third.identity.cert.serial_hex(), after.identity.cert.serial_hex());
  // The old certificate can renew nothing any more.
  auto stale = renew_ldevid(dev, before, true);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, "est.superseded");
  EXPECT_TRUE(works(session(dev)));
}

TEST_F(RenewalTest, TheSitesRekeyRequestIsHeldToANewKey) {
  onboard(0);
  {
    auto site = std::move(*Site::open(dir_ + "/s"));
    ASSERT_TRUE(site->inventory()
                    .request_renewal(serials_[0], "rekey",
                                     store::Event{0, 0, serials_[0], "ldevid.renew-requested", "ok",
                                                  "test", "{}"})
                    .ok());
  }
  auto dev = device();
  auto s = session(dev);
  auto same = renew_ldevid(dev, s, /*new_key=*/false);
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, "est.rekey");
  // Nothing changed on the device: the current credential works, nothing is pending.
  EXPECT_FALSE(fs::exists(img() + "/onboarding/renewal.json"));
  EXPECT_TRUE(works(session(dev)));
  auto r = renew_ldevid(dev, s, true);
  ASSERT_TRUE(r.ok()) << r.error().str();
  auto site = std::move(*Site::open(dir_ + "/s"));
  EXPECT_EQ((*site->inventory().get(serials_[0]))->renewal, "");
}

// The steps renew_ldevid takes, stopped after each as a power loss would, then the agent's start.
TEST_F(RenewalTest, ARestartAtAnyStepLeavesAWorkingCredential) {
  onboard(0);
  auto dev = device();
  auto s = session(dev);
  // Stopped after the intent and the key, before the site answered: dropped.
  ASSERT_TRUE(dev.keystore->generate("ldevid-cut", crypto::Curve::kP256).ok());
  ASSERT_TRUE(fs::write_file_atomic(img() + "/onboarding/renewal.json",
                                    R"({"key":"ldevid-cut","certificate":""})")
                  .ok());
  auto f = finish_renewal(dev, s);
  ASSERT_TRUE(f.ok()) << f.error().str();
  EXPECT_TRUE(*f);
  EXPECT_FALSE(dev.keystore->has("ldevid-cut"));
  EXPECT_TRUE(works(session(dev)));

  // Stopped after the site issued the certificate, before the confirmation; and after the
  // confirmation, before the switch.
  for (bool confirmed : {false, true}) {
    auto cur = session(dev);
    std::string label = confirmed ? "ldevid-b" : "ldevid-a";
    auto key = *dev.keystore->generate(label, crypto::Curve::kP256);
    auto c = connect(pki::Identity{cur.identity.cert, cur.identity.key, {}});
    auto csr = *crypto::Csr::create(
        crypto::Name().add("CN", serials_[0]).add("serialNumber", serials_[0]), key);
    auto e = *c->request("POST", "/.well-known/est/simplereenroll",
                         {{"Content-Type", codec::kPkcs10MediaType}}, codec::est_base64(csr.der()));
    ASSERT_EQ(e.status, 200) << e.body;
    auto cert = codec::est_parse_certs_only(e.body)->at(0);
    ASSERT_TRUE(fs::write_file_atomic(img() + "/onboarding/" + label + ".pem", cert.pem()).ok());
    ASSERT_TRUE(fs::write_file_atomic(img() + "/onboarding/renewal.json",
                                      Json{{"key", label}, {"certificate", label + ".pem"}}.dump())
                    .ok());
    EXPECT_EQ(status(cert.serial_hex()), "pending");
    if (confirmed) {
      auto nc = connect(pki::Identity{cert, key, {}});
      auto r = post(*nc, "/.well-known/brski/enrollstatus", R"({"version":1,"status":true})");
      ASSERT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(status(cert.serial_hex()), "active");
      EXPECT_FALSE(works(cur));  // the device's current files name a superseded certificate
    }
    auto done = finish_renewal(dev, cur);
    ASSERT_TRUE(done.ok()) << done.error().str();
    auto now = session(dev);
    EXPECT_EQ(now.identity.cert.serial_hex(), cert.serial_hex()) << confirmed;
    EXPECT_EQ(status(cert.serial_hex()), "active");
    EXPECT_TRUE(works(now));
    EXPECT_FALSE(fs::exists(img() + "/onboarding/renewal.json"));
  }
}

// A device whose LDevID expired (off past its renewal) onboards again by itself, with its IDevID
// at the registrar it onboarded with, and is served again.
TEST_F(RenewalTest, AnExpiredLdevidIsReplacedByOnboardingAgain) {
  // LDevIDs of 5 s from this registrar.
  registrar_->stop();
  RegistrarOptions brief;
  brief.ldevid_lifetime_s = 5;
  registrar_ = std::move(*RegistrarService::open(dir_ + "/s", brief));
  auto port = registrar_->serve("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  url_ = "https://127.0.0.1:" + std::to_string(*port);
  onboard(0);
  auto dev = device();
  const auto first = session(dev);
  const std::string first_key = network()["credential"]["key"];
  while (time::now() < first.identity.cert.not_after())
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(works(first));
  // An attempt that fails (here: a registrar that is not there) leaves the credential the device
  // holds whole, key included: a restart after it finds the same credential.
  auto lost = onboard_brski({img(), "https://127.0.0.1:1", 1, /*again=*/true});
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(network()["credential"]["key"], first_key);
  EXPECT_EQ(session(dev).identity.cert.serial_hex(), first.identity.cert.serial_hex());
  DeviceRunOptions o;
  o.device_dir = img();
  o.rounds = 1;
  o.updates = false;
  // (certificates are backdated a minute for clock skew: a 5 s one is otherwise due at once)
  o.renew_at = 0.999;
  std::vector<std::string> said;
  o.on_update = [&](const std::string& what) { said.push_back(what); };
  auto st = run_device(o);
  ASSERT_TRUE(st.ok()) << st.error().str();
  ASSERT_EQ(said.size(), 1u) << (said.size() > 1 ? said[1] : "");
  EXPECT_NE(said[0].find("onboarded again"), std::string::npos) << said[0];
  auto now = session(dev);
  EXPECT_NE(now.identity.cert.serial_hex(), first.identity.cert.serial_hex());
  EXPECT_FALSE(now.identity.cert.public_key() == first.identity.cert.public_key());
  EXPECT_EQ(state(serials_[0]), "onboarded");
  EXPECT_EQ(status(now.identity.cert.serial_hex()), "active");
  EXPECT_NE(status(first.identity.cert.serial_hex()), "active");
  // The new credential's key is the one network.json names; the old key is gone.
  const std::string key = network()["credential"]["key"];
  EXPECT_NE(key, first_key);
  EXPECT_EQ(first_key, "keystore:ldevid");
  EXPECT_TRUE(device().keystore->has(key.substr(9)));
  EXPECT_FALSE(device().keystore->has("ldevid"));
}

TEST_F(RenewalTest, ADecommissionedDeviceIsWipedByItsAgent) {
  onboard(0);
  {
    auto site = std::move(*Site::open(dir_ + "/s"));
    ASSERT_TRUE(site->revoke(serials_[0], "retired from the line", store::Actor::kOperator,
                             store::Transition::kDecommission)
                    .ok());
  }
  DeviceRunOptions o;
  o.device_dir = img();
  o.site_url = url_;
  o.rounds = 1;
  o.updates = false;
  auto st = run_device(o);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "device.decommissioned");
  EXPECT_FALSE(fs::exists(img() + "/onboarding"));
  EXPECT_TRUE(fs::exists(img() + "/bootstrap/idevid.pem"));
  EXPECT_FALSE(device().keystore->has("ldevid"));
  EXPECT_EQ(state(serials_[0]), "decommissioned");
}

}  // namespace
}  // namespace gh::svc
