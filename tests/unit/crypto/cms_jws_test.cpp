#include <gtest/gtest.h>
#include <openssl/cms.h>

#include <algorithm>

#include "crypto/cms.h"
#include "crypto/jws.h"
#include "pki/profiles.h"
#include "test_util.h"

namespace gh::crypto {
namespace {

struct Signer {
  pki::Identity root, signer;
  Signer() {
    auto rk = *PrivateKey::generate(Curve::kP256);
    root = {
        *issue_certificate(pki::manufacturer_root("Acme", rk.public_key()), nullptr, rk), rk, {}};
    auto sk = *PrivateKey::generate(Curve::kP256);
    signer = {
        *root.issue(pki::signer("Acme", "MASA voucher signer", sk.public_key())), sk, {root.cert}};
  }
};

TEST(Cms, AttachedSignatureVerifiesAndReturnsContent) {
  Signer s;
  Bytes content = to_bytes(R"({"ietf-voucher:voucher":{"serial-number":"SN-1"}})");
  auto der = cms_sign(content, s.signer.cert, s.signer.key, s.signer.full_chain(),
                      CmsSignOptions{false, kOidAnimaJsonVoucher});
  ASSERT_TRUE(der.ok()) << der.error().str();
  auto v = cms_verify(*der, {s.root.cert}, nullptr);
  ASSERT_TRUE(v.ok()) << v.error().str();
  EXPECT_EQ(v->content, content);
  EXPECT_EQ(v->content_type, kOidAnimaJsonVoucher);
  EXPECT_TRUE(v->signer == s.signer.cert);
  // PEM armour and base64 both read back.
  EXPECT_EQ(*cms_from_any(to_bytes(cms_to_pem(*der))), *der);
  EXPECT_EQ(*cms_from_any(to_bytes(base64_encode(*der))), *der);
}

TEST(Cms, RefusesWrongAnchorTamperingAndGarbage) {
  Signer s, other;
  Bytes content = to_bytes("hello");
  auto der = *cms_sign(content, s.signer.cert, s.signer.key, s.signer.full_chain());
  ASSERT_REFUSED(cms_verify(der, {other.root.cert}, nullptr), "cms.verify");
  // Change one byte of the content inside the message.
  Bytes tampered = der;
  auto pos = std::search(tampered.begin(), tampered.end(), content.begin(), content.end());
  ASSERT_NE(pos, tampered.end());
  *pos ^= 0x20;
  ASSERT_REFUSED(cms_verify(tampered, {s.root.cert}, nullptr), "cms.verify");
  ASSERT_REFUSED(cms_verify(to_bytes("garbage"), {s.root.cert}, nullptr), "cms.parse");
  ASSERT_REFUSED(cms_verify({}, {s.root.cert}, nullptr), "cms.parse");
  Bytes truncated(der.begin(), der.begin() + static_cast<long>(der.size() / 2));
  ASSERT_REFUSED(cms_verify(truncated, {s.root.cert}, nullptr), "cms.parse");
}

TEST(Cms, SignatureOnlyModeStillChecksTheSignature) {
  Signer s, other;
  Bytes content = to_bytes("pledge request");
  auto der = *cms_sign(content, s.signer.cert, s.signer.key, s.signer.full_chain());
  CmsVerifyOptions only;
  only.signer_already_verified = true;
  // The chain is the caller's business here: an unrelated anchor does not matter...
  auto v = cms_verify(der, {other.root.cert}, nullptr, only);
  ASSERT_TRUE(v.ok()) << v.error().str();
  EXPECT_TRUE(v->signer == s.signer.cert);
  // ...but the signature still does.
  Bytes tampered = der;
  auto pos = std::search(tampered.begin(), tampered.end(), content.begin(), content.end());
  ASSERT_NE(pos, tampered.end());
  *pos ^= 0x20;
  ASSERT_REFUSED(cms_verify(tampered, {}, nullptr, only), "cms.verify");
}

TEST(Cms, DetachedSignatureNeedsTheExactContent) {
  Signer s;
  Bytes mud = to_bytes(R"({"ietf-mud:mud":{}})");
  auto sig = cms_sign(mud, s.signer.cert, s.signer.key, s.signer.full_chain(),
                      CmsSignOptions{true, kOidData});
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(cms_verify(*sig, {s.root.cert}, &mud).ok());
  Bytes changed = mud;
  changed[3] ^= 1;
  ASSERT_REFUSED(cms_verify(*sig, {s.root.cert}, &changed), "cms.verify");
  ASSERT_REFUSED(cms_verify(*sig, {s.root.cert}, nullptr), "cms.content");
}

// A signer one level below an intermediate: the message must carry the intermediate for the chain
// to reach the root.
struct DeepSigner {
  pki::Identity root, ca, signer;
  DeepSigner() {
    auto rk = *PrivateKey::generate(Curve::kP256);
    root = {
        *issue_certificate(pki::manufacturer_root("Acme", rk.public_key()), nullptr, rk), rk, {}};
    auto ck = *PrivateKey::generate(Curve::kP256);
    ca = {*root.issue(pki::idevid_issuing_ca("Acme", ck.public_key())), ck, {root.cert}};
    auto sk = *PrivateKey::generate(Curve::kP256);
    signer = {*ca.issue(pki::signer("Acme", "device", sk.public_key())), sk, {ca.cert}};
  }
};

TEST(Cms, CarriedCertificatesBuildTheChainAndComeBackInOrder) {
  DeepSigner s;
  Bytes content = to_bytes("voucher-request");
  auto der = *cms_sign(content, s.signer.cert, s.signer.key, {s.signer.cert, s.ca.cert});
  // Twice: the second time every certificate comes from the parsed-certificate cache.
  for (int round = 0; round < 2; ++round) {
    auto v = cms_verify(der, {s.root.cert}, nullptr);
    ASSERT_TRUE(v.ok()) << v.error().str();
    ASSERT_EQ(v->certificates.size(), 2u);
    EXPECT_TRUE(v->certificates[0] == s.signer.cert);
    EXPECT_TRUE(v->certificates[1] == s.ca.cert);
    EXPECT_TRUE(v->signer == s.signer.cert);
    EXPECT_EQ(v->content, content);
    auto u = cms_parse_unverified(der);
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->certificates.size(), 2u);
  }
  // Without the intermediate the chain cannot be built.
  auto bare = *cms_sign(content, s.signer.cert, s.signer.key, {s.signer.cert});
  ASSERT_REFUSED(cms_verify(bare, {s.root.cert}, nullptr), "cms.verify");
  // Trailing bytes after the message are refused.
  Bytes trailing = der;
  trailing.push_back(0);
  ASSERT_REFUSED(cms_verify(trailing, {s.root.cert}, nullptr), "cms.parse");
}

TEST(Cms, BerIndefiniteLengthMessageStillVerifies) {
  // OpenSSL's streaming output (indefinite lengths) is read whole, not through the DER split.
  DeepSigner s;
  Bytes content = to_bytes("streamed");
  auto in = BIO_new_mem_buf(content.data(), static_cast<int>(content.size()));
  STACK_OF(X509)* extra = sk_X509_new_null();
  sk_X509_push(extra, s.ca.cert.raw());
  unsigned flags = CMS_BINARY | CMS_STREAM;
  CMS_ContentInfo* cms = CMS_sign(s.signer.cert.raw(), s.signer.key.raw(), extra, in, flags);
  ASSERT_NE(cms, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  ASSERT_EQ(i2d_CMS_bio_stream(out, cms, in, static_cast<int>(flags)), 1);
  char* p = nullptr;
  long n = BIO_get_mem_data(out, &p);
  Bytes ber(p, p + n);
  BIO_free(out);
  BIO_free(in);
  CMS_ContentInfo_free(cms);
  sk_X509_free(extra);
  ASSERT_GT(ber.size(), 2u);
  EXPECT_EQ(ber[1], 0x80);  // indefinite length
  auto v = cms_verify(ber, {s.root.cert}, nullptr);
  ASSERT_TRUE(v.ok()) << v.error().str();
  EXPECT_EQ(v->content, content);
  EXPECT_EQ(v->certificates.size(), 2u);
}

TEST(Cms, CertsOnlyRoundTripKeepsOrder) {
  DeepSigner s;
  auto der = certs_only_encode({s.signer.cert, s.ca.cert, s.root.cert});
  ASSERT_TRUE(der.ok());
  for (int round = 0; round < 2; ++round) {
    auto back = certs_only_decode(*der);
    ASSERT_TRUE(back.ok()) << back.error().str();
    ASSERT_EQ(back->size(), 3u);
    EXPECT_TRUE((*back)[0] == s.signer.cert);
    EXPECT_TRUE((*back)[1] == s.ca.cert);
    EXPECT_TRUE((*back)[2] == s.root.cert);
  }
  ASSERT_REFUSED(certs_only_decode(to_bytes("garbage")), "est.certs-only");
  Bytes truncated(der->begin(), der->begin() + static_cast<long>(der->size() - 10));
  ASSERT_REFUSED(certs_only_decode(truncated), "est.certs-only");
}

TEST(Jws, CompactSignVerifyAndRefusals) {
  auto key = *PrivateKey::generate(Curve::kP256);
  auto jws = jws_sign_compact(Json{{"typ", "test"}}, to_bytes(R"({"a":1})"), key);
  ASSERT_TRUE(jws.ok());
  auto v = jws_verify_compact(*jws, key.public_key());
  ASSERT_TRUE(v.ok()) << v.error().str();
  EXPECT_EQ(v->header["alg"], "ES256");
  EXPECT_EQ(to_string(v->payload), R"({"a":1})");
  auto other = *PrivateKey::generate(Curve::kP256);
  ASSERT_REFUSED(jws_verify_compact(*jws, other.public_key()), "jws.signature");
  auto p384 = *PrivateKey::generate(Curve::kP384);
  ASSERT_REFUSED(jws_verify_compact(*jws, p384.public_key()), "jws.alg");
  // alg "none" with the signature stripped is refused.
  std::string none = base64url_encode(to_bytes(R"({"alg":"none"})")) + "." +
                     base64url_encode(to_bytes("{}")) + ".";
  ASSERT_REFUSED(jws_verify_compact(none, key.public_key()), "jws.alg");
  ASSERT_REFUSED(jws_parse_compact("a.b"), "jws.format");
  ASSERT_REFUSED(jws_parse_compact("a.b.c.d"), "jws.format");
  // Changing the payload breaks the signature.
  std::string tampered = *jws;
  size_t dot = tampered.find('.');
  tampered[dot + 2] = tampered[dot + 2] == 'A' ? 'B' : 'A';
  ASSERT_REFUSED(jws_verify_compact(tampered, key.public_key()), "jws.signature");
}

TEST(Jws, X5cCarriesTheChain) {
  Signer s;
  Json h = x5c_header(s.signer.full_chain());
  auto chain = x5c_chain(Json{{"x5c", h}});
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_TRUE((*chain)[0] == s.signer.cert);
  ASSERT_REFUSED(x5c_chain(Json::object()), "jws.x5c");
  ASSERT_REFUSED(x5c_chain(Json{{"x5c", {"!!"}}}), "encoding.base64");
}

}  // namespace
}  // namespace gh::crypto
