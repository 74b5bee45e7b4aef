// CBOR (RFC 8949 appendix A examples), COSE_Sign1, EAT claims, CoRIM reference values and EAR.
#include <gtest/gtest.h>

#include "codec/cbor.h"
#include "codec/corim.h"
#include "codec/cose.h"
#include "codec/ear.h"
#include "codec/eat.h"
#include "common/encoding.h"
#include "common/fs.h"
#include "crypto/digest.h"
#include "pki/profiles.h"
#include "test_util.h"

namespace gh::codec {
namespace {

Bytes hex(const char* h) {
  return *hex_decode(h);
}

Cbor decode(const char* h) {
  auto r = cbor_decode(hex(h), "t");
  EXPECT_TRUE(r.ok()) << h << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Cbor();
}

// RFC 8949 appendix A: encoding and diagnostic notation pairs.
TEST(Cbor, Rfc8949AppendixA) {
  struct Case {
    const char* hex;
    const char* diag;
  } cases[] = {
      {"00", "0"},
      {"17", "23"},
      {"1818", "24"},
      {"1903e8", "1000"},
      {"1b000000e8d4a51000", "1000000000000"},
      {"1bffffffffffffffff", "18446744073709551615"},
      {"3bffffffffffffffff", "-18446744073709551616"},
      {"20", "-1"},
      {"3903e7", "-1000"},
      {"f4", "false"},
      {"f6", "null"},
      {"f7", "undefined"},
      {"c074323031332d30332d32315432303a30343a30305a", "0(\"2013-03-21T20:04:00Z\")"},
      {"d240", "18(h'')"},  // one-byte tag heads 6..20 (libcbor 0.8 refuses them itself)
      {"d4f6", "20(null)"},
      {"d83dd240", "61(18(h''))"},
      {"4401020304", "h'01020304'"},
      {"6449455446", "\"IETF\""},
      {"62225c", "\"\\\"\\\\\""},
      {"83010203", "[1, 2, 3]"},
      {"8301820203820405", "[1, [2, 3], [4, 5]]"},
      {"a201020304", "{1: 2, 3: 4}"},
      {"a26161016162820203", "{\"a\": 1, \"b\": [2, 3]}"},
      {"5f42010243030405ff", "h'0102030405'"},          // indefinite byte string
      {"7f657374726561646d696e67ff", "\"streaming\""},  // indefinite text
      {"9f018202039f0405ffff", "[1, [2, 3], [4, 5]]"},  // indefinite arrays
      {"bf61610161629f0203ffff", "{\"a\": 1, \"b\": [2, 3]}"},
  };
  for (const auto& c : cases) EXPECT_EQ(decode(c.hex).diag(), c.diag) << c.hex;
}

TEST(Cbor, EncodesPreferredSerializationAndRoundTrips) {
  for (const char* h : {"00", "1818", "1903e8", "3903e7", "83010203", "a26161016162820203",
                        "c074323031332d30332d32315432303a30343a30305a", "f5"}) {
    EXPECT_EQ(hex_encode(cbor_encode(decode(h))), h);
  }
  // An indefinite-length input re-encodes with definite lengths.
  EXPECT_EQ(hex_encode(cbor_encode(decode("9f018202039f0405ffff"))), "8301820203820405");
  EXPECT_EQ(Cbor::integer(-7).diag(), "-7");
  EXPECT_EQ(hex_encode(cbor_encode(Cbor::integer(-7))), "26");
}

TEST(Cbor, RefusesMalformedAndOversizedInput) {
  ASSERT_REFUSED(cbor_decode(hex("1b0000"), "t"), "t.cbor");        // truncated
  ASSERT_REFUSED(cbor_decode(hex("0000"), "t"), "t.cbor");          // trailing item
  ASSERT_REFUSED(cbor_decode(hex("a2010201"), "t"), "t.cbor");      // map short of a value
  ASSERT_REFUSED(cbor_decode(hex("a201020103"), "t"), "t.cbor");    // duplicate key
  ASSERT_REFUSED(cbor_decode(hex("62c328"), "t"), "t.cbor");        // text not UTF-8
  ASSERT_REFUSED(cbor_decode(hex("ff"), "t"), "t.cbor");            // stray break
  ASSERT_REFUSED(cbor_decode(hex("9affffffff00"), "t"), "t.size");  // 4G items claimed
  ASSERT_REFUSED(cbor_decode(hex("9903e800"), "t"), "t.cbor");      // 1000 items in 1 byte
  ASSERT_REFUSED(cbor_decode(hex("5f41016102ff"), "t"), "t.cbor");  // text chunk in bytes
  Bytes deep(40, 0x81);
  deep.push_back(0x00);
  ASSERT_REFUSED(cbor_decode(deep, "t"), "t.size");
  Bytes many{0x99, 0x27, 0x10};  // an array of 10000 zeros
  many.resize(3 + 10000, 0x00);
  ASSERT_REFUSED(cbor_decode(many, "t", {64 * 1024, 16, 4096}), "t.size");
  ASSERT_REFUSED(cbor_decode(Bytes(70000, 0), "t"), "t.size");
}

struct Keys {
  crypto::PrivateKey device = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  crypto::PrivateKey other = *crypto::PrivateKey::generate(crypto::Curve::kP256);
};

TEST(Cose, Sign1VerifiesAndRefusesTampering) {
  Keys k;
  auto signed_ = *cose::sign1(Cbor::map(), Cbor::map(), to_bytes("payload"), k.device);
  auto s = *cose::parse_sign1(signed_, "t");
  EXPECT_EQ(s.tags, std::vector<uint64_t>{cose::kTagSign1});
  EXPECT_EQ(s.protected_header.diag(), "{1: -7}");
  EXPECT_TRUE(cose::verify_sign1(s, k.device.public_key(), "t").ok());
  ASSERT_REFUSED(cose::verify_sign1(s, k.other.public_key(), "t"), "t.signature");
  auto p384 = *crypto::PrivateKey::generate(crypto::Curve::kP384);
  ASSERT_REFUSED(cose::verify_sign1(s, p384.public_key(), "t"), "t.alg");
  s.payload = to_bytes("payloaD");
  ASSERT_REFUSED(cose::verify_sign1(s, k.device.public_key(), "t"), "t.signature");
  // Not a COSE_Sign1: wrong tag, wrong arity.
  ASSERT_REFUSED(cose::parse_sign1(hex("d1840000f640"), "t"), "t.cose");
  ASSERT_REFUSED(cose::parse_sign1(hex("d283404040"), "t"), "t.cose");
}

eat::Claims sample_claims() {
  eat::Claims c;
  c.nonce = Bytes(40, 0x42);
  c.ueid = hex("02aabbccddeeff");
  c.oemid = hex("0a0b0c");
  c.hwmodel = "th-100";
  c.swname = "gatehouse-demo-firmware";
  c.swversion = "1.0.0";
  c.oemboot = true;
  c.dbgstat = 3;
  c.iat = 1700000000;
  c.profile = eat::kProfileUri;
  c.measurements = {{"boot", crypto::sha256(std::string_view("b"))},
                    {"os", crypto::sha256(std::string_view("o"))}};
  c.measurement_versions = {"1.0.0", "1.0.0"};
  return c;
}

TEST(Eat, ClaimsRoundTripThroughASignedCwt) {
  Keys k;
  auto token = *eat::sign(sample_claims(), k.device);
  EXPECT_EQ(token[0], 0xd8);  // tag 61: CWT
  EXPECT_EQ(token[1], 61);
  auto s = *cose::parse_sign1(token, "evidence");
  EXPECT_EQ(s.tags, (std::vector<uint64_t>{cose::kTagCwt, cose::kTagSign1}));
  ASSERT_TRUE(cose::verify_sign1(s, k.device.public_key(), "evidence").ok());
  auto c = *eat::read_claims(s.payload);
  EXPECT_EQ(c.nonce, Bytes(40, 0x42));
  EXPECT_EQ(c.hwmodel, "th-100");
  EXPECT_EQ(c.swversion, "1.0.0");
  EXPECT_EQ(c.dbgstat, 3);
  EXPECT_EQ(c.oemboot, true);
  ASSERT_EQ(c.measurements.size(), 2u);
  EXPECT_EQ(c.measurements[1].component, "os");
  EXPECT_EQ(c.measurements[1].sha256, crypto::sha256(std::string_view("o")));
  // The claims map uses RFC 9711's keys.
  auto m = *cbor_decode(s.payload, "t");
  EXPECT_NE(m.find(10), nullptr);
  EXPECT_NE(m.find(256), nullptr);
  EXPECT_NE(m.find(273), nullptr);
}

TEST(Eat, RefusesMalformedClaims) {
  auto with = [](int64_t key, Cbor v) {
    Cbor m = sample_claims().to_cbor();
    for (auto& [k, val] : m.entries())
      if (k.as_int() == key) val = v;
    return cbor_encode(m);
  };
  ASSERT_REFUSED(eat::read_claims(with(10, Cbor::bytes(Bytes(4, 1)))), "eat.claim");
  ASSERT_REFUSED(eat::read_claims(with(263, Cbor::integer(9))), "eat.claim");
  // hwmodel is a bstr; read as text only when it is UTF-8 (it goes into messages and JSON).
  ASSERT_REFUSED(eat::read_claims(with(259, Cbor::bytes({0xff, 0xfe}))), "eat.claim");
  ASSERT_REFUSED(eat::read_claims(with(256, Cbor::text("x"))), "eat.claim");
  ASSERT_REFUSED(eat::read_claims(with(273, Cbor::array({Cbor::integer(1)}))), "eat.claim");
  ASSERT_REFUSED(eat::read_claims(cbor_encode(Cbor::array())), "eat.cbor");
  Cbor no_nonce = Cbor::map();
  no_nonce.set(256, Cbor::bytes(hex("02aabbccddeeff")));
  ASSERT_REFUSED(eat::read_claims(cbor_encode(no_nonce)), "eat.claim");
}

struct Pki {
  crypto::PrivateKey root_key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  crypto::Certificate root = *crypto::issue_certificate(
      pki::manufacturer_root("Acme", root_key.public_key()), nullptr, root_key);
  crypto::PrivateKey signer_key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  crypto::Certificate signer = *crypto::issue_certificate(
      pki::signer("Acme", "Reference value signer", signer_key.public_key()), &root, root_key);
};

TEST(Corim, SignedReferenceValuesVerifyAndReadBack) {
  Pki p;
  corim::ReferenceValues rv{"acme/th-100/1.0.0",
                            "Acme",
                            "th-100",
                            "1.0.0",
                            {{"boot", Bytes(32, 1)}, {"os", Bytes(32, 2)}, {"app", Bytes(32, 3)}}};
  auto signed_ = *corim::sign_corim(rv, p.signer_key, {p.signer});
  auto v = corim::verify_corim(signed_, {p.root}, time::now());
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(v->releases.size(), 1u);
  EXPECT_EQ(v->releases[0].model, "th-100");
  EXPECT_EQ(v->releases[0].vendor, "Acme");
  EXPECT_EQ(v->releases[0].version, "1.0.0");
  EXPECT_EQ(v->releases[0].components, rv.components);
  // The draft's shapes: tag 18 outside, content type, tag 501 payload holding a 506 CoMID.
  auto s = *cose::parse_sign1(signed_, "t");
  EXPECT_EQ(s.protected_header.find(3)->as_text(), "application/rim+cbor");
  ASSERT_NE(s.protected_header.find(8), nullptr);
  auto payload = *cbor_decode(s.payload, "t");
  EXPECT_EQ(payload.tag_number(), 501u);
  EXPECT_EQ(payload.tag_content().find(1)->items()[0].tag_number(), 506u);
  // Another root, a tampered payload: refused.
  Pki other;
  ASSERT_REFUSED(corim::verify_corim(signed_, {other.root}, time::now()), "corim.signer");
  Bytes tampered = signed_;
  tampered[tampered.size() - 70] ^= 1;
  auto t = corim::verify_corim(tampered, {p.root}, time::now());
  ASSERT_FALSE(t.ok());
}

TEST(Ear, TiersFollowAr4si) {
  using ear::Tier;
  EXPECT_EQ(ear::tier_of(0), Tier::kNone);
  EXPECT_EQ(ear::tier_of(-1), Tier::kNone);
  EXPECT_EQ(ear::tier_of(2), Tier::kAffirming);
  EXPECT_EQ(ear::tier_of(-32), Tier::kAffirming);
  EXPECT_EQ(ear::tier_of(31), Tier::kAffirming);
  EXPECT_EQ(ear::tier_of(32), Tier::kWarning);
  EXPECT_EQ(ear::tier_of(-96), Tier::kWarning);
  EXPECT_EQ(ear::tier_of(95), Tier::kWarning);
  EXPECT_EQ(ear::tier_of(96), Tier::kContraindicated);
  EXPECT_EQ(ear::tier_of(99), Tier::kContraindicated);
  EXPECT_EQ(ear::tier_of(-97), Tier::kContraindicated);
  ear::TrustVector v;
  v.instance_identity = 2;
  v.executables = 33;
  EXPECT_EQ(v.status(), Tier::kWarning);
  v.configuration = 96;
  EXPECT_EQ(v.status(), Tier::kContraindicated);
  EXPECT_EQ(v.to_json().dump(), R"({"configuration":96,"executables":33,"instance-identity":2})");
}

TEST(Ear, SignedResultVerifies) {
  Keys k;
  ear::Result r;
  r.iat = 1700000000;
  r.status = ear::Tier::kAffirming;
  r.vector.instance_identity = 2;
  r.policy_id = "p";
  r.nonce = Bytes(40, 7);
  r.serial = "SN-1";
  r.check = "ok";
  auto jwt = *ear::sign(r, k.device);
  auto back = ear::verify(jwt, k.device.public_key());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->status, ear::Tier::kAffirming);
  EXPECT_EQ(back->vector.instance_identity, 2);
  EXPECT_EQ(back->nonce, Bytes(40, 7));
  EXPECT_EQ(back->serial, "SN-1");
  EXPECT_FALSE(ear::verify(jwt, k.other.public_key()).ok());
}

}  // namespace
}  // namespace gh::codec

namespace gh::codec {
namespace {

Bytes vector_file(const std::string& name) {
  auto text = fs::read_file(std::string(GH_VECTORS_DIR) + "/" + name);
  EXPECT_TRUE(text.ok()) << name;
  return text.ok() ? to_bytes(*text) : Bytes();
}

crypto::PublicKey jwk_p256(const char* x, const char* y) {
  Bytes point{0x04};
  for (const char* c : {x, y}) {
    auto b = *base64url_decode(c);
    point.insert(point.end(), b.begin(), b.end());
  }
  return *crypto::PublicKey::from_point(crypto::Curve::kP256, point);
}

// Decode vectors from Veraison's CoRIM library (tests/vectors/corim/README.md): CBOR that another
// implementation wrote, with keys in another order, UUID and anonymous measurement keys.
TEST(CorimVectors, VeraisonCorimsRead) {
  auto one = corim::read_corim(vector_file("corim/corim-1.cbor"));
  ASSERT_TRUE(one.ok()) << one.error().message;
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].vendor, "ACME Inc.");
  EXPECT_EQ((*one)[0].model, "ACME RoadRunner");
  EXPECT_EQ((*one)[0].version, "1.0.0");
  EXPECT_EQ((*one)[0].id, "3f06af63a93c11e4979700505690773f");
  ASSERT_EQ((*one)[0].components.size(), 1u);
  EXPECT_EQ((*one)[0].components[0].component, "");  // anonymous
  EXPECT_EQ(hex_encode((*one)[0].components[0].sha256),
            "44aa336af4cb14a879432e53dd6571c7fa9bccafb75f488259262d6ea3a4d91b");

  auto good = corim::read_corim(vector_file("corim/unsigned-good-corim.cbor"));
  ASSERT_TRUE(good.ok()) << good.error().message;
  ASSERT_EQ(good->size(), 1u);
  EXPECT_EQ((*good)[0].model, "RoadRunner");
  ASSERT_EQ((*good)[0].components.size(), 3u);
  EXPECT_EQ((*good)[0].components[0].component, "uuid:31fb5abf023e4992aa4e95f9c1503bfa");
  EXPECT_EQ(hex_encode((*good)[0].components[2].sha256),
            "a3a5e715f0cc574a73c3f9bebb6bc24f32ffd5b67b387244c2c909da779a1478");

  // The signed one verifies with the key Veraison signed it with, and carries the same values.
  Bytes signed_bytes = vector_file("corim/signed-good-corim.cbor");
  auto s = cose::parse_sign1(signed_bytes, "corim");
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto key = jwk_p256("MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
                      "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM");
  EXPECT_TRUE(cose::verify_sign1(*s, key, "corim").ok());
  auto from_signed = corim::read_corim(signed_bytes);
  ASSERT_TRUE(from_signed.ok());
  EXPECT_EQ((*from_signed)[0].components, (*good)[0].components);
  // No x5chain: our verify_corim cannot chain it to an anchor, and says so.
  ASSERT_REFUSED(corim::verify_corim(signed_bytes, {}, time::now()), "corim.x5chain");
}

// EAR tokens Veraison's library wrote (tests/vectors/ear/README.md).
TEST(EarVectors, VeraisonResultsVerify) {
  auto key = jwk_p256("usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8",
                      "IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4");
  auto r = ear::verify(to_string(vector_file("ear/veraison-arc-tv.jwt")), key);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, ear::Tier::kAffirming);
  EXPECT_EQ(r->submod, "test");
  EXPECT_EQ(r->vector.executables, 3);
  EXPECT_EQ(r->vector.sourced_data, 2);
  EXPECT_EQ(r->policy_id, "https://veraison.example/policy/1/60a0068d");
  EXPECT_EQ(r->verifier_build, "rrtrap-v1.0.0");
  auto ext = ear::verify(to_string(vector_file("ear/veraison-verify-extensions.jwt")), key);
  ASSERT_TRUE(ext.ok()) << ext.error().message;
  EXPECT_EQ(ext->status, ear::Tier::kAffirming);
  EXPECT_EQ(ext->policy_id, "policy://test/01234");
  auto other = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  EXPECT_FALSE(
      ear::verify(to_string(vector_file("ear/veraison-arc-tv.jwt")), other.public_key()).ok());
}

}  // namespace
}  // namespace gh::codec
