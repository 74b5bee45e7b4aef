// The lifecycle through the store's own API (store/lifecycle.h): each change from the states it may
// start from and by the actor that may cause it. Every refusal is recorded (one event naming the
// check) and changes nothing else.
#include <chrono>
#include <thread>

#include "attack_env.h"
#include "codec/est.h"

namespace gh::svc::attack {
namespace {

using store::Actor;
using store::Transition;

store::Event attempt(const std::string& serial) {
  return store::Event{0, 0, serial, "attack.lifecycle", "ok", "", "{}"};
}

Outcome step(AttackEnv& e, int i, Transition t, Actor by) {
  return outcome(e.site()->inventory().transition(e.serial(i), t, by, attempt(e.serial(i))));
}

Outcome new_ldevid(AttackEnv& e, int i, Transition t, Actor by) {
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto s = e.site();
  auto cert = *s->domain_ca_identity().issue(
      pki::ldevid(s->name(), e.serial(i), key.public_key(), pki::kDefaultLdevidLifetimeS));
  return outcome(s->inventory().record_ldevid(e.serial(i), cert.pem(), cert.serial_hex(),
                                              cert.not_after(), t, by, attempt(e.serial(i))));
}

// Renews device i's LDevID with current: the new certificate (pending until confirmed).
pki::Identity renewed(AttackEnv& e, int i, const pki::Identity& current) {
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto c = e.as(current);
  auto r = e.est(*c, kSimpleReenroll, AttackEnv::csr(e.serial(i), &key));
  EXPECT_EQ(r.status, 200) << r.body;
  auto certs = codec::est_parse_certs_only(r.body);
  EXPECT_TRUE(certs.ok());
  return pki::Identity{certs->at(0), key, {}};
}

Outcome end_by(AttackEnv& e, const std::string& serial, Transition t, Actor by) {
  return outcome(e.site()->inventory().revoke(serial, by, attempt(serial), t));
}

}  // namespace

std::vector<Row> lifecycle_rows() {
  using E = AttackEnv;
  auto quarantined = [](E& e) { e.quarantine(0); };
  auto revoked = [](E& e) { e.revoke(0); };
  return {
      {.name = "lifecycle.actor.device-releases-itself",
       .arrange = quarantined,
       .attack = [](E& e) { return step(e, 0, Transition::kRelease, Actor::kDevice); },
       .expect = {0, "lifecycle.actor"},
       .events = 1},
      {.name = "lifecycle.actor.router-revokes",
       .attack = [](E& e) { return step(e, 0, Transition::kRevoke, Actor::kRouter); },
       .expect = {0, "lifecycle.actor"},
       .events = 1},
      {.name = "lifecycle.actor.verifier-releases-a-quarantined-device",
       .arrange = quarantined,
       .attack = [](E& e) { return step(e, 0, Transition::kRelease, Actor::kVerifier); },
       .expect = {0, "lifecycle.actor"},
       .events = 1},
      {.name = "lifecycle.actor.registrar-quarantines",
       .attack = [](E& e) { return step(e, 0, Transition::kQuarantine, Actor::kRegistrar); },
       .expect = {0, "lifecycle.actor"},
       .events = 1},
      {.name = "lifecycle.actor.configurator-confirms-an-enrollment",
       .arrange = [](E& e) { e.enroll(*(e.stash.session = e.voucher_session(0)), 0); },
       .attack =
           [](E& e) { return step(e, 0, Transition::kEnrollConfirmed, Actor::kConfigurator); },
       .expect = {0, "lifecycle.actor"},
       .events = 1},
      {.name = "lifecycle.actor.device-issues-itself-an-ldevid",
       .arrange = [](E& e) { e.stash.session = e.voucher_session(0); },
       .attack = [](E& e) { return new_ldevid(e, 0, Transition::kLdevidIssued, Actor::kDevice); },
       .expect = {0, "lifecycle.actor"},
       .events = 1},
      {.name = "lifecycle.state.device-confirms-from-quarantine",
       .arrange = quarantined,
       .attack = [](E& e) { return step(e, 0, Transition::kEnrollConfirmed, Actor::kDevice); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.operator-releases-a-revoked-device",
       .arrange = revoked,
       .attack = [](E& e) { return step(e, 0, Transition::kRelease, Actor::kOperator); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.release-of-a-device-never-quarantined",
       .attack = [](E& e) { return step(e, 0, Transition::kRelease, Actor::kOperator); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.voucher-for-a-revoked-device",
       .arrange = revoked,
       .attack =
           [](E& e) {
             return outcome(
                 e.site()->inventory().record_voucher(e.serial(0), "AAAA", attempt(e.serial(0))));
           },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.ldevid-without-a-voucher",
       .attack =
           [](E& e) { return new_ldevid(e, 0, Transition::kLdevidIssued, Actor::kRegistrar); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.renewal-of-a-revoked-device",
       .arrange =
           [](E& e) {
             e.onboard(0);
             e.revoke(0);
           },
       .attack = [](E& e) { return new_ldevid(e, 0, Transition::kReenrolled, Actor::kRegistrar); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.dpp-credential-for-a-revoked-device",
       .arrange = revoked,
       .attack =
           [](E& e) { return new_ldevid(e, 0, Transition::kDppCredential, Actor::kConfigurator); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.dpp-configuration-of-a-quarantined-device",
       .arrange = quarantined,
       .attack =
           [](E& e) {
             store::DppConfiguration c;
             c.device = e.serial(0);
             c.akm = "dpp";
             c.ssid = "gatehouse";
             c.at = time::now();
             return outcome(
                 e.site()->inventory().record_dpp_configuration(c, attempt(e.serial(0))));
           },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.revoked-twice",
       .arrange = revoked,
       .attack =
           [](E& e) {
             return outcome(e.site()->inventory().revoke(e.serial(0), store::Actor::kOperator,
                                                         attempt(e.serial(0))));
           },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.quarantine-of-a-decommissioned-device",
       .arrange = [](E& e) { e.decommission(0); },
       .attack = [](E& e) { return step(e, 0, Transition::kQuarantine, Actor::kOperator); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      // The life after onboarding (IR 8350 Figure 6).
      {.name = "lifecycle.state.retire-an-onboarded-device",
       .arrange = [](E& e) { e.onboard(0); },
       .attack = [](E& e) { return step(e, 0, Transition::kRetire, Actor::kOperator); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.repurpose-an-onboarded-device",
       .arrange = [](E& e) { e.onboard(0); },
       .attack = [](E& e) { return step(e, 0, Transition::kRepurpose, Actor::kOperator); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.decommission-twice",
       .arrange = [](E& e) { e.decommission(0); },
       .attack =
           [](E& e) { return end_by(e, e.serial(0), Transition::kDecommission, Actor::kOperator); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.transfer-after-end-of-life",
       .arrange =
           [](E& e) {
             e.decommission(0);
             ASSERT_EQ(step(e, 0, Transition::kRetire, Actor::kOperator).check, "");
           },
       .attack =
           [](E& e) { return end_by(e, e.serial(0), Transition::kTransfer, Actor::kOperator); },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.maintenance-of-a-quarantined-device",
       .arrange = quarantined,
       .attack =
           [](E& e) {
             return outcome(e.site()->inventory().begin_maintenance(
                 e.serial(0), "other-maintenance", attempt(e.serial(0))));
           },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.state.renewal-requested-of-an-expected-device",
       .attack =
           [](E& e) {
             return outcome(
                 e.site()->inventory().request_renewal(e.serial(0), "rekey", attempt(e.serial(0))));
           },
       .expect = {0, "lifecycle.state"},
       .events = 1},
      {.name = "lifecycle.actor.device-decommissions-itself",
       .arrange = [](E& e) { e.onboard(0); },
       .attack =
           [](E& e) { return end_by(e, e.serial(0), Transition::kDecommission, Actor::kDevice); },
       .expect = {0, "lifecycle.actor"},
       .events = 1},
      {.name = "lifecycle.actor.verifier-marks-unsupported",
       .arrange = [](E& e) { e.onboard(0); },
       .attack = [](E& e) { return step(e, 0, Transition::kUnsupported, Actor::kVerifier); },
       .expect = {0, "lifecycle.actor"},
       .events = 1},
      {.name = "lifecycle.unknown-device-decommissioned",
       .attack =
           [](E& e) {
             return outcome(e.site()->revoke("ACME-99999999", "no such device", Actor::kOperator,
                                             Transition::kDecommission));
           },
       .expect = {0, "inventory.unknown"}},
      {.name = "lifecycle.renewal.confirm-the-current-credential",
       .arrange = [](E& e) { e.stash.id = e.onboard(0); },
       .attack =
           [](E& e) {
             return outcome(e.site()->inventory().confirm_renewal(
                 e.serial(0), e.stash.id.cert.serial_hex(), attempt(e.serial(0))));
           },
       .expect = {0, "renew.credential"}},
      {.name = "lifecycle.renewal.renew-with-the-unconfirmed-renewal",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.stash.id2 = renewed(e, 0, e.stash.id);
           },
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id2);
             return outcome(e.est(*c, kSimpleReenroll, AttackEnv::csr(e.serial(0))));
           },
       .expect = {403, "est.pending"},
       .events = 1},
      {.name = "lifecycle.renewal.same-key-when-the-site-asked-for-a-rekey",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             ASSERT_TRUE(
                 e.site()
                     ->inventory()
                     .request_renewal(
                         e.serial(0), "rekey",
                         store::Event{0, 0, e.serial(0), "ldevid.renew-requested", "ok", "", "{}"})
                     .ok());
           },
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id);
             return outcome(
                 e.est(*c, kSimpleReenroll, AttackEnv::csr(e.serial(0), &e.stash.id.key)));
           },
       .expect = {400, "est.rekey"},
       .events = 1},
      {.name = "lifecycle.renewal.expired-ldevid",
       .arrange =
           [](E& e) {
             auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
             auto s = e.site();
             auto cert = *s->domain_ca_identity().issue(
                 pki::ldevid(s->name(), e.serial(0), key.public_key(), 1));
             e.stash.id = pki::Identity{cert, key, {}};
             while (time::now() <= cert.not_after())
               std::this_thread::sleep_for(std::chrono::milliseconds(100));
           },
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id);
             return outcome(e.est(*c, kSimpleReenroll, AttackEnv::csr(e.serial(0))));
           },
       .expect = {403, "est.expired"},
       .events = 1},
      {.name = "lifecycle.unknown-device",
       .attack =
           [](E& e) {
             return outcome(
                 e.site()->inventory().transition("ACME-99999999", Transition::kQuarantine,
                                                  Actor::kOperator, attempt("ACME-99999999")));
           },
       .expect = {0, "inventory.unknown"}},
  };
}

}  // namespace gh::svc::attack
