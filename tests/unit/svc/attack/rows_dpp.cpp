// DPP (Wi-Fi Easy Connect R2) against the site's controller on TCP: unknown keys, tags that do not
// verify, frames out of place or malformed, and configurations the site must decline. The check is
// the one the site records for the exchange; a failed exchange writes at most its own record.
#include "attack_env.h"

namespace gh::svc::attack {
namespace {

namespace cd = codec::dpp;
namespace pd = proto::dpp;

// Runs the attack against the site's controller and returns the site's verdict on it.
std::function<Outcome(AttackEnv&)> against_site(std::function<void(AttackEnv&)> attack) {
  return [attack](AttackEnv& e) {
    size_t before = e.event_total();
    attack(e);
    return e.dpp_verdict(before);
  };
}

Bytes request_from_stranger(AttackEnv& e) {
  pd::Session s(e.stranger());
  return s.start().value();
}

void serve(AttackEnv& e) {
  e.dpp();
}

}  // namespace

std::vector<Row> dpp_rows() {
  using E = AttackEnv;
  const std::string deny_dpp =
      "default: {action: allow}\nrules:\n  - name: no-dpp\n    match: {protocol: dpp}\n"
      "    action: deny\n";
  return {
      {.name = "dpp.chirp.unknown-key",
       .arrange = serve,
       .attack = against_site([](E& e) {
         pd::Options o = e.stranger();
         o.peer.reset();
         pd::Session s(o);
         e.dpp_send({s.presence_announcement().value()});
       }),
       .expect = {0, "dpp.chirp.unknown"},
       .events = 1},
      {.name = "dpp.auth.request-for-another-bootstrapping-key",
       .arrange = serve,
       .attack = against_site([](E& e) {
         pd::Options o = e.stranger();
         auto other = *crypto::PrivateKey::generate(crypto::Curve::kP256);
         o.peer = pd::PeerBootstrap::from_spki(other.public_key().der_compressed(), "x").value();
         pd::Session s(o);
         e.dpp_send({s.start().value()});
       }),
       .expect = {0, "dpp.bkh"},
       .events = 1},
      {.name = "dpp.auth.initiator-tag-bit-flipped",
       .arrange = serve,
       .attack = against_site([](E& e) { e.dpp_flip_i_auth(); }),
       .expect = {0, "dpp.i-auth"},
       .events = 1},
      {.name = "dpp.auth.responder-tag-bit-flipped",
       .arrange = serve,
       .attack = [](E& e) { return e.dpp_initiate_to_flipped_r_auth(); },
       .expect = {0, "dpp.r-auth"},
       .events = 2,  // the operator's add-uri, and the refused exchange
       .ok_kinds = {"dpp.add-uri"}},
      {.name = "dpp.frame.confirm-before-any-request",
       .arrange = serve,
       .attack = against_site([](E& e) {
         e.dpp_send({cd::encode_frame(static_cast<uint8_t>(cd::FrameType::kAuthConfirm),
                                      {{cd::attr::kStatus, {0}}})});
       }),
       .expect = {0, "dpp.state"},
       .events = 1},
      {.name = "dpp.frame.truncated-attributes",
       .arrange = serve,
       .attack = against_site([](E& e) {
         Bytes req = request_from_stranger(e);
         req.resize(req.size() - 5);
         e.dpp_send({req});
       }),
       .expect = {0, "dpp.attr"},
       .events = 1},
      {.name = "dpp.frame.tampered-wrapped-data",
       .arrange = serve,
       .attack = against_site([](E& e) {
         Bytes req = request_from_stranger(e);
         req[req.size() - 3] ^= 0x01;
         e.dpp_send({req});
       }),
       .expect = {0, "dpp.unwrap"},
       .events = 1},
      {.name = "dpp.frame.not-a-dpp-frame",
       .arrange = serve,
       .attack = against_site([](E& e) {
         e.dpp_send({Bytes{1, 2, 3, 4, 5, 6, 7, 8}});
       }),
       .expect = {0, "dpp.frame"},
       .events = 1},
      {.name = "dpp.tcp.length-over-65535",
       .arrange = serve,
       .attack = against_site([](E& e) {
         e.dpp_send_raw({0x00, 0x01, 0x00, 0x00, 0x09, 0x50, 0x6f, 0x9a});  // 65536 announced
       }),
       .expect = {0, "dpp.tcp.size"},
       .events = 1},
      {.name = "dpp.tcp.port-probe",
       .arrange = serve,
       .attack = against_site([](E& e) { e.dpp_send_raw({}); }),
       .expect = {0, "dpp.closed"},
       .events = 1},
      {.name = "dpp.config.configurator-role-requested",
       .arrange = serve,
       .attack = against_site([](E& e) {
         pd::Options o = e.enrollee(0);
         o.request.net_role = "configurator";
         e.dpp_run(o);
       }),
       .expect = {0, "policy.net-role"},
       .events = 2},  // the declined configuration and the exchange
      {.name = "dpp.config.revoked-device",
       .arrange =
           [](E& e) {
             e.revoke(0);
             e.dpp();
           },
       .attack = against_site([](E& e) { e.dpp_run(e.enrollee(0)); }),
       .expect = {0, "policy.state"},
       .events = 2},
      {.name = "dpp.config.quarantined-device",
       .arrange =
           [](E& e) {
             e.quarantine(0);
             e.dpp();
           },
       .attack = against_site([](E& e) { e.dpp_run(e.enrollee(0)); }),
       .expect = {0, "policy.state"},
       .events = 2},
      {.name = "dpp.config.decommissioned-device",
       .arrange =
           [](E& e) {
             e.decommission(0);
             e.dpp();
           },
       .attack = against_site([](E& e) { e.dpp_run(e.enrollee(0)); }),
       .expect = {0, "policy.state"},
       .events = 2},
      {.name = "dpp.config.policy-denied-device",
       .arrange =
           [deny_dpp](E& e) {
             e.write_policy(deny_dpp);
             e.dpp();
           },
       .attack = against_site([](E& e) { e.dpp_run(e.enrollee(0)); }),
       .expect = {0, "policy.denied"},
       .events = 2},
      {.name = "dpp.config.unknown-enrollee",
       .arrange = serve,
       .attack = against_site([](E& e) { e.dpp_run(e.stranger()); }),
       .expect = {0, "policy.unknown-enrollee"},
       .events = 2},
      {.name = "dpp.config.device-in-no-bundle",
       .arrange = serve,
       .attack = against_site([](E& e) { e.dpp_run(e.enrollee(3)); }),
       .expect = {0, "policy.unknown-enrollee"},
       .events = 2},
      {.name = "dpp.flood.garbage-connections-share-one-rate",
       .arrange = serve,
       .attack = against_site([](E& e) {
         for (int i = 0; i < 40; ++i) e.dpp_send({Bytes{1, 2, 3, 4, 5, 6, 7, 8}});
       }),
       .expect = {0, "dpp.frame"},
       .events = kFloodBound},
      // Enrollees nobody knows that complete responder-only authentication (anyone holding the
      // site's URI can) share the strangers' rate; the base gave each exchange a rate of its own
      // (named after its fresh protocol key) and logged configuration refusals ungated: 25 such
      // exchanges wrote 50 events.
      {.name = "dpp.flood.unknown-enrollees-share-one-rate",
       .arrange = serve,
       .attack = against_site([](E& e) {
         for (int i = 0; i < 25; ++i) e.dpp_run(e.stranger());
       }),
       .expect = {0, "policy.unknown-enrollee"},
       .events = kFloodBound},
  };
}

}  // namespace gh::svc::attack
