// May the site serve a device: the one check the registrar, the DPP configurator and the router
// share (standing first, then the authorization policy, whose rule is named).
#include "svc/site/admission.h"

#include <gtest/gtest.h>

#include "common/fs.h"
#include "test_util.h"

namespace gh::svc {
namespace {

store::DeviceRecord device(const std::string& state) {
  store::DeviceRecord d;
  d.serial = "SN-1";
  d.model = "th-100";
  d.manufacturer = "Acme";
  d.state = state;
  return d;
}

TEST(Admission, OnboardingIsRefusedToADeviceTheSiteTookOut) {
  for (const char* state : {"revoked", "decommissioned", "quarantined"}) {
    ServeVerdict v = standing(device(state), Service::kOnboard);
    EXPECT_FALSE(v.allowed) << state;
    EXPECT_EQ(v.check, "policy.state") << state;
    EXPECT_EQ(v.reason, std::string("SN-1 is ") + state);
  }
  for (const char* state : {"expected", "onboarding", "onboarded"})
    EXPECT_TRUE(standing(device(state), Service::kOnboard).allowed) << state;
}

TEST(Admission, ConnectingNeedsAnOnboardedDevice) {
  EXPECT_TRUE(standing(device("onboarded"), Service::kConnect).allowed);
  for (const char* state : {"expected", "onboarding", "quarantined", "revoked"}) {
    ServeVerdict v = standing(device(state), Service::kConnect);
    EXPECT_FALSE(v.allowed) << state;
    EXPECT_EQ(v.check, std::string("device.") + state);
  }
}

TEST(Admission, ThePolicyDecidesAfterStandingAndNamesItsRule) {
  std::string dir = gh::testing::make_temp_dir("gh-admission");
  ASSERT_TRUE(fs::write_file_atomic(PolicyStore::path(dir), R"(
default: {action: allow, segment: general}
rules:
  - name: no-thermostats
    match: {model: th-*, protocol: brski}
    action: deny
)")
                  .ok());
  PolicyStore policy(dir);
  store::DeviceRecord d = device("expected");
  ServeVerdict brski = may_serve(d, Service::kOnboard, subject_for(d, "brski"), policy, nullptr);
  EXPECT_FALSE(brski.allowed);
  EXPECT_EQ(brski.check, "policy.denied");
  EXPECT_EQ(brski.reason, "SN-1 is denied by policy rule 'no-thermostats'");
  ServeVerdict dpp = may_serve(d, Service::kOnboard, subject_for(d, "dpp"), policy, nullptr);
  EXPECT_TRUE(dpp.allowed);
  EXPECT_EQ(dpp.decision.segment, "general");
  // Standing is checked first: a quarantined device is refused by state, not by a rule.
  d.state = "quarantined";
  EXPECT_EQ(may_serve(d, Service::kOnboard, subject_for(d, "dpp"), policy, nullptr).check,
            "policy.state");
  (void)fs::remove_all(dir);
}

}  // namespace
}  // namespace gh::svc
