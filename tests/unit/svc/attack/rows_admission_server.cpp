// 802.1X admission (svc/site/admission.h: judge_session, what the router asks for every EAP-TLS
// session) and the HTTPS server's own framing refusals, before any handler runs.
#include "attack_env.h"

namespace gh::svc::attack {
namespace {

std::function<Outcome(AttackEnv&)> judge_stashed() {
  return [](AttackEnv& e) { return e.judge(e.stash.id.cert.serial_hex()); };
}

// A raw request to the registrar; the server answers with status and closes.
Row framing(const std::string& what, const std::string& request, int status) {
  return {.name = "server.http." + what,
          .attack = [request](AttackEnv& e) { return e.raw(request); },
          .expect = {status, ""}};
}

constexpr const char* kPost =
    "POST /.well-known/brski/requestvoucher HTTP/1.1\r\nHost: x\r\n"
    "Content-Type: application/voucher-cms+json\r\n";

}  // namespace

std::vector<Row> admission_server_rows() {
  using E = AttackEnv;
  auto onboarded = [](E& e) { e.stash.id = e.onboard(0); };
  return {
      {.name = "admission.unknown-certificate",
       .attack = [](E& e) { return e.judge("0123456789abcdef"); },
       .expect = {0, "credential.unknown"}},
      {.name = "admission.idevid-in-place-of-an-ldevid",
       .arrange = onboarded,
       .attack = [](E& e) { return e.judge(e.idevid(0).cert.serial_hex()); },
       .expect = {0, "credential.unknown"}},
      {.name = "admission.ldevid-of-another-domain",
       .arrange = [](E& e) { e.stash.id = e.other_domain_ldevid(0); },
       .attack = judge_stashed(),
       .expect = {0, "credential.unknown"}},
      {.name = "admission.superseded-ldevid",
       .arrange = [](E& e) { e.stash.id = e.onboard_twice(0).first; },
       .attack = judge_stashed(),
       .expect = {0, "credential.superseded"}},
      {.name = "admission.revoked-ldevid",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.revoke(0);
           },
       .attack = judge_stashed(),
       .expect = {0, "credential.revoked"}},
      {.name = "admission.quarantined-device",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.quarantine(0);
           },
       .attack = judge_stashed(),
       .expect = {0, "device.quarantined"}},
      {.name = "admission.decommissioned-device",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.decommission(0);
           },
       .attack = judge_stashed(),
       .expect = {0, "credential.revoked"}},
      {.name = "admission.enrolled-but-never-confirmed",
       .arrange =
           [](E& e) {
             e.stash.session = e.voucher_session(0);
             e.stash.id = e.enroll(*e.stash.session, 0);
           },
       .attack = judge_stashed(),
       .expect = {0, "device.enrolled"}},
      {.name = "admission.policy-denied-device",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.write_policy(
                 "default: {action: allow}\nrules:\n  - name: no-m\n    match: {model: m, "
                 "protocol: connect}\n    action: deny\n");
           },
       .attack = judge_stashed(),
       .expect = {0, "policy.denied"}},
      framing("content-length-over-the-limit",
              std::string(kPost) + "Content-Length: 300000\r\n\r\n", 413),
      framing("chunked-body", std::string(kPost) + "Transfer-Encoding: chunked\r\n\r\n", 411),
      framing("header-over-16k", std::string(kPost) + "X-Pad: " + std::string(17000, 'a'), 431),
      framing("malformed-request-line", "GARBAGE\r\n\r\n", 400),
      framing("negative-content-length", std::string(kPost) + "Content-Length: -1\r\n\r\n", 400),
      framing("header-line-without-colon", std::string(kPost) + "NoColonHere\r\n\r\n", 400),
      framing("unknown-path", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404),
      {.name = "server.tls.plaintext-on-the-tls-port",
       .attack = [](E& e) { return e.plaintext("GET /.well-known/est/cacerts HTTP/1.1\r\n\r\n"); },
       .expect = {0, "closed"},
       .verify =
           [](E& e, const Snapshot&, const Snapshot&) {
             auto c = e.anonymous();  // and the server still answers
             ASSERT_TRUE(c);
             auto r = c->request("GET", "/.well-known/est/cacerts", {}, "");
             ASSERT_TRUE(r.ok());
             EXPECT_EQ(r->status, 200);
           }},
  };
}

}  // namespace gh::svc::attack
