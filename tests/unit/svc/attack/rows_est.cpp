// EST enrollment and renewal (RFC 7030 4.2, RFC 8995 5.9.3): simpleenroll only on the voucher's
// session, for the device's own serial and a fresh key; simplereenroll only with the device's
// current LDevID of this domain; no step the device's state does not allow.
#include "attack_env.h"

namespace gh::svc::attack {

std::vector<Row> est_rows() {
  using E = AttackEnv;
  auto voucher_session = [](E& e) { e.stash.session = e.voucher_session(0); };
  auto onboarded = [](E& e) { e.stash.id = e.onboard(0); };
  // The stashed LDevID asks to renew device 0's credential.
  auto renew_with_stashed_ldevid = [](E& e) {
    auto c = e.as(e.stash.id);
    return outcome(e.est(*c, kSimpleReenroll, E::csr(e.serial(0))));
  };
  return {
      {.name = "est.simpleenroll.no-client-certificate",
       .attack =
           [](E& e) {
             auto c = e.anonymous();
             return outcome(e.est(*c, kSimpleEnroll, E::csr(e.serial(0))));
           },
       .expect = {401, "est.client"}},
      {.name = "est.simpleenroll.without-voucher",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.est(*c, kSimpleEnroll, E::csr(e.serial(0))));
           },
       .expect = {403, "est.no-voucher"}},
      {.name = "est.simpleenroll.voucher-of-another-session",
       .arrange = voucher_session,
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.est(*c, kSimpleEnroll, E::csr(e.serial(0))));
           },
       .expect = {403, "est.no-voucher"}},
      {.name = "est.simpleenroll.ldevid-in-place-of-a-voucher",
       .arrange = onboarded,
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id);
             return outcome(e.est(*c, kSimpleEnroll, E::csr(e.serial(0))));
           },
       .expect = {403, "est.no-voucher"}},
      {.name = "est.simpleenroll.csr-for-another-serial",
       .arrange = voucher_session,
       .attack =
           [](E& e) {
             return outcome(e.est(*e.stash.session, kSimpleEnroll, E::csr(e.serial(1))));
           },
       .expect = {400, "csr.serial"},
       .events = 1},
      {.name = "est.simpleenroll.csr-reuses-the-idevid-key",
       .arrange = voucher_session,
       .attack =
           [](E& e) {
             auto key = e.idevid(0).key;
             return outcome(e.est(*e.stash.session, kSimpleEnroll, E::csr(e.serial(0), &key)));
           },
       .expect = {400, "csr.key"},
       .events = 1},
      {.name = "est.simpleenroll.csr-garbage",
       .arrange = voucher_session,
       .attack = [](E& e) { return outcome(e.est(*e.stash.session, kSimpleEnroll, "%%%")); },
       .expect = {400, "est.body"},
       .events = 1},
      {.name = "est.simpleenroll.csr-with-a-broken-signature",
       .arrange = voucher_session,
       .attack =
           [](E& e) {
             auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
             Bytes der =
                 crypto::Csr::create(crypto::Name().add("serialNumber", e.serial(0)), key)->der();
             der.back() ^= 0x01;  // the last octet of the signature
             return outcome(e.est(*e.stash.session, kSimpleEnroll, codec::est_base64(der)));
           },
       .expect = {400, "csr.signature"},
       .events = 1},
      {.name = "est.simpleenroll.second-ldevid-on-one-voucher",
       .arrange =
           [](E& e) {
             e.stash.session = e.voucher_session(0);
             e.enroll(*e.stash.session, 0);
           },
       .attack =
           [](E& e) {
             return outcome(e.est(*e.stash.session, kSimpleEnroll, E::csr(e.serial(0))));
           },
       .expect = {403, "lifecycle.state"},
       .events = 1},
      {.name = "est.simpleenroll.revoked-after-its-voucher",
       .arrange =
           [](E& e) {
             e.stash.session = e.voucher_session(0);
             e.revoke(0);
           },
       .attack =
           [](E& e) {
             return outcome(e.est(*e.stash.session, kSimpleEnroll, E::csr(e.serial(0))));
           },
       .expect = {403, "lifecycle.state"},
       .events = 1},
      {.name = "est.simpleenroll.quarantined-after-its-voucher",
       .arrange =
           [](E& e) {
             e.stash.session = e.voucher_session(0);
             e.quarantine(0);
           },
       .attack =
           [](E& e) {
             return outcome(e.est(*e.stash.session, kSimpleEnroll, E::csr(e.serial(0))));
           },
       .expect = {403, "lifecycle.state"},
       .events = 1},
      {.name = "est.simplereenroll.no-client-certificate",
       .attack =
           [](E& e) {
             auto c = e.anonymous();
             return outcome(e.est(*c, kSimpleReenroll, E::csr(e.serial(0))));
           },
       .expect = {401, "est.client"}},
      {.name = "est.simplereenroll.with-the-idevid",
       .arrange = onboarded,
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.est(*c, kSimpleReenroll, E::csr(e.serial(0))));
           },
       .expect = {401, "est.client"}},
      {.name = "est.simplereenroll.superseded-ldevid",
       .arrange = [](E& e) { e.stash.id = e.onboard_twice(0).first; },
       .attack = renew_with_stashed_ldevid,
       .expect = {403, "est.superseded"},
       .events = 1},
      {.name = "est.simplereenroll.revoked-ldevid",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.revoke(0);
           },
       .attack = renew_with_stashed_ldevid,
       .expect = {403, "est.revoked"},
       .events = 1},
      {.name = "est.simplereenroll.ldevid-of-another-domain",
       .attack =
           [](E& e) {
             auto c = e.as(e.other_domain_ldevid(0));
             return outcome(e.est(*c, kSimpleReenroll, E::csr(e.serial(0))));
           },
       .expect = {401, "est.client"}},
      {.name = "est.simplereenroll.csr-for-another-serial",
       .arrange = onboarded,
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id);
             return outcome(e.est(*c, kSimpleReenroll, E::csr(e.serial(1))));
           },
       .expect = {400, "csr.serial"},
       .events = 1},
      {.name = "est.simplereenroll.csr-garbage",
       .arrange = onboarded,
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id);
             return outcome(e.est(*c, kSimpleReenroll, "not base64 at all!"));
           },
       .expect = {400, "est.body"},
       .events = 1},
      {.name = "est.simplereenroll.decommissioned-device",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.decommission(0);
           },
       .attack = renew_with_stashed_ldevid,
       .expect = {403, "est.revoked"},
       .events = 1},
      // Not a refusal: renewal is allowed in quarantine, and the quarantine stays; the new
      // certificate waits for the device's confirmation, the current one stays active.
      {.name = "est.simplereenroll.quarantined-device-stays-quarantined",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.quarantine(0);
           },
       .attack = renew_with_stashed_ldevid,
       .expect = {200, ""},
       .events = 1,
       .ok_kinds = {"est.simplereenroll"},
       .may_change = kCredentials,
       .verify =
           [](E& e, const Snapshot& before, const Snapshot& after) {
             const std::string& s = e.serial(0);
             EXPECT_EQ(after.states.at(s), "quarantined");
             EXPECT_EQ(after.ldevid.at(s), before.ldevid.at(s));
             EXPECT_EQ(after.credentials.at(before.ldevid.at(s)), "active");
             int pending = 0;
             for (const auto& [serial_hex, status] : after.credentials)
               pending += status == "pending" && !before.credentials.count(serial_hex);
             EXPECT_EQ(pending, 1);
           }},
  };
}

}  // namespace gh::svc::attack
