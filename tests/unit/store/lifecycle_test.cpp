// The lifecycle state machine: every transition names the states it may start from and who may
// cause it; the SQLite inventory enforces it in the transaction that makes the change.
#include "store/lifecycle.h"

#include <gtest/gtest.h>

#include "common/fs.h"
#include "store/inventory.h"
#include "test_util.h"

namespace gh::store {
namespace {

TEST(Lifecycle, EveryTransitionHasItsRule) {
  for (auto t :
       {Transition::kVoucherIssued, Transition::kLdevidIssued, Transition::kReenrolled,
        Transition::kEnrollConfirmed, Transition::kDppCredential, Transition::kDppConfigured,
        Transition::kQuarantine, Transition::kRelease, Transition::kRevoke,
        Transition::kRenewalRequested, Transition::kRenewalConfirmed, Transition::kMaintenanceBegin,
        Transition::kMaintenanceEnd, Transition::kUnsupported, Transition::kDecommission,
        Transition::kTransfer, Transition::kRepurpose, Transition::kRetire, Transition::kReturned})
    EXPECT_EQ(rule_for(t).transition, t);
}

TEST(Lifecycle, OnlyTheEntitledActorFromTheListedStates) {
  EXPECT_TRUE(check_transition(Transition::kEnrollConfirmed, Actor::kDevice, "S", "enrolled").ok());
  auto quarantined =
      check_transition(Transition::kEnrollConfirmed, Actor::kDevice, "S", "quarantined");
  ASSERT_FALSE(quarantined.ok());
  EXPECT_EQ(quarantined.error().code, "lifecycle.state");
  auto device_release = check_transition(Transition::kRelease, Actor::kDevice, "S", "quarantined");
  ASSERT_FALSE(device_release.ok());
  EXPECT_EQ(device_release.error().code, "lifecycle.actor");
  auto revoked_voucher =
      check_transition(Transition::kVoucherIssued, Actor::kRegistrar, "S", "revoked");
  ASSERT_FALSE(revoked_voucher.ok());
  EXPECT_EQ(revoked_voucher.error().code, "lifecycle.state");
  // The verifier may quarantine and revoke on failing evidence; only a person releases.
  EXPECT_TRUE(check_transition(Transition::kQuarantine, Actor::kVerifier, "S", "onboarded").ok());
  EXPECT_TRUE(check_transition(Transition::kRevoke, Actor::kVerifier, "S", "quarantined").ok());
  auto verifier_release =
      check_transition(Transition::kRelease, Actor::kVerifier, "S", "quarantined");
  ASSERT_FALSE(verifier_release.ok());
  EXPECT_EQ(verifier_release.error().code, "lifecycle.actor");
  EXPECT_EQ(state_after(Transition::kReenrolled, "quarantined"), "quarantined");
  EXPECT_EQ(state_after(Transition::kRelease, "quarantined"), "onboarded");
  // No device report leaves quarantine, revocation or decommissioning (confirming its renewed
  // LDevID keeps the state it is in).
  for (const auto& r : lifecycle_rules()) {
    if (std::find(r.by.begin(), r.by.end(), Actor::kDevice) == r.by.end() || r.to.empty()) continue;
    for (const char* s : {"quarantined", "revoked", "decommissioned"}) {
      EXPECT_EQ(std::find(r.from.begin(), r.from.end(), s), r.from.end()) << r.name << " " << s;
    }
  }
}

class LifecycleStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = gh::testing::make_temp_dir("gh-lifecycle");
    inv_ = std::move(*open_sqlite_inventory(dir_ + "/inv.db"));
    DeviceRecord r{"SN-1", "m", "Acme", "expected", "PEM", "", "", "jws", 1, "b1", 1};
    ASSERT_TRUE(inv_->import_devices({r}, "b1", ev("bundle.import")).ok());
  }
  void TearDown() override { (void)fs::remove_all(dir_); }
  static Event ev(const std::string& kind) { return Event{0, 0, "SN-1", kind, "ok", "", "{}"}; }
  std::string state() { return (*inv_->get("SN-1"))->state; }
  size_t events() { return inv_->events("SN-1")->size(); }
  std::string dir_;
  std::unique_ptr<Inventory> inv_;
};

TEST_F(LifecycleStoreTest, ARefusedTransitionIsRecordedAndChangesNothing) {
  size_t before = events();
  auto st = inv_->transition("SN-1", Transition::kEnrollConfirmed, Actor::kDevice,
                             ev("brski.enroll-status"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "lifecycle.state");
  EXPECT_EQ(state(), "expected");
  ASSERT_EQ(events(), before + 1);
  auto last = inv_->events("SN-1")->back();
  EXPECT_EQ(last.outcome, "refused");
  EXPECT_EQ(last.reason, "lifecycle.state");
  EXPECT_EQ(last.kind, "brski.enroll-status");
  // The LDevID of a device with no voucher is refused: no credential is recorded.
  auto ld = inv_->record_ldevid("SN-1", "PEM", "0a", 2000000000, Transition::kLdevidIssued,
                                Actor::kRegistrar, ev("est.simpleenroll"));
  ASSERT_FALSE(ld.ok());
  EXPECT_EQ(ld.error().code, "lifecycle.state");
  EXPECT_TRUE(inv_->credentials("SN-1")->empty());
}

TEST_F(LifecycleStoreTest, TheWholeOnboardingThenQuarantineAndRelease) {
  ASSERT_TRUE(inv_->record_voucher("SN-1", "v", ev("brski.voucher")).ok());
  EXPECT_EQ(state(), "voucher-issued");
  ASSERT_TRUE(inv_->record_ldevid("SN-1", "PEM", "0a", 2000000000, Transition::kLdevidIssued,
                                  Actor::kRegistrar, ev("est.simpleenroll"))
                  .ok());
  EXPECT_EQ(state(), "enrolled");
  ASSERT_TRUE(
      inv_->transition("SN-1", Transition::kEnrollConfirmed, Actor::kDevice, ev("enroll")).ok());
  EXPECT_EQ(state(), "onboarded");
  ASSERT_TRUE(
      inv_->transition("SN-1", Transition::kQuarantine, Actor::kOperator, ev("quarantine")).ok());
  EXPECT_EQ(state(), "quarantined");
  // Renewal keeps the quarantine.
  ASSERT_TRUE(inv_->record_ldevid("SN-1", "PEM", "0b", 2000000000, Transition::kReenrolled,
                                  Actor::kRegistrar, ev("est.simplereenroll"))
                  .ok());
  EXPECT_EQ(state(), "quarantined");
  auto self = inv_->transition("SN-1", Transition::kRelease, Actor::kDevice, ev("release"));
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, "lifecycle.actor");
  EXPECT_EQ(state(), "quarantined");
  ASSERT_TRUE(inv_->transition("SN-1", Transition::kRelease, Actor::kOperator, ev("release")).ok());
  EXPECT_EQ(state(), "onboarded");
  ASSERT_TRUE(inv_->revoke("SN-1", Actor::kOperator, ev("device.revoke")).ok());
  auto twice = inv_->revoke("SN-1", Actor::kOperator, ev("device.revoke"));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "lifecycle.state");
  auto back = inv_->record_voucher("SN-1", "v2", ev("brski.voucher"));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, "lifecycle.state");
  EXPECT_EQ(state(), "revoked");
}

// A renewal: the new certificate waits (pending, not in the CRL) while the current one stays
// active; the device's confirmation swaps them in one transaction and the old one is listed.
TEST_F(LifecycleStoreTest, ARenewalIsPendingUntilTheDeviceConfirmsIt) {
  ASSERT_TRUE(inv_->record_voucher("SN-1", "v", ev("brski.voucher")).ok());
  ASSERT_TRUE(inv_->record_ldevid("SN-1", "PEM-A", "0a", 2000000000, Transition::kLdevidIssued,
                                  Actor::kRegistrar, ev("est.simpleenroll"))
                  .ok());
  ASSERT_TRUE(
      inv_->transition("SN-1", Transition::kEnrollConfirmed, Actor::kDevice, ev("enroll")).ok());
  ASSERT_TRUE(inv_->request_renewal("SN-1", "rekey", ev("ldevid.renew-requested")).ok());
  EXPECT_EQ((*inv_->get("SN-1"))->renewal, "rekey");
  ASSERT_TRUE(inv_->record_ldevid("SN-1", "PEM-B", "0b", 2000000000, Transition::kReenrolled,
                                  Actor::kRegistrar, ev("est.simplereenroll"))
                  .ok());
  EXPECT_EQ((*inv_->credential("0a"))->status, "active");
  EXPECT_EQ((*inv_->credential("0b"))->status, "pending");
  EXPECT_EQ((*inv_->get("SN-1"))->ldevid_serial, "0a");
  EXPECT_TRUE(inv_->ended_credentials(0)->empty());
  // A second renewal before the first was confirmed supersedes the first, not the current one.
  ASSERT_TRUE(inv_->record_ldevid("SN-1", "PEM-C", "0c", 2000000000, Transition::kReenrolled,
                                  Actor::kRegistrar, ev("est.simplereenroll"))
                  .ok());
  EXPECT_EQ((*inv_->credential("0b"))->status, "superseded");
  EXPECT_EQ((*inv_->credential("0a"))->status, "active");
  auto stale = inv_->confirm_renewal("SN-1", "0b", ev("ldevid.renew-confirmed"));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, "renew.credential");
  ASSERT_TRUE(inv_->confirm_renewal("SN-1", "0c", ev("ldevid.renew-confirmed")).ok());
  auto d = *inv_->get("SN-1");
  EXPECT_EQ(d->ldevid_serial, "0c");
  EXPECT_EQ(d->ldevid_pem, "PEM-C");
  EXPECT_EQ(d->renewal, "");
  EXPECT_EQ(d->state, "onboarded");
  EXPECT_EQ((*inv_->credential("0a"))->status, "superseded");
  auto ended = *inv_->ended_credentials(0);
  ASSERT_EQ(ended.size(), 2u);
  // Decommissioning revokes the current one and any renewal in flight.
  ASSERT_TRUE(inv_->record_ldevid("SN-1", "PEM-D", "0d", 2000000000, Transition::kReenrolled,
                                  Actor::kRegistrar, ev("est.simplereenroll"))
                  .ok());
  ASSERT_TRUE(
      inv_->revoke("SN-1", Actor::kOperator, ev("device.decommission"), Transition::kDecommission)
          .ok());
  EXPECT_EQ(state(), "decommissioned");
  EXPECT_EQ((*inv_->credential("0c"))->status, "revoked");
  EXPECT_EQ((*inv_->credential("0d"))->status, "revoked");
}

// IR 8350 Figure 6 after onboarding: maintenance of both kinds, unsupported, decommissioned,
// repurposed (back to expected), sold on (transferred), back under a newer declaration, retired.
TEST_F(LifecycleStoreTest, TheLifeAfterOnboarding) {
  ASSERT_TRUE(inv_->record_voucher("SN-1", "v", ev("brski.voucher")).ok());
  ASSERT_TRUE(inv_->record_ldevid("SN-1", "PEM", "0a", 2000000000, Transition::kLdevidIssued,
                                  Actor::kRegistrar, ev("est.simpleenroll"))
                  .ok());
  ASSERT_TRUE(
      inv_->transition("SN-1", Transition::kEnrollConfirmed, Actor::kDevice, ev("enroll")).ok());
  EXPECT_EQ(lifecycle_phase(state(), ""), "commissioned");
  EXPECT_EQ(lifecycle_phase(state(), "operational"), "operational");
  EXPECT_EQ(lifecycle_phase("enrolled", ""), "onboarding");
  auto kind = inv_->begin_maintenance("SN-1", "coffee", ev("maintenance.begin"));
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.error().code, "maintenance.kind");
  ASSERT_TRUE(inv_->begin_maintenance("SN-1", "other-maintenance", ev("maintenance.begin")).ok());
  EXPECT_EQ(state(), "other-maintenance");
  EXPECT_TRUE(in_service(state()));
  ASSERT_TRUE(
      inv_->transition("SN-1", Transition::kMaintenanceEnd, Actor::kOperator, ev("maintenance.end"))
          .ok());
  ASSERT_TRUE(inv_->transition("SN-1", Transition::kUnsupported, Actor::kMudManager,
                               ev("device.unsupported"))
                  .ok());
  EXPECT_EQ(state(), "unsupported");
  EXPECT_TRUE(in_service(state()));
  ASSERT_TRUE(
      inv_->revoke("SN-1", Actor::kOperator, ev("device.decommission"), Transition::kDecommission)
          .ok());
  EXPECT_FALSE(in_service(state()));
  // A decommissioned device does not onboard again until the operator repurposes it.
  auto voucher = inv_->record_voucher("SN-1", "v2", ev("brski.voucher"));
  ASSERT_FALSE(voucher.ok());
  EXPECT_EQ(voucher.error().code, "lifecycle.state");
  ASSERT_TRUE(
      inv_->transition("SN-1", Transition::kRepurpose, Actor::kOperator, ev("repurpose")).ok());
  EXPECT_EQ(state(), "expected");
  ASSERT_TRUE(inv_->record_voucher("SN-1", "v2", ev("brski.voucher")).ok());
  // Sold on: transferred; a bundle with an older declaration changes nothing, a newer one (the
  // device came back to this owner) makes it expected again.
  ASSERT_TRUE(
      inv_->revoke("SN-1", Actor::kOperator, ev("device.transferred"), Transition::kTransfer).ok());
  EXPECT_EQ(state(), "transferred");
  DeviceRecord same{"SN-1", "m", "Acme", "expected", "PEM", "", "", "jws", 1, "b1", 1};
  ASSERT_TRUE(inv_->import_devices({same}, "b1", ev("bundle.import")).ok());
  EXPECT_EQ(state(), "transferred");
  DeviceRecord newer{"SN-1", "m", "Acme", "expected", "PEM", "", "", "jws2", 2, "b2", 2};
  ASSERT_TRUE(inv_->import_devices({newer}, "b2", ev("bundle.import")).ok());
  EXPECT_EQ(state(), "expected");
  ASSERT_TRUE(inv_->transition("SN-1", Transition::kRetire, Actor::kOperator, ev("retire")).ok());
  EXPECT_EQ(state(), "end-of-life");
  for (auto t : {Transition::kRepurpose, Transition::kQuarantine, Transition::kReturned}) {
    auto st = inv_->transition("SN-1", t, Actor::kOperator, ev("after-the-end"));
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "lifecycle.state");
  }
  EXPECT_EQ(state(), "end-of-life");
}

TEST_F(LifecycleStoreTest, AnUnknownDeviceIsNamed) {
  auto st = inv_->transition("SN-9", Transition::kQuarantine, Actor::kOperator, ev("q"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "inventory.unknown");
}

}  // namespace
}  // namespace gh::store
