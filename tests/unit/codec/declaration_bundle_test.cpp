#include <gtest/gtest.h>

#include "codec/bundle.h"
#include "codec/declaration.h"
#include "codec/mud_file.h"
#include "codec/qr.h"
#include "pki/profiles.h"
#include "test_util.h"

namespace gh::codec {
namespace {
using crypto::Curve;
using crypto::PrivateKey;

struct Manufacturer {
  pki::Identity root, signer;
  explicit Manufacturer(const std::string& name) {
    auto rk = *PrivateKey::generate(Curve::kP256);
    root = {*crypto::issue_certificate(pki::manufacturer_root(name, rk.public_key()), nullptr, rk),
            rk,
            {}};
    auto sk = *PrivateKey::generate(Curve::kP256);
    signer = {
        *root.issue(pki::signer(name, "declaration signer", sk.public_key())), sk, {root.cert}};
  }
};

DeviceInformationDeclaration sample(const Manufacturer& m) {
  DeviceInformationDeclaration d;
  d.serial = "SN-1";
  d.model = "th-100";
  d.manufacturer = "Acme";
  d.owner = party_of("Acme", m.root.cert);
  d.version = 3;
  d.issued_at = time::from_civil(2026, 11, 1);
  return d;
}

TEST(Declaration, SignedVerifiedAndParsed) {
  Manufacturer m("Acme");
  auto d = sample(m);
  auto onboarder = *PrivateKey::generate(Curve::kP256);
  auto onboarder_ca = *crypto::issue_certificate(
      pki::domain_ca("Integrator", onboarder.public_key()), nullptr, onboarder);
  d.authorized_onboarders.push_back(party_of("Integrator", onboarder_ca));
  auto jws = sign_declaration(d, m.signer.full_chain(), m.signer.key);
  ASSERT_TRUE(jws.ok());
  auto v = verify_declaration(*jws, {m.root.cert});
  ASSERT_TRUE(v.ok()) << v.error().str();
  EXPECT_EQ(v->declaration.serial, "SN-1");
  EXPECT_EQ(v->declaration.version, 3);
  EXPECT_EQ(v->declaration.issued_at, d.issued_at);
  EXPECT_TRUE(v->declaration.may_onboard(m.root.cert.public_key().spki_sha256()));
  EXPECT_TRUE(v->declaration.may_onboard(onboarder_ca.public_key().spki_sha256()));
  auto stranger = *PrivateKey::generate(Curve::kP256);
  EXPECT_FALSE(v->declaration.may_onboard(stranger.public_key().spki_sha256()));
}

TEST(Declaration, RefusesOtherManufacturerAndTampering) {
  Manufacturer m("Acme"), evil("Evil");
  auto jws = *sign_declaration(sample(m), m.signer.full_chain(), m.signer.key);
  ASSERT_REFUSED(verify_declaration(jws, {evil.root.cert}), "declaration.signer");
  // Re-sign the same claims with a key the x5c chain does not certify.
  auto forged = *sign_declaration(sample(m), m.signer.full_chain(), evil.signer.key);
  ASSERT_REFUSED(verify_declaration(forged, {m.root.cert}), "declaration.signature");
  ASSERT_REFUSED(verify_declaration("x.y.z", {m.root.cert}), "encoding.base64");
}

TEST(Bundle, SignedAndVerifiedWithoutPrivateKeys) {
  Manufacturer m("Acme");
  BootstrappingBundle b;
  b.manufacturer = "Acme";
  b.created_at = time::now();
  b.owner = party_of("Acme", m.root.cert);
  b.manufacturer_root_pem = m.root.cert.pem();
  b.devices.push_back({"SN-1", "th-100", "PEM", "DPP:K:x;;", "",
                       *sign_declaration(sample(m), m.signer.full_chain(), m.signer.key)});
  auto pem = sign_bundle(b, m.signer.cert, m.signer.key, m.signer.full_chain());
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->find("PRIVATE KEY"), std::string::npos);
  auto v = verify_bundle(to_bytes(*pem), {m.root.cert});
  ASSERT_TRUE(v.ok()) << v.error().str();
  ASSERT_EQ(v->bundle.devices.size(), 1u);
  EXPECT_EQ(v->bundle.devices[0].serial, "SN-1");
  auto root = bundle_embedded_root(to_bytes(*pem));
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(*root == m.root.cert);
  Manufacturer other("Other");
  ASSERT_REFUSED(verify_bundle(to_bytes(*pem), {other.root.cert}), "bundle.signature");
  // Break one base64 character in the middle of the PEM body.
  std::string broken = *pem;
  size_t mid = broken.size() / 2;
  while (broken[mid] == '\n') ++mid;
  broken[mid] = broken[mid] == 'A' ? 'B' : 'A';
  ASSERT_REFUSED(verify_bundle(to_bytes(broken), {m.root.cert}), "bundle.signature");
}

TEST(MudFile, StructuralChecksNameThePath) {
  std::string good = R"({"ietf-mud:mud":{"mud-version":1,"mud-url":"https://m.example/a.json",
    "last-update":"2026-01-01T00:00:00Z","cache-validity":48,"is-supported":true,"systeminfo":"x"}})";
  auto s = check_mud_file(good);
  ASSERT_TRUE(s.ok()) << s.error().str();
  EXPECT_EQ(s->mud_url, "https://m.example/a.json");
  ASSERT_REFUSED(check_mud_file("not json"), "mud.json");
  ASSERT_REFUSED(check_mud_file("{}"), "mud.structure");
  std::string http = good;
  http.replace(http.find("https"), 5, "http");
  ASSERT_REFUSED(check_mud_file(http), "mud.url");
  std::string cache = good;
  cache.replace(cache.find("48"), 2, "500");
  ASSERT_REFUSED(check_mud_file(cache), "mud.cache-validity");
}

TEST(Qr, WritesAValidPngHeader) {
  auto png = qr_png("DPP:K:abc;;");
  ASSERT_TRUE(png.ok());
  ASSERT_GT(png->size(), 60u);
  EXPECT_EQ((*png)[0], 0x89);
  EXPECT_EQ(std::string(png->begin() + 1, png->begin() + 4), "PNG");
  EXPECT_EQ(std::string(png->begin() + 12, png->begin() + 16), "IHDR");
  EXPECT_EQ(std::string(png->end() - 8, png->end() - 4), "IEND");
}

}  // namespace
}  // namespace gh::codec
