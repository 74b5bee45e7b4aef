#include "crypto/x509.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "common/fs.h"
#include "common/process.h"
#include "pki/profiles.h"
#include "test_util.h"

namespace gh::crypto {
namespace {

struct Pki {
  pki::Identity root, ca;
  Pki() {
    auto rk = *PrivateKey::generate(Curve::kP384);
    root = {
        *issue_certificate(pki::manufacturer_root("Acme", rk.public_key()), nullptr, rk), rk, {}};
    auto ck = *PrivateKey::generate(Curve::kP256);
    ca = {*root.issue(pki::idevid_issuing_ca("Acme", ck.public_key())), ck, {root.cert}};
  }
};

TEST(X509, IdevidCarriesTheBirthCertificateProfile) {
  Pki p;
  auto dk = *PrivateKey::generate(Curve::kP256);
  auto cert = p.ca.issue(pki::idevid("Acme", "th-100", "SN-1", dk.public_key(),
                                     std::string("https://masa.acme.example"),
                                     std::string("https://mud.acme.example/th-100.json")));
  ASSERT_TRUE(cert.ok()) << cert.error().str();
  EXPECT_EQ(cert->serial_number_attr(), "SN-1");
  EXPECT_EQ(cert->masa_url(), "https://masa.acme.example");
  EXPECT_EQ(cert->mud_url(), "https://mud.acme.example/th-100.json");
  EXPECT_EQ(cert->not_after(), kNotAfterForever);
  EXPECT_EQ(time::format_rfc3339(cert->not_after()), "9999-12-31T23:59:59Z");
  EXPECT_FALSE(cert->is_ca());
  EXPECT_TRUE(cert->public_key() == dk.public_key());
  EXPECT_FALSE(cert->subject_key_id().empty());
  EXPECT_EQ(cert->authority_key_id(), p.ca.cert.subject_key_id());
  EXPECT_TRUE(verify_chain(*cert, {p.ca.cert}, {p.root.cert}).ok());
  // PEM and DER round trips keep the certificate identical.
  EXPECT_TRUE(*Certificate::from_pem(cert->pem()) == *cert);
  EXPECT_TRUE(*Certificate::from_der(cert->der()) == *cert);
}

TEST(X509, RegistrarCarriesCmcRa) {
  auto k = *PrivateKey::generate(Curve::kP256);
  auto ca = *issue_certificate(pki::domain_ca("Site", k.public_key()), nullptr, k);
  auto rk = *PrivateKey::generate(Curve::kP256);
  auto reg = issue_certificate(pki::registrar("Site", {"registrar.site"}, rk.public_key()), &ca, k);
  ASSERT_TRUE(reg.ok());
  EXPECT_TRUE(reg->has_eku(kOidCmcRa));
  EXPECT_EQ(reg->dns_names(), std::vector<std::string>{"registrar.site"});
  EXPECT_TRUE(ca.is_ca());
  EXPECT_TRUE(ca.self_signed());
  EXPECT_FALSE(reg->self_signed());
}

TEST(X509, ChainVerificationNamesTheCertificateThatFailed) {
  Pki p, other;
  auto dk = *PrivateKey::generate(Curve::kP256);
  auto leaf =
      *p.ca.issue(pki::idevid("Acme", "m", "SN-2", dk.public_key(), std::nullopt, std::nullopt));
  // Unknown anchor: the issuer of the top certificate cannot be found.
  auto st = verify_chain(leaf, {p.ca.cert}, {other.root.cert});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "chain.verify");
  EXPECT_NE(st.error().message.find("certificate 1 (O=Acme, CN=Acme IDevID Issuing CA)"),
            std::string::npos)
      << st.error().message;
  // Missing intermediate.
  ASSERT_REFUSED(verify_chain(leaf, {}, {p.root.cert}), "chain.verify");
  // A leaf signed by a key that is not the issuer's.
  auto tmpl = pki::idevid("Acme", "m", "SN-3", dk.public_key(), std::nullopt, std::nullopt);
  auto forged = *issue_certificate(tmpl, &p.ca.cert, other.ca.key);
  st = verify_chain(forged, {p.ca.cert}, {p.root.cert});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "chain.verify");
  EXPECT_NE(st.error().message.find("certificate 0"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("signature"), std::string::npos) << st.error().message;
  // Checked at a time before the CA existed.
  VerifyOptions past;
  past.at = time::from_civil(2001, 1, 1);
  st = verify_chain(leaf, {p.ca.cert}, {p.root.cert}, past);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "chain.verify");
  EXPECT_NE(st.error().message.find("not yet valid"), std::string::npos) << st.error().message;
  // Without anchors nothing verifies.
  ASSERT_REFUSED(verify_chain(leaf, {p.ca.cert}, {}), "chain.anchor");
}

TEST(X509, PartialChainPinsAnIntermediate) {
  Pki p;
  auto dk = *PrivateKey::generate(Curve::kP256);
  auto leaf =
      *p.ca.issue(pki::idevid("Acme", "m", "SN-4", dk.public_key(), std::nullopt, std::nullopt));
  ASSERT_REFUSED(verify_chain(leaf, {}, {p.ca.cert}), "chain.verify");
  VerifyOptions pin;
  pin.partial_chain = true;
  EXPECT_TRUE(verify_chain(leaf, {}, {p.ca.cert}, pin).ok());
}

TEST(X509, RememberedChainsStayBoundToTheirAnchorsOptionsAndValidity) {
  Pki p, other;
  auto dk = *PrivateKey::generate(Curve::kP256);
  auto leaf =
      *p.ca.issue(pki::idevid("Acme", "m", "SN-5", dk.public_key(), std::nullopt, std::nullopt));
  ASSERT_TRUE(verify_chain(leaf, {p.ca.cert}, {p.root.cert}).ok());
  ASSERT_TRUE(verify_chain(leaf, {p.ca.cert}, {p.root.cert}).ok());  // remembered
  // A remembered success does not stand for another anchor, another chain or other options.
  ASSERT_REFUSED(verify_chain(leaf, {p.ca.cert}, {other.root.cert}), "chain.verify");
  ASSERT_REFUSED(verify_chain(leaf, {}, {p.root.cert}), "chain.verify");
  ASSERT_REFUSED(verify_chain(leaf, {}, {p.ca.cert}), "chain.verify");
  // Nor for a check at another time.
  VerifyOptions past;
  past.at = time::from_civil(2001, 1, 1);
  ASSERT_REFUSED(verify_chain(leaf, {p.ca.cert}, {p.root.cert}, past), "chain.verify");
  // And never past the validity of a certificate in the chain.
  auto sk = *PrivateKey::generate(Curve::kP256);
  auto tmpl = pki::idevid("Acme", "m", "SN-6", sk.public_key(), std::nullopt, std::nullopt);
  tmpl.not_before = time::now() - 60;
  tmpl.not_after = time::now() + 1;
  auto brief = *issue_certificate(tmpl, &p.ca.cert, p.ca.key);
  ASSERT_TRUE(verify_chain(brief, {p.ca.cert}, {p.root.cert}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  auto st = verify_chain(brief, {p.ca.cert}, {p.root.cert});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "chain.verify");
  EXPECT_NE(st.error().message.find("expired"), std::string::npos) << st.error().message;
}

TEST(Csr, ProvesPossessionAndCarriesTheSerial) {
  auto k = *PrivateKey::generate(Curve::kP256);
  auto csr = Csr::create(Name().add("CN", "th-100").add("serialNumber", "SN-9"), k);
  ASSERT_TRUE(csr.ok());
  EXPECT_TRUE(csr->verify_signature().ok());
  EXPECT_EQ(csr->subject_attr("serialNumber"), "SN-9");
  EXPECT_TRUE(csr->public_key() == k.public_key());
  auto back = Csr::from_pem(csr->pem());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->der(), csr->der());
  // Change the serial inside the signed request: it still parses, but no longer verifies.
  Bytes der = csr->der();
  Bytes sn = to_bytes("SN-9");
  auto pos = std::search(der.begin(), der.end(), sn.begin(), sn.end());
  ASSERT_NE(pos, der.end());
  pos[3] = '8';
  auto tampered = Csr::from_der(der);
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(tampered->subject_attr("serialNumber"), "SN-8");
  ASSERT_REFUSED(tampered->verify_signature(), "csr.signature");
  ASSERT_REFUSED(Csr::from_der(to_bytes("garbage")), "csr.parse");
}

TEST(Crl, ListsRevokedSerials) {
  Pki p;
  auto dk = *PrivateKey::generate(Curve::kP256);
  auto issue = [&](const char* serial) {
    return *p.ca.issue(
        pki::idevid("Acme", "m", serial, dk.public_key(), std::nullopt, std::nullopt));
  };
  Certificate revoked = issue("SN-10"), superseded = issue("SN-11"), kept = issue("SN-12");
  auto crl = issue_crl_pem(
      p.ca.cert, p.ca.key,
      {{revoked.serial_hex(), time::now()}, {superseded.serial_hex(), time::now(), 4}}, 7, 86400);
  ASSERT_TRUE(crl.ok()) << crl.error().str();
  EXPECT_EQ(crl->rfind("-----BEGIN X509 CRL-----", 0), 0u);
  // Read back with OpenSSL's own CLI (we have no CRL parser): it prints each serial in upper case.
  std::string dir = gh::testing::make_temp_dir("gh-crl");
  ASSERT_TRUE(fs::write_file_atomic(fs::join(dir, "crl.pem"), *crl).ok());
  auto text = process::run({"openssl", "crl", "-in", fs::join(dir, "crl.pem"), "-text", "-noout"});
  (void)fs::remove_all(dir);
  ASSERT_TRUE(text.ok()) << text.error().str();
  ASSERT_EQ(text->exit_status, 0);
  auto upper = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  };
  auto listed = [&](const Certificate& c) {
    return text->out.find("Serial Number: " + upper(c.serial_hex()) + "\n") != std::string::npos;
  };
  EXPECT_TRUE(listed(revoked)) << text->out;
  EXPECT_TRUE(listed(superseded)) << text->out;
  EXPECT_FALSE(listed(kept)) << text->out;
  size_t entries = 0;
  for (size_t at = text->out.find("Serial Number: "); at != std::string::npos;
       at = text->out.find("Serial Number: ", at + 1))
    ++entries;
  EXPECT_EQ(entries, 2u) << text->out;
  EXPECT_NE(text->out.find("Superseded"), std::string::npos) << text->out;
  EXPECT_NE(text->out.find("Issuer: O = Acme, CN = Acme IDevID Issuing CA"), std::string::npos)
      << text->out;
}

}  // namespace
}  // namespace gh::crypto
