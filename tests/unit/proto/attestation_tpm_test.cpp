// The verifier's TPM quote rules, one test each, on quotes made here the way a TPM makes them
// (TPMS_ATTEST marshalled by tpm2-tss, ECDSA over it): every refusal is contraindicated and names
// its check. The same rules against a real swtpm: tests/unit/svc/device/tpm_attester_test.cpp.
#include <gtest/gtest.h>

#include "codec/tpm_quote.h"
#include "crypto/digest.h"
#include "device/image.h"
#include "proto/attestation.h"

namespace gh::proto::attest {
namespace {

namespace eat = codec::eat;
namespace corim = codec::corim;
namespace tpm = codec::tpm;
using codec::ear::Tier;

constexpr time::Seconds kNow = 1'800'000'000;

Bytes digest(const char* s) {
  return crypto::sha256(std::string_view(s));
}

struct TpmQuoteRules : ::testing::Test {
  Bytes nonce_key = Bytes(32, 0x5a);
  crypto::PrivateKey ak = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  DeviceAnchors device{
      "SN-1", "th-100",    "Acme", ak.public_key(), gh::device::device_ueid("SN-1"),
      true,   std::nullopt};
  std::vector<corim::ReferenceValues> releases{
      {"acme/th-100/1.0.0",
       "Acme",
       "th-100",
       "1.0.0",
       {{"boot", digest("boot-1")}, {"os", digest("os-1")}, {"app", digest("app-1")}}}};
  Bytes nonce = issue_nonce(nonce_key, "SN-1", kNow, Bytes(16, 1));

  // The quote a TPM would make after extending PCR 8 with log, over quote_nonce.
  tpm::Quote quote(const std::vector<eat::TpmEvent>& log) const {
    Bytes pcr(32, 0);
    for (const auto& e : log) pcr = tpm::extend_sha256(pcr, e.sha256);
    tpm::Quote q;
    q.magic = tpm::kGenerated;
    q.type = tpm::kStAttestQuote;
    q.qualified_signer = Bytes(34, 0x0b);
    q.extra_data = nonce;
    q.clock = {5000, 7, 0, true};
    q.firmware_version = 0x2019;
    q.pcr_hash = tpm::kAlgSha256;
    q.pcrs = {kMeasurementPcr};
    q.pcr_digest = crypto::sha256(pcr);
    return q;
  }
  std::vector<eat::TpmEvent> boot_log() const {
    std::vector<eat::TpmEvent> log;
    for (const auto& c : releases[0].components) log.push_back({c.component, c.sha256});
    return log;
  }
  eat::TpmEvidence evidence(const tpm::Quote& q, const std::vector<eat::TpmEvent>& log,
                            const crypto::PrivateKey* key = nullptr) const {
    Bytes attest = *tpm::marshal_quote(q);
    Bytes sig = *tpm::marshal_ecdsa_signature(*(key ? *key : ak).sign_raw(attest));
    return {attest, sig, kMeasurementPcr, log};
  }
  eat::Claims claims() const {
    eat::Claims c;
    c.nonce = nonce;
    c.ueid = device.ueid;
    c.hwmodel = "th-100";
    c.swname = "acme-firmware";
    c.swversion = "1.0.0";
    c.oemboot = true;
    c.dbgstat = static_cast<int>(eat::Debug::kDisabledSinceBoot);
    c.iat = kNow;
    c.measurements = releases[0].components;
    c.tpm = evidence(quote(boot_log()), boot_log());
    return c;
  }
  Appraisal run(const eat::Claims& c) {
    Bytes token = *eat::sign(c, ak);
    return appraise(token, nonce, check_nonce(nonce_key, "SN-1", nonce, kNow), device, releases);
  }
  void expect_refused(const eat::Claims& c, const std::string& check) {
    auto a = run(c);
    EXPECT_EQ(a.status, Tier::kContraindicated) << check;
    EXPECT_EQ(a.check, check) << a.reason;
    EXPECT_FALSE(a.tpm_clock) << check << ": a refused quote's counters are not kept";
  }
};

TEST_F(TpmQuoteRules, AGenuineQuoteIsAffirmingAndKeepsItsCounters) {
  auto a = run(claims());
  EXPECT_EQ(a.status, Tier::kAffirming) << a.check << ": " << a.reason;
  EXPECT_EQ(a.vector.hardware, 2);
  ASSERT_TRUE(a.tpm_clock);
  EXPECT_EQ(a.tpm_clock->reset_count, 7u);
  EXPECT_EQ(a.tpm_clock->clock, 5000u);
}

TEST_F(TpmQuoteRules, ATpmDevicesEvidenceWithoutAQuoteIsADowngrade) {
  auto c = claims();
  c.tpm.reset();
  expect_refused(c, "quote.missing");
  device.tpm = false;  // a device whose key is not a TPM's needs none
  EXPECT_EQ(run(c).status, Tier::kAffirming);
}

TEST_F(TpmQuoteRules, AQuoteSignedByAnotherKeyOrNotEcdsaIsRefused) {
  auto other = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto c = claims();
  c.tpm = evidence(quote(boot_log()), boot_log(), &other);
  expect_refused(c, "quote.signature");
  c = claims();
  c.tpm->signature = Bytes{0x00, 0x14, 0x00, 0x0b};  // RSASSA: not the attestation key's scheme
  expect_refused(c, "quote.signature");
  c = claims();
  c.tpm->attest.back() ^= 1;  // the signature no longer covers it
  expect_refused(c, "quote.signature");
}

TEST_F(TpmQuoteRules, OnlyATpmGeneratedQuoteCounts) {
  auto q = quote(boot_log());
  q.magic = 0x12345678;  // not TPM_GENERATED_VALUE: data the key was asked to sign
  auto c = claims();
  c.tpm = evidence(q, boot_log());
  expect_refused(c, "quote.type");
  q = quote(boot_log());
  q.type = 0x8017;  // a certify, not a quote
  c.tpm = evidence(q, boot_log());
  auto a = run(c);
  EXPECT_EQ(a.status, Tier::kContraindicated);
  EXPECT_TRUE(a.check == "quote.type" || a.check == "quote.format") << a.check;
}

TEST_F(TpmQuoteRules, AQuoteOverAnotherNonceIsRefused) {
  auto q = quote(boot_log());
  q.extra_data = Bytes(40, 0x77);  // an old quote replayed inside a fresh EAT
  auto c = claims();
  c.tpm = evidence(q, boot_log());
  expect_refused(c, "quote.nonce");
}

TEST_F(TpmQuoteRules, TheQuoteIsOfTheMeasurementPcrAlone) {
  auto q = quote(boot_log());
  q.pcrs = {0};
  auto c = claims();
  c.tpm = evidence(q, boot_log());
  expect_refused(c, "quote.pcrs");
  q = quote(boot_log());
  q.pcr_hash = 0x0004;  // SHA-1 bank
  c.tpm = evidence(q, boot_log());
  expect_refused(c, "quote.pcrs");
}

TEST_F(TpmQuoteRules, AnEventLogThatDoesNotReplayToThePcrIsRefused) {
  auto c = claims();
  auto log = boot_log();
  std::swap(log[0], log[1]);  // the same events in another order: another PCR value
  c.tpm = evidence(quote(boot_log()), log);
  expect_refused(c, "quote.eventlog");
  log = boot_log();
  log.pop_back();  // an event hidden from the verifier
  c.tpm = evidence(quote(boot_log()), log);
  expect_refused(c, "quote.eventlog");
}

TEST_F(TpmQuoteRules, CountersNeverGoBack) {
  device.last_clock = tpm::Clock{9000, 7, 0, true};
  auto a = run(claims());  // same boot (reset 7), clock 5000 < 9000
  EXPECT_EQ(a.status, Tier::kContraindicated);
  EXPECT_EQ(a.check, "quote.clock") << a.reason;
  device.last_clock = tpm::Clock{5000, 7, 0, true};
  EXPECT_EQ(run(claims()).check, "quote.clock") << "a clock that did not advance";
  device.last_clock = tpm::Clock{100, 8, 0, true};  // a later boot was seen: state rolled back
  EXPECT_EQ(run(claims()).check, "quote.reset");
  device.last_clock = tpm::Clock{100, 7, 3, true};
  EXPECT_EQ(run(claims()).check, "quote.reset");
  device.last_clock = tpm::Clock{99999, 6, 0, true};  // an earlier boot: any clock is fine
  EXPECT_EQ(run(claims()).status, Tier::kAffirming);
  device.last_clock = tpm::Clock{4999, 7, 0, true};
  EXPECT_EQ(run(claims()).status, Tier::kAffirming);
}

TEST_F(TpmQuoteRules, TheClaimedMeasurementsAreTheTpmsLatestEvents) {
  auto c = claims();
  c.measurements[2].sha256 = digest("app-evil");  // claims differ from what was extended
  expect_refused(c, "quote.measurement");
  c = claims();
  auto log = boot_log();
  log.push_back({"shell", digest("shell")});  // extended but not claimed
  c.tpm = evidence(quote(log), log);
  expect_refused(c, "quote.measurement");
}

TEST_F(TpmQuoteRules, EveryEventSinceBootIsJudgedNotOnlyTheLatest) {
  // app was replaced at run time by something unsigned, then put back: the claims match the
  // reference values, but the log shows what ran.
  auto log = boot_log();
  log.push_back({"app", digest("app-evil")});
  log.push_back({"app", digest("app-1")});
  auto c = claims();
  c.tpm = evidence(quote(log), log);
  auto a = run(c);
  EXPECT_EQ(a.status, Tier::kContraindicated);
  EXPECT_EQ(a.check, "measurement.app") << a.reason;
  EXPECT_NE(a.reason.find("since boot"), std::string::npos) << a.reason;
}

TEST_F(TpmQuoteRules, MalformedQuotesAreRefusedNotParsedPastTheirEnd) {
  auto c = claims();
  c.tpm->attest = Bytes{0xff, 0x54, 0x43, 0x47, 0x80};  // cut short
  auto a = run(c);
  EXPECT_EQ(a.status, Tier::kContraindicated);
  EXPECT_TRUE(a.check == "quote.signature" || a.check == "quote.format") << a.check;
  EXPECT_FALSE(tpm::parse_quote(Bytes{0xff, 0x54, 0x43, 0x47, 0x80}));
  auto attest = *tpm::marshal_quote(quote(boot_log()));
  attest.push_back(0);
  auto p = tpm::parse_quote(attest);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, "quote.format");
  EXPECT_FALSE(tpm::ecdsa_signature(Bytes(3, 0)));
}

TEST(TpmQuoteCodec, MarshalAndParseAgree) {
  tpm::Quote q;
  q.magic = tpm::kGenerated;
  q.type = tpm::kStAttestQuote;
  q.extra_data = Bytes(40, 3);
  q.clock = {123456789, 4, 2, false};
  q.pcr_hash = tpm::kAlgSha256;
  q.pcrs = {8, 16};
  q.pcr_digest = Bytes(32, 9);
  auto back = *tpm::parse_quote(*tpm::marshal_quote(q));
  EXPECT_EQ(back.extra_data, q.extra_data);
  EXPECT_EQ(back.clock.clock, 123456789u);
  EXPECT_EQ(back.clock.reset_count, 4u);
  EXPECT_EQ(back.clock.restart_count, 2u);
  EXPECT_FALSE(back.clock.safe);
  EXPECT_EQ(back.pcrs, (std::vector<int>{8, 16}));
  EXPECT_EQ(back.pcr_digest, q.pcr_digest);
  Bytes rs(64, 0);
  rs[31] = 1;  // r = 1: a short value is padded back to 32 bytes
  rs[63] = 2;
  EXPECT_EQ(*tpm::ecdsa_signature(*tpm::marshal_ecdsa_signature(rs)), rs);
}

}  // namespace
}  // namespace gh::proto::attest
