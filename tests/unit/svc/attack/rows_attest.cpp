// Attestation (issue 14): the evidence endpoints on the registrar. A peer that proves no identity
// gets no challenge and writes nothing; evidence that is not the device's own and fresh (garbage,
// another device's token, a replay) is answered contraindicated, recorded, and never moves the
// device; a revoked credential attests nothing.
#include "attack_env.h"
#include "svc/device/attester.h"

namespace gh::svc::attack {

namespace {

constexpr const char* kChallenge = "/.well-known/gatehouse/attest/challenge";
constexpr const char* kEvidence = "/.well-known/gatehouse/attest/evidence";

// A fresh challenge on c, or empty.
Bytes challenge(net::HttpClient& c) {
  auto r = c.request("GET", kChallenge, {}, "");
  if (!r || r->status != 200) return {};
  auto j = parse_json(r->body, "t");
  if (!j) return {};
  return hex_decode(json_string_or(*j, "nonce", "")).value_or(Bytes());
}

// Posts token; a 200 answer is an appraisal, reported as its check.
Outcome post_evidence(net::HttpClient& c, const Bytes& token,
                      const std::string& type = "application/eat+cwt") {
  auto r = c.request("POST", kEvidence, {{"Content-Type", type}}, to_string(token));
  if (!r) return {0, r.error().code};
  if (r->status != 200) return outcome(*r);
  auto j = parse_json(r->body, "t");
  if (!j) return {200, "unparsable"};
  return {200, json_string_or(*j, "check", ""), json_string_or(*j, "status", "")};
}

std::string image(AttackEnv& e, int i) {
  return e.dir() + "/d/" + e.serial(i);
}

}  // namespace

std::vector<Row> attest_rows() {
  using E = AttackEnv;
  return {
      {.name = "attest.challenge.no-client-certificate",
       .attack =
           [](E& e) {
             auto c = e.anonymous();
             return outcome(*c->request("GET", kChallenge, {}, ""));
           },
       .expect = {401, "attest.client"}},
      {.name = "attest.challenge.untrusted-manufacturer",
       .attack =
           [](E& e) {
             auto c = e.as(e.untrusted_idevid());
             return outcome(*c->request("GET", kChallenge, {}, ""));
           },
       .expect = {401, "attest.client"}},
      {.name = "attest.evidence.revoked-ldevid",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.revoke(0);
           },
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id);
             return outcome(*c->request("GET", kChallenge, {}, ""));
           },
       .expect = {403, "attest.credential"},
       .events = 1},
      {.name = "attest.evidence.wrong-media-type",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return post_evidence(*c, to_bytes("{}"), "application/json");
           },
       .expect = {415, "evidence.media-type"},
       .recorded = false},
      {.name = "attest.evidence.garbage-token",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return post_evidence(*c, Bytes{0xd2, 0x84, 0x40, 0xa0});
           },
       .expect = {200, "evidence.cbor"},
       .events = 1},
      {.name = "attest.evidence.another-devices-token",
       .attack =
           [](E& e) {
             // Device 1's genuine evidence, answering device 1's challenge, sent on device 0's
             // session: judged as device 0's, whose key did not sign it.
             auto c1 = e.as(e.idevid(1));
             Bytes nonce = challenge(*c1);
             auto token = make_evidence(image(e, 1), nonce);
             if (!token) return Outcome{0, token.error().code};
             auto c0 = e.as(e.idevid(0));
             return post_evidence(*c0, *token);
           },
       .expect = {200, "evidence.signature"},
       .events = 1},
      {.name = "attest.evidence.replayed-token",
       .arrange =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             Bytes nonce = challenge(*c);
             e.stash.bytes = *make_evidence(image(e, 0), nonce);
             ASSERT_EQ(post_evidence(*c, e.stash.bytes).note, "affirming");
           },
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return post_evidence(*c, e.stash.bytes);
           },
       .expect = {200, "nonce.replayed"},
       .events = 1},
      {.name = "attest.evidence.forged-nonce",
       .attack =
           [](E& e) {
             // A nonce the site never issued, in evidence the device signed itself.
             auto token = make_evidence(image(e, 0), Bytes(40, 0x5a));
             if (!token) return Outcome{0, token.error().code};
             auto c = e.as(e.idevid(0));
             return post_evidence(*c, *token);
           },
       .expect = {200, "nonce.forged"},
       .events = 1},
  };
}

}  // namespace gh::svc::attack
