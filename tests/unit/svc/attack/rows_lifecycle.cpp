// The lifecycle through the store's own API (store/lifecycle.h): each change from the states it may
// start from and by the actor that may cause it. Every refusal is recorded (one event naming the
// check) and changes nothing else.
#include "attack_env.h"

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
