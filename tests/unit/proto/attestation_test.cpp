// The verifier's rules, one test each: every refusal is not affirming and names its check.
#include "proto/attestation.h"

#include <gtest/gtest.h>

#include "codec/cbor.h"
#include "codec/cose.h"
#include "crypto/digest.h"
#include "device/image.h"
#include "test_util.h"

namespace gh::proto::attest {
namespace {

namespace eat = codec::eat;
namespace corim = codec::corim;
using codec::ear::Tier;

constexpr time::Seconds kNow = 1'800'000'000;

struct AttestationRules : ::testing::Test {
  Bytes nonce_key = Bytes(32, 0x5a);
  crypto::PrivateKey ak = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  DeviceAnchors device{"SN-1", "th-100", "Acme", ak.public_key(), gh::device::device_ueid("SN-1")};
  std::vector<corim::ReferenceValues> releases{
      {"acme/th-100/1.0.0",
       "Acme",
       "th-100",
       "1.0.0",
       {{"boot", digest("boot-1")}, {"os", digest("os-1")}, {"app", digest("app-1")}}},
      {"acme/th-100/1.1.0",
       "Acme",
       "th-100",
       "1.1.0",
       {{"boot", digest("boot-1")}, {"os", digest("os-1")}, {"app", digest("app-2")}}}};
  Bytes nonce = issue_nonce(nonce_key, "SN-1", kNow, Bytes(16, 1));

  static Bytes digest(const char* s) { return crypto::sha256(std::string_view(s)); }

  eat::Claims claims() const {
    eat::Claims c;
    c.nonce = nonce;
    c.ueid = device.ueid;
    c.hwmodel = "th-100";
    c.swname = "acme-firmware";
    c.swversion = "1.0.0";
    c.oemboot = true;
    c.dbgstat = static_cast<int>(eat::Debug::kDisabledPermanently);
    c.iat = kNow;
    c.measurements = releases[0].components;
    return c;
  }
  Appraisal run(const eat::Claims& c, const crypto::PrivateKey* key = nullptr) {
    Bytes token = *eat::sign(c, key ? *key : ak);
    return appraise(token, nonce, check_nonce(nonce_key, "SN-1", nonce, kNow), device, releases);
  }
};

TEST_F(AttestationRules, GenuineEvidenceIsAffirming) {
  auto a = run(claims());
  EXPECT_EQ(a.status, Tier::kAffirming) << a.check << ": " << a.reason;
  EXPECT_EQ(a.check, "ok");
  EXPECT_TRUE(a.authentic);
  EXPECT_EQ(a.release, "1.0.0");
  EXPECT_EQ(a.vector.instance_identity, 2);
  EXPECT_EQ(a.vector.executables, 2);
  // The release is found from the digests when swversion names none.
  auto c = claims();
  c.swversion = "9.9";
  c.measurements[2].sha256 = digest("app-2");
  auto b = run(c);
  EXPECT_EQ(b.status, Tier::kAffirming);
  EXPECT_EQ(b.release, "1.1.0");
}

TEST_F(AttestationRules, AnotherDevicesKeyIsContraindicated) {
  auto other = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto a = run(claims(), &other);
  EXPECT_EQ(a.status, Tier::kContraindicated);
  EXPECT_EQ(a.check, "evidence.signature");
  EXPECT_EQ(a.vector.instance_identity, 99);
  EXPECT_FALSE(a.authentic);  // says nothing about the device
}

TEST_F(AttestationRules, ForgedUnsignedOrMalformedTokensAreContraindicated) {
  Bytes token = *eat::sign(claims(), ak);
  Bytes forged = token;
  forged[forged.size() - 1] ^= 1;  // the signature's last byte
  auto ns = check_nonce(nonce_key, "SN-1", nonce, kNow);
  EXPECT_EQ(appraise(forged, nonce, ns, device, releases).check, "evidence.signature");
  // Unsigned: an empty signature.
  auto s = *codec::cose::parse_sign1(token, "t");
  Bytes unsigned_token = codec::cbor_encode(
      codec::Cbor::array({codec::Cbor::bytes(s.protected_bytes), codec::Cbor::map(),
                          codec::Cbor::bytes(s.payload), codec::Cbor::bytes({})}));
  auto u = appraise(unsigned_token, nonce, ns, device, releases);
  EXPECT_EQ(u.status, Tier::kContraindicated);
  EXPECT_EQ(u.check, "evidence.signature");
  // alg "none" is not accepted in place of ES256.
  codec::Cbor none_header = codec::Cbor::map();
  none_header.set(1, codec::Cbor::integer(-65535));
  Bytes none_token = codec::cbor_encode(
      codec::Cbor::array({codec::Cbor::bytes(codec::cbor_encode(none_header)), codec::Cbor::map(),
                          codec::Cbor::bytes(s.payload), codec::Cbor::bytes(s.signature)}));
  EXPECT_EQ(appraise(none_token, nonce, ns, device, releases).check, "evidence.alg");
  EXPECT_EQ(appraise(Bytes{0x84, 0x01}, nonce, ns, device, releases).check, "evidence.cbor");
  Bytes huge(20000, 0x40);
  auto h = appraise(huge, nonce, ns, device, releases);
  EXPECT_EQ(h.status, Tier::kContraindicated);
  EXPECT_EQ(h.check, "evidence.size");
  // Signed, but the claims set is not one.
  auto bad_claims =
      appraise(*codec::cose::sign1(codec::Cbor::map(), codec::Cbor::map(), Bytes{0x01}, ak), nonce,
               ns, device, releases);
  EXPECT_EQ(bad_claims.check, "evidence.claim");
}

TEST_F(AttestationRules, NoncesAreThisSitesForThisDeviceFreshAndAnswered) {
  // Issued for another device, or made up: forged.
  ASSERT_REFUSED(check_nonce(nonce_key, "SN-2", nonce, kNow), "nonce.forged");
  Bytes made_up = nonce;
  made_up[10] ^= 1;
  ASSERT_REFUSED(check_nonce(nonce_key, "SN-1", made_up, kNow), "nonce.forged");
  ASSERT_REFUSED(check_nonce(Bytes(32, 1), "SN-1", nonce, kNow), "nonce.forged");
  ASSERT_REFUSED(check_nonce(nonce_key, "SN-1", Bytes(8, 0), kNow), "nonce.forged");
  // Past its lifetime: expired.
  ASSERT_REFUSED(check_nonce(nonce_key, "SN-1", nonce, kNow + kNonceLifetime + 1), "nonce.expired");
  EXPECT_TRUE(check_nonce(nonce_key, "SN-1", nonce, kNow + kNonceLifetime).ok());
  EXPECT_EQ(nonce_expiry(nonce), kNow + kNonceLifetime);
  // The caller's verdict (a replay it found in its single-use store) decides the appraisal.
  Bytes token = *eat::sign(claims(), ak);
  auto replay = appraise(token, nonce, make_error("nonce.replayed", "used"), device, releases);
  EXPECT_EQ(replay.status, Tier::kContraindicated);
  EXPECT_EQ(replay.check, "nonce.replayed");
  EXPECT_FALSE(replay.authentic);
  auto stale =
      appraise(token, nonce, check_nonce(nonce_key, "SN-1", nonce, kNow + 1000), device, releases);
  EXPECT_EQ(stale.check, "nonce.expired");
  // Evidence that answers another challenge.
  auto c = claims();
  c.nonce = issue_nonce(nonce_key, "SN-1", kNow, Bytes(16, 2));
  auto other = run(c);
  EXPECT_EQ(other.status, Tier::kContraindicated);
  EXPECT_EQ(other.check, "nonce.mismatch");
}

TEST_F(AttestationRules, IdentityClaimsMustBeThisDevices) {
  auto c = claims();
  c.ueid = gh::device::device_ueid("SN-2");
  auto a = run(c);
  EXPECT_EQ(a.status, Tier::kContraindicated);
  EXPECT_EQ(a.check, "claim.ueid");
  c = claims();
  c.hwmodel = "th-200";
  auto b = run(c);
  EXPECT_EQ(b.status, Tier::kContraindicated);
  EXPECT_EQ(b.check, "claim.hwmodel");
}

TEST_F(AttestationRules, DebugEnabledOrUnstatedIsContraindicated) {
  auto c = claims();
  c.dbgstat = static_cast<int>(eat::Debug::kEnabled);
  auto a = run(c);
  EXPECT_EQ(a.status, Tier::kContraindicated);
  EXPECT_EQ(a.check, "claim.dbgstat");
  EXPECT_EQ(a.vector.configuration, 96);
  c.dbgstat.reset();
  EXPECT_EQ(run(c).check, "claim.dbgstat");
}

TEST_F(AttestationRules, MeasurementsOutsideTheReferenceValuesAreContraindicated) {
  auto c = claims();
  c.measurements[1].sha256 = digest("os-tampered");
  auto a = run(c);
  EXPECT_EQ(a.status, Tier::kContraindicated);
  EXPECT_EQ(a.check, "measurement.os");
  EXPECT_EQ(a.vector.executables, 96);
  EXPECT_TRUE(a.authentic);  // the device's own fresh evidence: it decides
  // A component the release does not have, and one it has that was not measured.
  c = claims();
  c.measurements.push_back({"rootkit", digest("x")});
  EXPECT_EQ(run(c).check, "measurement.rootkit");
  c = claims();
  c.measurements.pop_back();
  EXPECT_EQ(run(c).check, "measurement.app");
  c.measurements.clear();
  EXPECT_EQ(run(c).check, "measurement.none");
}

TEST_F(AttestationRules, NoReferenceValuesFailsClosed) {
  auto c = claims();
  releases.clear();
  auto a = run(c);
  EXPECT_EQ(a.status, Tier::kWarning);
  EXPECT_EQ(a.check, "reference.unavailable");
}

TEST_F(AttestationRules, NotOemBootedIsAWarning) {
  auto c = claims();
  c.oemboot = false;
  auto a = run(c);
  EXPECT_EQ(a.status, Tier::kWarning);
  EXPECT_EQ(a.check, "claim.oemboot");
}

TEST_F(AttestationRules, TheEarCarriesTheDecision) {
  auto c = claims();
  c.measurements[0].sha256 = digest("evil");
  auto a = run(c);
  auto r = to_ear(a, "SN-1", nonce, kNow);
  auto j = r.to_json();
  const auto& sub = j["submods"]["device"];
  EXPECT_EQ(sub["ear.status"], "contraindicated");
  EXPECT_EQ(sub["ear.gatehouse.check"], "measurement.boot");
  EXPECT_EQ(sub["ear.trustworthiness-vector"]["executables"], 96);
  EXPECT_EQ(sub["ear.appraisal-policy-id"], kPolicyId);
  EXPECT_EQ(j["eat_profile"], "tag:github.com,2023:veraison/ear");
}

}  // namespace
}  // namespace gh::proto::attest

namespace gh::proto::attest {
namespace {

// A device whose manufacturer certified no attestation key: nothing it sends is its evidence.
TEST_F(AttestationRules, AnUnknownKeyIsRefused) {
  device.attestation_key = crypto::PublicKey();
  auto a = run(claims());
  EXPECT_EQ(a.status, Tier::kContraindicated);
  EXPECT_EQ(a.check, "evidence.key") << a.reason;
  EXPECT_FALSE(a.authentic);
}

}  // namespace
}  // namespace gh::proto::attest
