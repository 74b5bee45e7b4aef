// The device's TPM attester against a real swtpm (the device's "chip"), its quotes appraised by
// the verifier's rules: a round trip through tpm2-tss both ways, and the access broker that lets
// the keystore (tpm2-openssl) and the attester use one swtpm at once.
#include "svc/device/tpm_attester.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "codec/tpm_quote.h"
#include "crypto/digest.h"
#include "device/image.h"
#include "proto/attestation.h"
#include "svc/device/swtpm.h"
#include "test_util.h"

namespace gh::svc {
namespace {

namespace attest = proto::attest;
namespace eat = codec::eat;
using codec::ear::Tier;

Bytes digest(const char* s) {
  return crypto::sha256(std::string_view(s));
}

struct TpmAttesterTest : ::testing::Test {
  std::string dir = gh::testing::make_temp_dir("gh-tpm");
  Bytes nonce_key = Bytes(32, 0x33);
  std::vector<codec::corim::ReferenceValues> releases{
      {"", "Acme", "th-100", "1.0.0", {{"boot", digest("boot-1")}, {"app", digest("app-1")}}}};
  ~TpmAttesterTest() override { std::filesystem::remove_all(dir); }

  // A boot: measure the release's components into PCR 8.
  static void boot(TpmAttester& t) {
    ASSERT_TRUE(t.measure(attest::kMeasurementPcr, "boot", digest("boot-1")));
    ASSERT_TRUE(t.measure(attest::kMeasurementPcr, "app", digest("app-1")));
  }
  // Evidence as the device agent makes it: the claims, the TPM's quote, the TPM's signature.
  Bytes evidence(TpmAttester& t, const Bytes& nonce, const std::vector<eat::TpmEvent>& claimed) {
    eat::Claims c;
    c.nonce = nonce;
    c.ueid = device::device_ueid("SN-T");
    c.hwmodel = "th-100";
    c.swversion = "1.0.0";
    c.dbgstat = static_cast<int>(eat::Debug::kDisabledSinceBoot);
    for (const auto& e : claimed) c.measurements.push_back({e.component, e.sha256});
    auto q = t.quote(nonce);
    EXPECT_TRUE(q) << q.error().message;
    c.tpm = *q;
    auto token = eat::sign(c, [&](const Bytes& tbs) { return t.sign(tbs); });
    EXPECT_TRUE(token) << token.error().message;
    return *token;
  }
  attest::Appraisal appraise(const Bytes& token, const Bytes& nonce, attest::DeviceAnchors& d) {
    return attest::appraise(token, nonce, ok_status(), d, releases);
  }
};

TEST_F(TpmAttesterTest, SwtpmQuoteRoundTrip) {
  auto chip = Swtpm::start(dir + "/tpm");
  ASSERT_TRUE(chip) << chip.error().message;
  auto t = TpmAttester::open((*chip)->tcti());
  ASSERT_TRUE(t) << t.error().message;
  auto ak = (*t)->attestation_key();
  ASSERT_TRUE(ak) << ak.error().message;
  auto again = (*t)->attestation_key();
  ASSERT_TRUE(again);
  EXPECT_TRUE(*ak == *again) << "the attestation key is the same key every time";
  boot(**t);

  attest::DeviceAnchors d{"SN-T", "th-100", "Acme", *ak, device::device_ueid("SN-T"), true, {}};
  Bytes n1 = attest::issue_nonce(nonce_key, "SN-T", time::now(), crypto::random_bytes(16));
  Bytes token = evidence(**t, n1, (*t)->event_log());
  auto a = appraise(token, n1, d);
  EXPECT_EQ(a.status, Tier::kAffirming) << a.check << ": " << a.reason;
  ASSERT_TRUE(a.tpm_clock);
  d.last_clock = a.tpm_clock;

  // The quote is over the PCR the TPM holds: claiming another app than was extended is caught.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Bytes n2 = attest::issue_nonce(nonce_key, "SN-T", time::now(), crypto::random_bytes(16));
  auto lie = (*t)->event_log();
  lie[1].sha256 = digest("app-2");
  auto b = appraise(evidence(**t, n2, lie), n2, d);
  EXPECT_EQ(b.status, Tier::kContraindicated);
  EXPECT_EQ(b.check, "quote.measurement") << b.reason;

  // A runtime change is extended: the log replays, and shows what ran.
  ASSERT_TRUE((*t)->measure(attest::kMeasurementPcr, "app", digest("app-evil")));
  Bytes n3 = attest::issue_nonce(nonce_key, "SN-T", time::now(), crypto::random_bytes(16));
  std::vector<eat::TpmEvent> now{{"boot", digest("boot-1")}, {"app", digest("app-evil")}};
  auto c = appraise(evidence(**t, n3, now), n3, d);
  EXPECT_EQ(c.status, Tier::kContraindicated);
  EXPECT_EQ(c.check, "measurement.app") << c.reason;
  // The same token again: the quote's nonce is a different one than the verifier asks about.
  auto replay = appraise(token, n3, d);
  EXPECT_NE(replay.status, Tier::kAffirming);

  // The TPM restarts (a reboot): counters move on; a verifier that saw a later boot refuses.
  t->reset();
  ASSERT_TRUE((*chip)->stop());
  chip = Swtpm::start(dir + "/tpm");
  ASSERT_TRUE(chip);
  t = TpmAttester::open((*chip)->tcti());
  ASSERT_TRUE(t);
  boot(**t);
  Bytes n4 = attest::issue_nonce(nonce_key, "SN-T", time::now(), crypto::random_bytes(16));
  Bytes after_reboot = evidence(**t, n4, (*t)->event_log());
  auto e = appraise(after_reboot, n4, d);
  EXPECT_EQ(e.status, Tier::kAffirming) << e.check << ": " << e.reason;
  ASSERT_TRUE(e.tpm_clock);
  EXPECT_GT(e.tpm_clock->reset_count, d.last_clock->reset_count);
  d.last_clock = codec::tpm::Clock{0, e.tpm_clock->reset_count + 1, 0, true};
  auto rolled = appraise(after_reboot, n4, d);
  EXPECT_EQ(rolled.check, "quote.reset") << rolled.reason;
}

TEST_F(TpmAttesterTest, TheKeystoreAndTheAttesterShareTheTpm) {
  // swtpm serves one connection at a time; the keystore holds one for as long as it is open.
  auto chip = Swtpm::start(dir + "/tpm");
  ASSERT_TRUE(chip) << chip.error().message;
  auto ks = device::open_keystore(dir, {"tpm", (*chip)->tcti()});
  ASSERT_TRUE(ks) << ks.error().message;
  auto key = (*ks)->generate("ldevid", crypto::Curve::kP256);
  ASSERT_TRUE(key) << key.error().message;
  auto t = TpmAttester::open((*chip)->tcti());
  ASSERT_TRUE(t) << t.error().message;
  boot(**t);
  auto q = (*t)->quote(Bytes(32, 1));
  ASSERT_TRUE(q) << q.error().message;
  auto sig = key->sign(to_bytes("still usable"));
  ASSERT_TRUE(sig) << sig.error().message;
  EXPECT_TRUE(key->public_key().verify(to_bytes("still usable"), *sig));
  auto parsed = codec::tpm::parse_quote(q->attest);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->extra_data, Bytes(32, 1));
}

}  // namespace
}  // namespace gh::svc
