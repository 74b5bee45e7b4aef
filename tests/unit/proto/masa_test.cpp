// The MASA engine driven at a chosen time: the voucher's dates come from the caller's now, and
// each refusal names its check, whose HTTP status (proto/check.h) is what the MASA answered before
// the engine stopped choosing statuses itself.
#include "proto/masa.h"

#include <gtest/gtest.h>

#include "brski_fixture.h"
#include "proto/check.h"

namespace gh::proto::testing {
namespace {

class MasaTest : public BrskiEngines {
 protected:
  codec::Voucher voucher_of(const MasaDecision& d) const {
    auto v = codec::verify_voucher_artifact(d.voucher, {root_.cert});
    EXPECT_TRUE(v.ok()) << v.error().str();
    return codec::Voucher::from_json(v->json).value();
  }
  // The refusal of body presented over tls, as check and status.
  void expect_refused(const Bytes& body, const std::vector<crypto::Certificate>& tls, Check check,
                      int status) {
    MasaDecision d = masa().request_voucher(body, tls, kNow);
    ASSERT_TRUE(d.refused.has_value()) << "issued: " << d.reason;
    EXPECT_EQ(check_name(*d.refused), std::string(check_name(check))) << d.reason;
    EXPECT_EQ(http_status(*d.refused, Responder::kMasa), status) << check_name(*d.refused);
    EXPECT_TRUE(d.voucher.empty());
  }
};

TEST_F(MasaTest, VoucherIsCreatedAtTheGivenTime) {
  Pledge pledge(idevid_, {root_.cert});
  MasaDecision d = masa().request_voucher(honest_request(pledge), registrar_tls(), kNow);
  ASSERT_TRUE(d.ok()) << check_name(*d.refused) << ": " << d.reason;
  codec::Voucher v = voucher_of(d);
  EXPECT_EQ(v.created_on, kNow);
  EXPECT_FALSE(v.expires_on.has_value());  // a nonced voucher does not expire
  EXPECT_EQ(v.serial_number, kSerial);
  EXPECT_EQ(v.pinned_domain_cert, domain_ca_.cert.der());
  EXPECT_FALSE(v.nonce.empty());
  EXPECT_EQ(v.nonce, d.nonce);
  // The same request an hour later: the time is the caller's, not the clock's.
  MasaDecision later = masa().request_voucher(honest_request(pledge), registrar_tls(), kNow + 3600);
  ASSERT_TRUE(later.ok()) << later.reason;
  EXPECT_EQ(voucher_of(later).created_on, kNow + 3600);
}

TEST_F(MasaTest, NoncelessVoucherExpiresAfterTheLifetimeFromTheGivenTime) {
  codec::VoucherRequest pvr;
  pvr.assertion = "proximity";
  pvr.serial_number = kSerial;
  pvr.proximity_registrar_cert = registrar_.cert.der();  // no nonce
  Bytes rvr = registrar_request(pledge_request(pvr), "");
  MasaDecision d = masa().request_voucher(rvr, registrar_tls(), kNow);
  ASSERT_TRUE(d.ok()) << check_name(*d.refused) << ": " << d.reason;
  codec::Voucher v = voucher_of(d);
  EXPECT_EQ(v.created_on, kNow);
  ASSERT_TRUE(v.expires_on.has_value());
  EXPECT_EQ(*v.expires_on, kNow + 20 * 60);
  EXPECT_TRUE(v.nonce.empty());
}

TEST_F(MasaTest, AuditLogIsAuthorizedForTheOwner) {
  Pledge pledge(idevid_, {root_.cert});
  MasaDecision d = masa().authorize_audit_log(honest_request(pledge), registrar_tls(), kNow);
  ASSERT_TRUE(d.ok()) << check_name(*d.refused) << ": " << d.reason;
  EXPECT_EQ(d.serial, kSerial);
  EXPECT_TRUE(d.voucher.empty());
}

// RFC 8995 5.5.1: no TLS client certificate, or one that did not sign the request: 401.
TEST_F(MasaTest, RegistrarNotAuthenticatedByTlsIs401) {
  Pledge pledge(idevid_, {root_.cert});
  Bytes rvr = honest_request(pledge);
  expect_refused(rvr, {}, Check::kRvrTlsClient, 401);
  expect_refused(rvr, {domain_ca_.cert}, Check::kRvrTlsClient, 401);
}

TEST_F(MasaTest, GarbageIs400) {
  expect_refused(to_bytes(std::string("garbage")), registrar_tls(), Check::kRvrFormat, 400);
}

// RFC 8995 5.5.3: a voucher-request signed by a certificate without id-kp-cmcRA: 403.
TEST_F(MasaTest, SignerWithoutCmcRaIs403) {
  Pledge pledge(idevid_, {root_.cert});
  Bytes pvr = pledge.voucher_request(registrar_tls(), kNow).value();
  // A domain server certificate: same domain CA, no cmcRA.
  pki::Identity server = issue(&domain_ca_, [](const crypto::PublicKey& k) {
    return pki::domain_server("Site A", {"localhost"}, k, 86400);
  });
  expect_refused(registrar_request(pvr, "n", &server), {server.cert}, Check::kRvrCmcRa, 403);
}

TEST_F(MasaTest, UnknownDeviceIs404) {
  codec::VoucherRequest rvr;
  rvr.nonce = "n";
  rvr.serial_number = "ACME-9999";
  Bytes body = codec::sign_voucher_artifact(rvr.to_json(), registrar_.cert, registrar_.key,
                                            registrar_.full_chain())
                   .value();
  expect_refused(body, registrar_tls(), Check::kMasaUnknownDevice, 404);
}

TEST_F(MasaTest, NoPriorSignedRequestIs403) {
  codec::VoucherRequest rvr;
  rvr.serial_number = kSerial;
  Bytes body = codec::sign_voucher_artifact(rvr.to_json(), registrar_.cert, registrar_.key,
                                            registrar_.full_chain())
                   .value();
  expect_refused(body, registrar_tls(), Check::kPvrMissing, 403);
}

// At the MASA a pledge request naming another registrar is 403 (at the registrar it is 401).
TEST_F(MasaTest, PledgeRequestForAnotherRegistrarIs403) {
  Pledge pledge(idevid_, {root_.cert});
  Bytes pvr = pledge.voucher_request({domain_ca_.cert}, kNow).value();
  auto nonce = codec::VoucherRequest::from_json(
                   codec::verify_voucher_artifact(pvr, {root_.cert}).value().json)
                   .value()
                   .nonce;
  expect_refused(registrar_request(pvr, nonce), registrar_tls(), Check::kPvrProximity, 403);
}

// RFC 8995 5.5.5: the registrar's nonce must be the pledge's.
TEST_F(MasaTest, NonceMismatchIs403) {
  Pledge pledge(idevid_, {root_.cert});
  Bytes pvr = pledge.voucher_request(registrar_tls(), kNow).value();
  expect_refused(registrar_request(pvr, "not-the-pledges"), registrar_tls(), Check::kRvrNonce, 403);
}

// NIST IR 8350 step 9: a domain that neither owns nor may onboard the device: 403.
TEST_F(MasaTest, DomainThatIsNotTheOwnerIs403) {
  pki::Identity other =
      issue(nullptr, [](const crypto::PublicKey& k) { return pki::domain_ca("Site B", k); });
  declaration_ = declaration_for(other.cert);
  Pledge pledge(idevid_, {root_.cert});
  expect_refused(honest_request(pledge), registrar_tls(), Check::kMasaOwnership, 403);
  // The audit log is refused the same way.
  Pledge again(idevid_, {root_.cert});
  MasaDecision d = masa().authorize_audit_log(honest_request(again), registrar_tls(), kNow);
  ASSERT_TRUE(d.refused.has_value());
  EXPECT_EQ(*d.refused, Check::kMasaOwnership);
}

}  // namespace
}  // namespace gh::proto::testing
