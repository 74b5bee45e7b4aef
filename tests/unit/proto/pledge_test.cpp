// The pledge engine at a chosen time: a voucher's expires-on is judged against the caller's now
// (RFC 8995 5.6.1), to the second.
#include "proto/pledge.h"

#include <gtest/gtest.h>

#include "brski_fixture.h"
#include "proto/check.h"

namespace gh::proto::testing {
namespace {

class PledgeTest : public BrskiEngines {
 protected:
  // A pledge that has sent its request, and a voucher for it from the MASA signer that expires
  // at expires_on.
  struct Requested {
    Pledge pledge;
    Bytes voucher;
  };
  Requested requested(time::Seconds expires_on) {
    Requested r{Pledge(idevid_, {root_.cert}), {}};
    Bytes pvr = r.pledge.voucher_request(registrar_tls(), kNow).value();
    auto sent = codec::VoucherRequest::from_json(
                    codec::verify_voucher_artifact(pvr, {root_.cert}).value().json)
                    .value();
    codec::Voucher v;
    v.created_on = expires_on - 3600;
    v.expires_on = expires_on;
    v.assertion = "proximity";
    v.serial_number = kSerial;
    v.pinned_domain_cert = domain_ca_.cert.der();
    v.nonce = sent.nonce;
    r.voucher = codec::sign_voucher_artifact(v.to_json(), masa_signer_.cert, masa_signer_.key,
                                             {masa_signer_.cert})
                    .value();
    return r;
  }
};

TEST_F(PledgeTest, AcceptsAVoucherUpToItsExpiry) {
  auto r = requested(kNow + 60);
  Status st = r.pledge.accept_voucher(r.voucher, kNow + 60);
  ASSERT_TRUE(st.ok()) << st.error().str();
  EXPECT_EQ(r.pledge.state(), Pledge::State::kVoucherAccepted);
  ASSERT_TRUE(r.pledge.voucher().expires_on.has_value());
  EXPECT_EQ(*r.pledge.voucher().expires_on, kNow + 60);
}

TEST_F(PledgeTest, RefusesAVoucherExpiredAtTheGivenTime) {
  auto r = requested(kNow + 60);
  Status st = r.pledge.accept_voucher(r.voucher, kNow + 61);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "voucher.expired");
  EXPECT_EQ(st.error().code, check_name(Check::kVoucherExpired));
  EXPECT_EQ(r.pledge.state(), Pledge::State::kFailed);
}

// The wall clock plays no part: a voucher that expired long before the test runs is accepted at
// a now before its expiry, and one that expires in 2030 is refused at a now after that.
TEST_F(PledgeTest, ExpiryIsJudgedOnlyAgainstTheGivenTime) {
  const time::Seconds past = 1000000000;  // 2001-09-09
  auto old = requested(past);
  Status st = old.pledge.accept_voucher(old.voucher, past - 1);
  EXPECT_TRUE(st.ok()) << st.error().str();
  auto r = requested(kNow);
  Status late = r.pledge.accept_voucher(r.voucher, kNow + 1);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "voucher.expired");
}

// The whole engine path at one chosen time: pledge, registrar and MASA agree on a voucher the
// pledge accepts.
TEST_F(PledgeTest, AcceptsTheMasaVoucherRelayedByTheRegistrar) {
  Pledge pledge(idevid_, {root_.cert});
  MasaDecision d = masa().request_voucher(honest_request(pledge), registrar_tls(), kNow);
  ASSERT_TRUE(d.ok()) << check_name(*d.refused) << ": " << d.reason;
  Status st = pledge.accept_voucher(d.voucher, kNow);
  ASSERT_TRUE(st.ok()) << st.error().str();
  EXPECT_EQ(pledge.voucher().created_on, kNow);
  EXPECT_EQ(pledge.domain_ca().der(), domain_ca_.cert.der());
}

}  // namespace
}  // namespace gh::proto::testing
