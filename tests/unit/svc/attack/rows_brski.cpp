// BRSKI voucher requests (RFC 8995 5.2-5.5): who may ask, what the request must say, and which
// devices the site may serve. A refusal after the IDevID verified is on record (one event); one
// before it writes nothing.
#include "attack_env.h"

namespace gh::svc::attack {

std::vector<Row> brski_rows() {
  using E = AttackEnv;
  return {
      {.name = "brski.voucher.no-client-certificate",
       .attack =
           [](E& e) {
             auto c = e.anonymous();
             return outcome(e.post_pvr(*c, to_bytes("x")));
           },
       .expect = {401, "idevid.missing"}},
      {.name = "brski.voucher.untrusted-manufacturer",
       .attack =
           [](E& e) {
             auto id = e.untrusted_idevid();
             auto c = e.as(id);
             proto::Pledge p(id, {});
             return outcome(e.post_pvr(*c, *p.voucher_request(c->server_chain(), time::now())));
           },
       .expect = {401, "idevid.untrusted"}},
      {.name = "brski.voucher.signed-by-another-device",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(*c, e.pvr(1, *c)));
           },
       .expect = {401, "pvr.signer"},
       .events = 1},
      {.name = "brski.voucher.bit-flipped-signature",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             Bytes pvr = e.pvr(0, *c);
             pvr.back() ^= 0x01;  // the last octet of the ECDSA signature
             return outcome(e.post_pvr(*c, pvr));
           },
       .expect = {401, "pvr.signature"},
       .events = 1},
      {.name = "brski.voucher.wrong-proximity-registrar",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             auto k = *crypto::PrivateKey::generate(crypto::Curve::kP256);
             auto other =
                 *crypto::issue_certificate(pki::domain_ca("Other", k.public_key()), nullptr, k);
             proto::Pledge p(e.idevid(0), {});
             return outcome(e.post_pvr(*c, *p.voucher_request({other}, time::now())));
           },
       .expect = {401, "pvr.proximity"},
       .events = 1},
      {.name = "brski.voucher.serial-of-another-device",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             std::string other = e.serial(1);
             return outcome(e.post_pvr(*c, e.pvr_with(0, *c, [&](codec::VoucherRequest& r) {
               r.serial_number = other;
             })));
           },
       .expect = {403, "pvr.serial"},
       .events = 1},
      {.name = "brski.voucher.without-nonce",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(
                 *c, e.pvr_with(0, *c, [](codec::VoucherRequest& r) { r.nonce.clear(); })));
           },
       .expect = {403, "pvr.nonce"},
       .events = 1},
      {.name = "brski.voucher.replayed-request",
       .arrange =
           [](E& e) {
             e.stash.session = e.as(e.idevid(0));
             e.stash.bytes = e.pvr(0, *e.stash.session);
             EXPECT_EQ(e.post_pvr(*e.stash.session, e.stash.bytes).status, 200);
           },
       .attack =
           [](E& e) {
             auto again = e.as(e.idevid(0));  // the same bytes, on a new session
             return outcome(e.post_pvr(*again, e.stash.bytes));
           },
       .expect = {403, "pvr.replay"},
       .events = 1},
      {.name = "brski.voucher.garbage-body",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(*c, to_bytes("garbage")));
           },
       .expect = {400, "pvr.format"},
       .events = 1},
      {.name = "brski.voucher.empty-body",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(*c, {}));
           },
       // Some pledges ask with an empty body to learn the registrar's certificate: answered,
       // and nothing of it in the evidence log.
       .expect = {400, "pvr.empty"},
       .events = 0},
      {.name = "brski.voucher.truncated-cms",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             Bytes pvr = e.pvr(0, *c);
             pvr.resize(pvr.size() / 2);
             return outcome(e.post_pvr(*c, pvr));
           },
       .expect = {400, "pvr.format"},
       .events = 1},
      {.name = "brski.voucher.base64-of-garbage",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(*c, to_bytes(base64_encode(to_bytes("not a CMS at all")))));
           },
       .expect = {400, "pvr.format"},
       .events = 1},
      {.name = "brski.voucher.signed-json-that-is-no-voucher-request",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             pki::Identity id = e.idevid(0);
             auto cms = codec::sign_voucher_artifact(Json{{"hello", "world"}}, id.cert, id.key,
                                                     id.full_chain());
             return outcome(e.post_pvr(*c, *cms));
           },
       .expect = {400, "pvr.format"},
       .events = 1},
      {.name = "brski.voucher.wrong-media-type",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(*c->request("POST", kRequestVoucher, {{"Content-Type", "text/plain"}},
                                        to_string(e.pvr(0, *c))));
           },
       .expect = {415, "pvr.media-type"}},
      {.name = "brski.voucher.wrong-method",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(*c->request("GET", kRequestVoucher, {}, ""));
           },
       .expect = {405, ""}},
      {.name = "brski.voucher.wrong-path",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(*c->request("POST", "/.well-known/brski/requestvoucher/../x",
                                        {{"Content-Type", codec::kVoucherMediaType}},
                                        to_string(e.pvr(0, *c))));
           },
       .expect = {404, ""}},
      {.name = "brski.voucher.device-in-no-bundle",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(3));
             return outcome(e.post_pvr(*c, e.pvr(3, *c)));
           },
       .expect = {404, "policy.unknown-device"},
       .events = 1},
      {.name = "brski.voucher.revoked-device",
       .arrange = [](E& e) { e.revoke(0); },
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(*c, e.pvr(0, *c)));
           },
       .expect = {403, "policy.state"},
       .events = 1},
      {.name = "brski.voucher.quarantined-device",
       .arrange = [](E& e) { e.quarantine(0); },
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(*c, e.pvr(0, *c)));
           },
       .expect = {403, "policy.state"},
       .events = 1},
      {.name = "brski.voucher.decommissioned-device",
       .arrange = [](E& e) { e.decommission(0); },
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(*c, e.pvr(0, *c)));
           },
       .expect = {403, "policy.state"},
       .events = 1},
      {.name = "brski.voucher.onboarded-then-quarantined-reonboards",
       .arrange =
           [](E& e) {
             e.onboard(0);
             e.quarantine(0);
             ASSERT_TRUE(fs::remove_all(e.dir() + "/d/" + e.serial(0) + "/onboarding").ok());
           },
       .attack =
           [](E& e) {
             return outcome(onboard_brski({e.dir() + "/d/" + e.serial(0), e.url(), 5}));
           },
       .expect = {0, "policy.state"},
       // A quarantined device still attests (its evidence is what a release is decided on).
       .events = 2,
       .ok_kinds = {"attest.appraise"}},
      {.name = "brski.voucher.policy-denied-device",
       .arrange =
           [](E& e) {
             e.write_policy(
                 "default: {action: allow}\nrules:\n  - name: no-m\n    match: {model: m, "
                 "protocol: brski}\n    action: deny\n");
           },
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(*c, e.pvr(0, *c)));
           },
       .expect = {403, "policy.denied"},
       .events = 1},
  };
}

}  // namespace gh::svc::attack
