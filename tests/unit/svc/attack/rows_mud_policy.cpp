// MUD files (RFC 8520 sections 13.2 and 16) as the site's MUD manager fetches them: nothing is kept
// unless the detached signature verifies under a trusted manufacturer root and the file is the URL
// it was fetched from; a device's own claim needs its own manufacturer's signature. The
// authorization policy: a file with any error is refused whole and the running policy stays.
#include "attack_env.h"
#include "svc/site/mud_manager.h"

namespace gh::svc::attack {
namespace {

constexpr const char* kDenyBrski =
    "default: {action: allow}\nrules:\n  - name: no-m\n    match: {model: m, protocol: brski}\n"
    "    action: deny\n";

// `site policy set FILE` with this text.
Outcome policy_set(AttackEnv& e, const std::string& yaml) {
  std::string file = e.dir() + "/candidate.yaml";
  EXPECT_TRUE(fs::write_file_atomic(file, yaml, 0644).ok());
  return outcome(PolicyStore::install(e.dir() + "/s", file, e.site()->inventory()));
}

Row refused_policy(const std::string& what, const std::string& yaml) {
  return {.name = "policy.set." + what,
          .arrange = [](AttackEnv& e) { e.write_policy(kDenyBrski); },
          .attack = [yaml](AttackEnv& e) { return policy_set(e, yaml); },
          .expect = {0, "policy.file"}};
}

// A MUD file served and signed as the row says, fetched by the site.
Row mud(const std::string& what, const std::string& check,
        std::function<std::string(AttackEnv&)> serve) {
  return {.name = "mud.fetch." + what,
          .attack = [serve](AttackEnv& e) { return e.mud_fetch(serve(e)); },
          .expect = {0, check},
          .events = 1};
}

}  // namespace

std::vector<Row> mud_policy_rows() {
  using E = AttackEnv;
  return {
      mud("url-not-https", "mud.url", [](E&) { return std::string("http://localhost/m.json"); }),
      mud("signature-missing", "mud.fetch",
          [](E& e) { return e.mud_serve("m.json", E::mud_file(e.mud_url("m.json")), {}); }),
      mud("signature-not-cms", "mud.signature",
          [](E& e) {
            return e.mud_serve("m.json", E::mud_file(e.mud_url("m.json")), to_bytes("garbage"));
          }),
      mud("signed-by-an-uncertified-key", "mud.signature",
          [](E& e) {
            std::string text = E::mud_file(e.mud_url("m.json"));
            return e.mud_serve("m.json", text, e.mud_sign_rogue(text));
          }),
      mud("changed-after-signing", "mud.signature",
          [](E& e) {
            std::string text = E::mud_file(e.mud_url("m.json"));
            Bytes sig = e.mud_sign(text);
            return e.mud_serve("m.json", E::mud_file(e.mud_url("m.json"), "opened up"), sig);
          }),
      mud("file-names-another-url", "mud.url-mismatch",
          [](E& e) {
            std::string text = E::mud_file(e.mud_url("other.json"));
            return e.mud_serve("m.json", text, e.mud_sign(text));
          }),
      mud("signature-on-another-server", "mud.signature",
          [](E& e) {
            Json j = parse_json(E::mud_file(e.mud_url("m.json")), "mud").value();
            j["ietf-mud:mud"]["mud-signature"] = "https://evil.example/m.json.p7s";
            std::string text = j.dump();
            return e.mud_serve("m.json", text, e.mud_sign(text));
          }),
      // Signed, but an entry's only match is a node the checker does not know (a draft's
      // "ipv4-acl"): ignoring it would have the entry match all traffic.
      mud("signed-but-invalid", "mud.match",
          [](E& e) {
            Json j = parse_json(E::mud_file(e.mud_url("m.json")), "mud").value();
            j["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"][0]["matches"] =
                Json{{"ipv4-acl", {{"protocol", 6}}}};
            std::string text = j.dump();
            return e.mud_serve("m.json", text, e.mud_sign(text));
          }),
      mud("signed-but-not-json", "mud.json",
          [](E& e) { return e.mud_serve("m.json", "{not json", e.mud_sign("{not json")); }),
      {.name = "mud.claim.signed-under-another-manufacturer",
       .arrange =
           [](E& e) {
             std::string url = e.mud_url("open.json", true);
             std::string text = E::mud_file(url);
             e.mud_serve("open.json", text, e.mud_sign(text, true), true);
             e.onboard(0);
             auto claim = e.site()->inventory().claim_mud_url(e.serial(0), url, "dhcp");
             ASSERT_TRUE(claim.ok());
             e.stash.text = url;
           },
       .attack =
           [](E& e) {
             auto s = e.site();
             auto d = s->inventory().get(e.serial(0));
             MudManager m(*s);
             return outcome(m.judge_claim(**d));
           },
       .expect = {0, "mud.signer-manufacturer"},
       .events = 2,  // the (verified) fetch and the refused claim
       .ok_kinds = {"mud.fetch"},
       .may_change = kMudCache,
       .verify =
           [](E& e, const Snapshot&, const Snapshot&) {
             auto d = *e.site()->inventory().get(e.serial(0));
             EXPECT_EQ(d->mud_url_claimed_status, "refused");
             EXPECT_EQ(d->enforced_mud_url(), "");
           }},
      refused_policy("unknown-top-level-key", "default: {action: allow}\nextra: 1\n"),
      refused_policy("unknown-match-field",
                     "rules:\n  - name: a\n    action: allow\n    match: {colour: red}\n"),
      refused_policy("bad-cidr",
                     "mud:\n  overlay:\n    - {name: a, action: deny, to: [10.0.0.0/33]}\n"),
      refused_policy("bad-port",
                     "mud:\n  overlay:\n    - {name: a, action: deny, to: 10.0.0.1, "
                     "protocol: tcp, port: 70000}\n"),
      refused_policy("bad-action", "rules:\n  - name: a\n    action: maybe\n"),
      refused_policy("duplicate-rule",
                     "rules:\n  - name: a\n    action: allow\n  - name: a\n    action: deny\n"),
      refused_policy("not-yaml", "rules: [\n"),
      {.name = "policy.reload.broken-edit-keeps-the-running-policy",
       .arrange =
           [](E& e) {
             e.write_policy(kDenyBrski);
             auto c = e.as(e.idevid(0));  // the registrar now runs the file's policy
             EXPECT_EQ(e.post_pvr(*c, e.pvr(0, *c)).status, 403);
           },
       .attack =
           [](E& e) {
             e.write_policy("rules: [\n");
             auto c = e.as(e.idevid(0));
             return outcome(e.post_pvr(*c, e.pvr(0, *c)));
           },
       .expect = {403, "policy.denied"},
       .events = 2,  // the refused reload and the refused voucher request
       .may_change = kPolicyFile},
      // A service that starts while the policy file is broken has no running policy to keep: it
      // fails closed (deny all) rather than falling back to the built-in allow-all policy.
      {.name = "policy.reload.broken-file-read-by-a-restarted-service",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.write_policy(
                 "default: {action: allow}\nrules:\n  - name: no-m\n    match: {model: m, "
                 "protocol: connect}\n    action: deny\n");
             ASSERT_EQ(e.judge(e.stash.id.cert.serial_hex()).check, "policy.denied");
           },
       .attack =
           [](E& e) {
             e.write_policy("rules: [\n");
             return e.judge(e.stash.id.cert.serial_hex());  // a fresh PolicyStore: a new process
           },
       .expect = {0, "policy.denied"},
       .events = 1,  // the refused reload
       .recorded = false,
       .may_change = kPolicyFile},
  };
}

}  // namespace gh::svc::attack
