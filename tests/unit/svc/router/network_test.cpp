// The network side's pieces that need no namespaces: reading hostapd's log into sessions, the
// router's admission decision for a session, revocation and the CRL.
#include <gtest/gtest.h>

#include "common/fs.h"
#include "common/process.h"
#include "store/sqlite.h"
#include "svc/router/authenticator.h"
#include "svc/router/router_agent.h"
#include "svc/site/admission.h"
#include "svc/site/policy_store.h"
#include "svc/site/site.h"
#include "test_util.h"

namespace gh::svc {
namespace {

constexpr const char* kMac = "4a:a3:f7:6d:10:ed";

// Lines as hostapd 2.10 -d prints them (captured from the lab).
std::vector<std::string> full_success(const std::string& serial) {
  return {"r-dev2: CTRL-EVENT-EAP-STARTED 4a:a3:f7:6d:10:ed",
          "r-dev2: CTRL-EVENT-EAP-PROPOSED-METHOD vendor=0 method=13",
          "authsrv: peer certificate: depth=1 serial_num=237105F53CDF2998226F53BC5E13CC9F "
          "subject=/O=Lab Site/CN=Lab Site Domain CA",
          "authsrv: peer certificate: depth=0 serial_num=" + serial +
              " subject=/O=Lab Site/CN=LABDEV-00000002/serialNumber=LABDEV-00000002",
          "authsrv: remote certificate verification success",
          "r-dev2: CTRL-EVENT-EAP-SUCCESS 4a:a3:f7:6d:10:ed",
          "r-dev2: AP-STA-CONNECTED 4a:a3:f7:6d:10:ed"};
}

std::vector<EapEvent> feed(HostapdLogParser& p, const std::vector<std::string>& lines) {
  std::vector<EapEvent> ev;
  for (const auto& l : lines) p.feed(l, 100, &ev);
  return ev;
}

TEST(HostapdLog, SuccessBindsTheStationToTheLeafCertificate) {
  HostapdLogParser p("r-dev2");
  auto ev = feed(p, full_success("03A3CAEB33370577DC0CFE56AF0C450A"));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, "authenticated");
  ASSERT_NE(p.session(), nullptr);
  EXPECT_EQ(p.session()->mac, kMac);
  EXPECT_EQ(p.session()->cert_serial, "03a3caeb33370577dc0cfe56af0c450a");  // not the CA's
  EXPECT_NE(p.session()->subject.find("LABDEV-00000002"), std::string::npos);
  // Re-authentication with the same certificate is not a new session.
  EXPECT_TRUE(feed(p, full_success("03A3CAEB33370577DC0CFE56AF0C450A")).empty());
  // Logoff ends it.
  ev = feed(p, {"r-dev2: STA 4a:a3:f7:6d:10:ed IEEE 802.1X: received EAPOL-Logoff from STA"});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, "ended");
  EXPECT_EQ(p.session(), nullptr);
}

TEST(HostapdLog, RevokedCertificateFailsWithTheReasonAndEndsTheSession) {
  HostapdLogParser p("r-dev2");
  feed(p, full_success("03A3CAEB33370577DC0CFE56AF0C450A"));
  auto ev =
      feed(p, {"r-dev2: CTRL-EVENT-EAP-STARTED 4a:a3:f7:6d:10:ed",
               "authsrv: peer certificate: depth=0 serial_num=03A3CAEB33370577DC0CFE56AF0C450A "
               "subject=/O=Lab Site/CN=LABDEV-00000002",
               "authsrv: certificate chain failure: reason=2 depth=0 subject='/O=Lab Site/CN=X' "
               "err='certificate revoked'",
               "authsrv: local TLS alert: certificate revoked",
               "r-dev2: CTRL-EVENT-EAP-FAILURE 4a:a3:f7:6d:10:ed"});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, "failed");
  EXPECT_EQ(ev[0].reason, "certificate revoked");
  EXPECT_EQ(p.session(), nullptr);
}

TEST(HostapdLog, NoCertificateInTheHandshakeAdmitsNothing) {
  HostapdLogParser p("r-dev1");
  auto ev = feed(p, {"r-dev1: CTRL-EVENT-EAP-STARTED 02:00:00:00:00:01",
                     "r-dev1: CTRL-EVENT-EAP-SUCCESS 02:00:00:00:00:01"});
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, "failed");
  EXPECT_EQ(p.session(), nullptr);
  // Another port's lines are not this port's.
  ev = feed(p, full_success("0A"));
  EXPECT_EQ(p.session(), nullptr);
}

TEST(HostapdLog, AnotherStationReplacesTheSession) {
  HostapdLogParser p("r-dev2");
  feed(p, full_success("0A"));
  std::vector<std::string> other = full_success("0B");
  for (auto& l : other) {
    size_t at = l.find(kMac);
    if (at != std::string::npos) l.replace(at, 17, "02:00:00:00:00:09");
  }
  auto ev = feed(p, other);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kind, "ended");
  EXPECT_EQ(ev[1].kind, "authenticated");
  EXPECT_EQ(p.session()->mac, "02:00:00:00:00:09");
  EXPECT_EQ(p.session()->cert_serial, "0b");
}

TEST(HostapdLog, SerialSpelling) {
  EXPECT_EQ(normal_serial_hex("00A1:b2"), "a1b2");
  EXPECT_EQ(normal_serial_hex("0A1B"), "0a1b");
}

class NetworkSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = gh::testing::make_temp_dir("gh-net");
    ASSERT_TRUE(Site::init({dir_ + "/site", "Example Site", {}}).ok());
    auto s = Site::open(dir_ + "/site");
    ASSERT_TRUE(s.ok()) << s.error().str();
    site_ = std::move(*s);
    store::DeviceRecord r{"SN-1", "th-100", "Acme", "expected", "PEM", "", "", "jws", 1, "b1", 1};
    store::DeviceRecord r2 = r;
    r2.serial = "SN-2";
    ASSERT_TRUE(inv().import_devices({r, r2}, "b1", ev("bundle.import")).ok());
  }
  void TearDown() override { (void)fs::remove_all(dir_); }
  store::Inventory& inv() { return site_->inventory(); }
  static store::Event ev(const std::string& kind) {
    return store::Event{0, 0, "", kind, "ok", "", "{}"};
  }
  void onboard(const std::string& serial, const std::string& cert_serial) {
    ASSERT_TRUE(inv().record_voucher(serial, "voucher", ev("brski.voucher")).ok());
    ASSERT_TRUE(inv()
                    .record_ldevid(serial, "PEM", cert_serial, time::now() + 86400,
                                   store::Transition::kLdevidIssued, store::Actor::kRegistrar,
                                   ev("est.enroll"))
                    .ok());
    ASSERT_TRUE(inv()
                    .transition(serial, store::Transition::kEnrollConfirmed, store::Actor::kDevice,
                                ev("est.enrollstatus"))
                    .ok());
  }
  SessionVerdict judge(const std::string& cert_serial) {
    PolicyStore policy(dir_ + "/site");
    return judge_session(inv(), policy, cert_serial);
  }
  std::string crl_text() {
    auto r = process::run({"openssl", "crl", "-in", site_->crl_path(), "-noout", "-text"});
    return r && r->exit_status == 0 ? r->out : "";
  }

  std::string dir_;
  std::unique_ptr<Site> site_;
};

TEST_F(NetworkSiteTest, ARenewalHandsTheSessionOverAndARevocationDoesNot) {
  onboard("SN-1", "aa01");
  onboard("SN-2", "bb01");
  // SN-1 renews: the new LDevID is pending (not admitted) until the device confirms it; then the
  // session still on the old one keeps its port while the supplicant re-authenticates.
  ASSERT_TRUE(inv()
                  .record_ldevid("SN-1", "PEM2", "aa02", time::now() + 86400,
                                 store::Transition::kReenrolled, store::Actor::kRegistrar,
                                 ev("est.reenroll"))
                  .ok());
  EXPECT_EQ(judge("aa02").check, "credential.pending");
  ASSERT_TRUE(inv().confirm_renewal("SN-1", "aa02", ev("ldevid.renew-confirmed")).ok());
  EXPECT_TRUE(judge("aa02").admitted);
  SessionVerdict old = judge("aa01");
  EXPECT_TRUE(old.admitted) << old.check;
  EXPECT_EQ(old.device, "SN-1");
  // Past the handover time, the old session is refused as superseded.
  {
    auto db = store::Database::open(dir_ + "/site/inventory.db", {});
    ASSERT_TRUE(db.ok());
    auto st = (*db)->prepare("UPDATE credentials SET ended_at=ended_at-? WHERE serial_hex='aa01'");
    ASSERT_TRUE(st.ok());
    st->bind(1, static_cast<int64_t>(kRenewalHandoverS + 1));
    ASSERT_TRUE(st->run().ok());
  }
  EXPECT_EQ(judge("aa01").check, "credential.superseded");
  // A re-onboarding or a revocation hands nothing over.
  onboard("SN-2", "bb02");
  EXPECT_EQ(judge("bb01").check, "credential.superseded");
  ASSERT_TRUE(inv().revoke("SN-2", store::Actor::kOperator, ev("device.revoke")).ok());
  EXPECT_EQ(judge("bb02").check, "credential.revoked");
}

TEST_F(NetworkSiteTest, OnlyTheCurrentCredentialOfAnOnboardedDeviceIsAdmitted) {
  EXPECT_EQ(judge("aa01").check, "credential.unknown");
  onboard("SN-1", "aa01");
  SessionVerdict v = judge("aa01");
  EXPECT_TRUE(v.admitted) << v.check << ": " << v.reason;
  EXPECT_EQ(v.device, "SN-1");
  onboard("SN-1", "aa02");  // re-onboarded: the first LDevID is superseded
  EXPECT_EQ(judge("aa01").check, "credential.superseded");
  EXPECT_TRUE(judge("aa02").admitted);
  ASSERT_TRUE(inv()
                  .transition("SN-1", store::Transition::kQuarantine, store::Actor::kOperator,
                              ev("device.quarantine"))
                  .ok());
  EXPECT_EQ(judge("aa02").check, "device.quarantined");
  ASSERT_TRUE(inv()
                  .transition("SN-1", store::Transition::kRelease, store::Actor::kOperator,
                              ev("device.release"))
                  .ok());
  // The authorization policy is asked too (protocol "connect").
  std::string policy = dir_ + "/policy.yaml";
  ASSERT_TRUE(fs::write_file_atomic(policy,
                                    "default:\n  action: allow\nrules:\n  - name: no-th\n    "
                                    "match: {model: th-100, protocol: connect}\n    action: deny\n")
                  .ok());
  ASSERT_TRUE(PolicyStore::install(dir_ + "/site", policy, inv()).ok());
  SessionVerdict denied = judge("aa02");
  EXPECT_EQ(denied.check, "policy.denied");
  EXPECT_NE(denied.reason.find("no-th"), std::string::npos);
}

TEST_F(NetworkSiteTest, RevocationMovesTheDeviceAndListsItsCredentialsInTheCrl) {
  onboard("SN-1", "aa01");
  onboard("SN-1", "aa02");
  onboard("SN-2", "bb01");
  ASSERT_TRUE(site_->revoke("SN-1", "key compromised").ok());
  EXPECT_EQ((*inv().get("SN-1"))->state, "revoked");
  EXPECT_EQ(judge("aa02").check, "credential.revoked");
  EXPECT_TRUE(judge("bb01").admitted);
  // Revoking twice, or an unknown device, is refused and changes nothing.
  ASSERT_REFUSED(site_->revoke("SN-1", "again"), "device.state");
  ASSERT_REFUSED(site_->revoke("SN-9", "who"), "inventory.unknown");
  std::string text = crl_text();
  ASSERT_FALSE(text.empty());
  // OpenSSL prints serials in upper case; the superseded one with its reason.
  EXPECT_NE(text.find("AA01"), std::string::npos) << text;
  EXPECT_NE(text.find("AA02"), std::string::npos) << text;
  EXPECT_EQ(text.find("BB01"), std::string::npos) << text;
  EXPECT_NE(text.find("Superseded"), std::string::npos) << text;
  EXPECT_NE(text.find("Cessation Of Operation"), std::string::npos) << text;
  auto events = inv().events("SN-1");
  ASSERT_TRUE(events.ok());
  bool logged = false;
  for (const auto& e : *events)
    logged |= e.kind == "device.revoke" && e.reason == "key compromised";
  EXPECT_TRUE(logged);
}

TEST_F(NetworkSiteTest, CrlIsRefreshedWhenACredentialEnds) {
  auto first = site_->refresh_crl();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*site_->refresh_crl());  // nothing changed
  onboard("SN-2", "bb01");
  onboard("SN-2", "bb02");
  EXPECT_TRUE(*site_->refresh_crl());
  EXPECT_NE(crl_text().find("BB01"), std::string::npos);
}

TEST_F(NetworkSiteTest, ServerCertificateForTheAuthenticator) {
  std::string cert = dir_ + "/eap.pem", key = dir_ + "/eap.key";
  ASSERT_TRUE(site_->issue_server_certificate({"eap.lab"}, cert, key, 86400).ok());
  auto r = process::run({"openssl", "verify", "-purpose", "sslserver", "-CAfile",
                         dir_ + "/site/domain-ca.pem", cert});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_status, 0) << r->out;
  auto t = process::run({"openssl", "x509", "-in", cert, "-noout", "-ext", "subjectAltName"});
  ASSERT_TRUE(t.ok());
  EXPECT_NE(t->out.find("DNS:eap.lab"), std::string::npos);
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  ASSERT_REFUSED(site_->issue_server_certificate({}, cert, key, 86400), "usage");
}

// A MUD URL announced in DHCP becomes a claim only for an authenticated device, on its own port,
// once per credential and URL.
TEST(DhcpClaims, OnlyAuthenticatedDevicesOnTheirPortOncePerUrl) {
  std::string dir = gh::testing::make_temp_dir("gh-claims");
  auto inv = std::move(*store::open_sqlite_inventory(dir + "/i.db"));
  store::DeviceRecord d{"SN-1", "m", "Acme", "expected", "PEM", "", "", "jws", 1, "b1", 1};
  store::Event ev{0, 0, "", "t", "ok", "", "{}"};
  ASSERT_TRUE(inv->import_devices({d}, "b1", ev).ok());
  ASSERT_TRUE(inv->record_voucher("SN-1", "voucher", ev).ok());
  ASSERT_TRUE(inv->record_ldevid("SN-1", "PEM", "0abc", 2000000000,
                                 store::Transition::kLdevidIssued, store::Actor::kRegistrar, ev)
                  .ok());
  std::vector<EapSession> sessions{{"r-dev1", "4A:A3:F7:6D:10:ED", "0abc", "", 1},
                                   {"r-dev2", "02:00:00:00:00:09", "0def", "", 1}};
  std::map<std::string, DhcpAnnouncement> dhcp{
      {kMac, {kMac, "10.78.1.10", "r-dev9", "https://m/a.json", "", 1}},
      {"02:00:00:00:00:09",
       {"02:00:00:00:00:09", "10.78.2.10", "r-dev2", "https://m/x.json", "", 1}}};
  std::map<std::string, std::string> offered;
  claim_announced(*inv, sessions, dhcp, &offered);  // announced on another port: not this station
  EXPECT_EQ((*inv->get("SN-1"))->mud_url_claimed, "");
  EXPECT_TRUE(offered.empty());  // (0def is no credential of this site)
  dhcp[kMac].port = "r-dev1";
  claim_announced(*inv, sessions, dhcp, &offered);
  EXPECT_EQ((*inv->get("SN-1"))->mud_url_claimed, "https://m/a.json");
  EXPECT_EQ((*inv->get("SN-1"))->mud_url_claimed_source, "dhcp");
  auto claims = [&] {
    int n = 0;
    auto events = inv->events("SN-1");
    EXPECT_TRUE(events.ok());
    for (const auto& e : *events) n += e.kind == "mud.claim";
    return n;
  };
  EXPECT_EQ(claims(), 1);
  claim_announced(*inv, sessions, dhcp, &offered);  // offered already: no inventory call
  EXPECT_EQ(claims(), 1);
  claim_announced(*inv, {}, dhcp, &offered);  // the session ended: forgotten
  EXPECT_TRUE(offered.empty());
  (void)fs::remove_all(dir);
}

}  // namespace
}  // namespace gh::svc
