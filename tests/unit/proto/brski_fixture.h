// A manufacturer and a site in memory for the BRSKI engine tests: the manufacturer root with its
// IDevID CA, MASA voucher signer and declaration signer; one device with its declaration; the
// site's domain CA and registrar. Nothing touches files, sockets or the clock beyond certificate
// validity (issued now, valid for years).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec/declaration.h"
#include "codec/voucher.h"
#include "pki/profiles.h"
#include "proto/masa.h"
#include "proto/pledge.h"
#include "proto/registrar.h"

namespace gh::proto::testing {

inline pki::Identity issue(const pki::Identity* issuer,
                           crypto::CertificateTemplate (*make)(const crypto::PublicKey&)) {
  auto key = crypto::PrivateKey::generate(crypto::Curve::kP256).value();
  auto tmpl = make(key.public_key());
  auto cert =
      issuer ? issuer->issue(tmpl).value() : crypto::issue_certificate(tmpl, nullptr, key).value();
  std::vector<crypto::Certificate> chain;
  if (issuer) {
    chain.push_back(issuer->cert);
    for (const auto& c : issuer->chain) chain.push_back(c);
  }
  return pki::Identity{cert, key, chain};
}

class BrskiEngines : public ::testing::Test {
 protected:
  static constexpr const char* kSerial = "ACME-0001";
  // A chosen time, far from the wall clock, so a result that reads the clock would show it.
  static constexpr time::Seconds kNow = 1900000000;  // 2030-03-17T17:46:40Z

  void SetUp() override {
    root_ = issue(nullptr,
                  [](const crypto::PublicKey& k) { return pki::manufacturer_root("Acme", k); });
    root_.chain.clear();
    idevid_ca_ =
        issue(&root_, [](const crypto::PublicKey& k) { return pki::idevid_issuing_ca("Acme", k); });
    masa_signer_ = issue(&root_, [](const crypto::PublicKey& k) {
      return pki::signer("Acme", "MASA voucher signer", k);
    });
    declaration_signer_ = issue(&root_, [](const crypto::PublicKey& k) {
      return pki::signer("Acme", "declaration signer", k);
    });
    idevid_ = issue(&idevid_ca_, [](const crypto::PublicKey& k) {
      return pki::idevid("Acme", "m", kSerial, k, std::string("masa.example"), std::nullopt);
    });
    idevid_.chain = {idevid_ca_.cert};  // as the device sends it: without the root
    domain_ca_ =
        issue(nullptr, [](const crypto::PublicKey& k) { return pki::domain_ca("Site A", k); });
    registrar_ = issue(&domain_ca_, [](const crypto::PublicKey& k) {
      return pki::registrar("Site A", {"localhost"}, k);
    });
    declaration_ = declaration_for(domain_ca_.cert);
  }

  // The device's declaration naming owner as its owner.
  std::string declaration_for(const crypto::Certificate& owner) const {
    codec::DeviceInformationDeclaration d;
    d.serial = kSerial;
    d.model = "m";
    d.manufacturer = "Acme";
    d.owner = codec::party_of("owner", owner);
    d.issued_at = kNow - 86400;
    return codec::sign_declaration(d, declaration_signer_.full_chain(), declaration_signer_.key)
        .value();
  }

  Masa masa() const {
    std::string declaration = declaration_;
    return Masa(MasaConfig{root_.cert, masa_signer_, 20 * 60},
                [declaration](const std::string& serial) -> Result<std::optional<MasaDevice>> {
                  if (serial != kSerial) return std::optional<MasaDevice>();
                  return std::optional<MasaDevice>(MasaDevice{serial, declaration});
                });
  }

  // The registrar's TLS chain as the pledge and the MASA see it.
  std::vector<crypto::Certificate> registrar_tls() const { return {registrar_.cert}; }

  // A pledge voucher-request signed with the IDevID; the Pledge engine's own unless fields are
  // to be chosen.
  Bytes pledge_request(const codec::VoucherRequest& pvr) const {
    return codec::sign_voucher_artifact(pvr.to_json(), idevid_.cert, idevid_.key,
                                        idevid_.full_chain())
        .value();
  }
  // The registrar voucher-request around a pledge request, signed by signer (the registrar).
  Bytes registrar_request(const Bytes& pvr_cms, const std::string& nonce,
                          const pki::Identity* signer = nullptr) const {
    const pki::Identity& s = signer ? *signer : registrar_;
    codec::VoucherRequest rvr;
    rvr.created_on = kNow;
    rvr.nonce = nonce;
    rvr.assertion = "proximity";
    rvr.serial_number = kSerial;
    rvr.idevid_issuer = idevid_.cert.authority_key_id();
    rvr.prior_signed_voucher_request = pvr_cms;
    return codec::sign_voucher_artifact(rvr.to_json(), s.cert, s.key, s.full_chain()).value();
  }
  // The whole honest path up to the MASA: the Pledge engine's request, checked and wrapped by
  // the Registrar engine.
  Bytes honest_request(Pledge& pledge) const {
    Bytes pvr = pledge.voucher_request(registrar_tls(), kNow).value();
    Registrar registrar(registrar_);
    auto p = registrar.check_pledge_request(pvr, idevid_.full_chain(), {{root_.cert, ""}});
    EXPECT_TRUE(p.ok()) << p.error().str();
    return registrar.registrar_request(*p, kNow).value();
  }

  pki::Identity root_, idevid_ca_, masa_signer_, declaration_signer_, idevid_;
  pki::Identity domain_ca_, registrar_;
  std::string declaration_;
};

}  // namespace gh::proto::testing
