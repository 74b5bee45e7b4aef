// Reading what other BRSKI implementations send (RFC 8995 asks more than some give): a CMS that
// carries no certificates when TLS already named its signer, a pledge CMS that carries its leaf
// alone (the MASA completes the chain from the issuing CAs it runs), a base64 body, an IDevID
// without the MASA URL extension when the site names the MASA. Each is read, noted, and no
// weaker: the signature and the chain still decide.
#include <gtest/gtest.h>

#include "brski_fixture.h"
#include "crypto/cms.h"
#include "proto/check.h"
#include "proto/masa.h"
#include "proto/pledge.h"
#include "proto/registrar.h"

namespace gh::proto::testing {
namespace {

bool noted(const std::vector<std::string>& notes, const std::string& what) {
  for (const auto& n : notes)
    if (n.find(what) != std::string::npos) return true;
  return false;
}

class BrskiLenient : public BrskiEngines {
 protected:
  // The pledge's request content, re-signed as another implementation would.
  Json pvr_json(Pledge& pledge) const {
    Bytes pvr = pledge.voucher_request(registrar_tls(), kNow).value();
    return codec::verify_voucher_artifact(pvr, {root_.cert}).value().json;
  }
  Bytes sign_leaf_only(const Json& j) const {
    return codec::sign_voucher_artifact(j, idevid_.cert, idevid_.key, {idevid_.cert}).value();
  }
  Bytes sign_without_certs(const Json& j) const {
    return crypto::cms_sign(to_bytes(j.dump()), idevid_.cert, idevid_.key, {},
                            crypto::CmsSignOptions{false, crypto::kOidData, true})
        .value();
  }
  Masa masa_with_cas() const {
    std::string declaration = declaration_;
    std::string idevid = idevid_.cert.pem();
    return Masa(
        MasaConfig{root_.cert, masa_signer_, 20 * 60, {idevid_ca_.cert}},
        [declaration, idevid](const std::string& serial) -> Result<std::optional<MasaDevice>> {
          if (serial != kSerial) return std::optional<MasaDevice>();
          return std::optional<MasaDevice>(MasaDevice{serial, declaration, idevid});
        });
  }
};

TEST_F(BrskiLenient, APledgeCmsWithItsLeafAloneIsCompletedByTheMasa) {
  Pledge pledge(idevid_, {root_.cert});
  Bytes pvr = sign_leaf_only(pvr_json(pledge));
  Registrar registrar(registrar_);
  auto p = registrar.check_pledge_request(pvr, idevid_.full_chain(), {{root_.cert, ""}});
  ASSERT_TRUE(p.ok()) << p.error().str();
  Bytes rvr = registrar.registrar_request(*p, kNow).value();
  // Without the issuing CA the chain cannot be built: refused, as before.
  MasaDecision strict = masa().request_voucher(rvr, registrar_tls(), kNow);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(std::string(check_name(*strict.refused)), check_name(Check::kPvrSignature));
  // The MASA that runs the issuing CA completes it.
  MasaDecision d = masa_with_cas().request_voucher(rvr, registrar_tls(), kNow);
  ASSERT_TRUE(d.ok()) << check_name(*d.refused) << ": " << d.reason;
  EXPECT_TRUE(noted(d.notes, "chain was completed")) << ::testing::PrintToString(d.notes);
}

TEST_F(BrskiLenient, ACmsWithoutCertificatesIsVerifiedWithTheCertificateTlsAuthenticated) {
  Pledge pledge(idevid_, {root_.cert});
  Json j = pvr_json(pledge);
  Bytes pvr = sign_without_certs(j);
  Registrar registrar(registrar_);
  auto p = registrar.check_pledge_request(pvr, idevid_.full_chain(), {{root_.cert, ""}});
  ASSERT_TRUE(p.ok()) << p.error().str();
  EXPECT_TRUE(noted(p->notes, "no signer certificate")) << ::testing::PrintToString(p->notes);
  EXPECT_TRUE(noted(p->notes, "id-data"));
  // Another device's TLS identity does not make it verify: the signature decides.
  pki::Identity other = issue(&idevid_ca_, [](const crypto::PublicKey& k) {
    return pki::idevid("Acme", "m", kSerial, k, std::string("masa.example"), std::nullopt);
  });
  auto forged = registrar.check_pledge_request(pvr, other.full_chain(), {{root_.cert, ""}});
  ASSERT_FALSE(forged.ok());
  // The MASA knows the IDevID it issued for the serial.
  Bytes rvr = registrar.registrar_request(*p, kNow).value();
  MasaDecision d = masa_with_cas().request_voucher(rvr, registrar_tls(), kNow);
  ASSERT_TRUE(d.ok()) << check_name(*d.refused) << ": " << d.reason;
}

TEST_F(BrskiLenient, ABase64BodyIsReadAndNoted) {
  Pledge pledge(idevid_, {root_.cert});
  Bytes pvr = pledge.voucher_request(registrar_tls(), kNow).value();
  Bytes b64 = to_bytes(base64_encode(pvr));
  Registrar registrar(registrar_);
  auto p = registrar.check_pledge_request(b64, idevid_.full_chain(), {{root_.cert, ""}});
  ASSERT_TRUE(p.ok()) << p.error().str();
  EXPECT_TRUE(p->base64_body);
  EXPECT_TRUE(noted(p->notes, "not binary CMS"));
  auto binary = registrar.check_pledge_request(pvr, idevid_.full_chain(), {{root_.cert, ""}});
  ASSERT_TRUE(binary.ok());
  EXPECT_FALSE(binary->base64_body);
  EXPECT_TRUE(binary->notes.empty()) << ::testing::PrintToString(binary->notes);
  // The MASA reads a base64 registrar request too.
  Bytes rvr = registrar.registrar_request(*p, kNow).value();
  MasaDecision d = masa().request_voucher(to_bytes(base64_encode(rvr)), registrar_tls(), kNow);
  ASSERT_TRUE(d.ok()) << d.reason;
  EXPECT_TRUE(noted(d.notes, "not binary CMS"));
}

TEST_F(BrskiLenient, AnIdevidWithoutAMasaUrlUsesTheOneTheSiteConfigured) {
  pki::Identity bare = issue(&idevid_ca_, [](const crypto::PublicKey& k) {
    return pki::idevid("Acme", "m", kSerial, k, std::nullopt, std::nullopt);
  });
  Pledge pledge(bare, {root_.cert});
  Bytes pvr = pledge.voucher_request(registrar_tls(), kNow).value();
  Registrar registrar(registrar_);
  auto none = registrar.check_pledge_request(pvr, bare.full_chain(), {{root_.cert, ""}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, check_name(Check::kIdevidMasaUrl));
  auto p = registrar.check_pledge_request(pvr, bare.full_chain(),
                                          {{root_.cert, "masa.acme.example:9443"}});
  ASSERT_TRUE(p.ok()) << p.error().str();
  EXPECT_EQ(p->masa_url, "https://masa.acme.example:9443/.well-known/brski");
  EXPECT_TRUE(noted(p->notes, "no MASA URL"));
  // A MASA URL the IDevID carries stands over the configured one.
  Pledge usual(idevid_, {root_.cert});
  auto q = registrar.check_pledge_request(usual.voucher_request(registrar_tls(), kNow).value(),
                                          idevid_.full_chain(), {{root_.cert, "other.example"}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->masa_url, "https://masa.example/.well-known/brski");
}

}  // namespace
}  // namespace gh::proto::testing
