// Status telemetry (RFC 8995 5.7, 5.9.4) and issue 13 items 1 and 2: a device's report completes
// only the step the site started and never overrides the site's verdict; peers that proved no
// identity write nothing; what a device may write is capped and rate-limited.
#include "attack_env.h"

namespace gh::svc::attack {

std::vector<Row> status_rows() {
  using E = AttackEnv;
  // The stashed LDevID reports enrollment success.
  auto confirm_with_stashed_ldevid = [](E& e) {
    auto c = e.as(e.stash.id);
    return outcome(e.post(*c, kEnrollStatus, json_report(true)));
  };
  static const std::string huge(256 * 1024 - 64, 'x');
  auto onboarded = [](E& e) { e.stash.id = e.onboard(0); };
  auto enrolled = [](E& e) {
    e.stash.session = e.voucher_session(0);
    e.stash.id = e.enroll(*e.stash.session, 0);
  };
  return {
      {.name = "status.enrollstatus.quarantined-device-restores-itself",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.quarantine(0);
           },
       .attack = confirm_with_stashed_ldevid,
       .expect = {403, "lifecycle.state"},
       .events = 1},
      {.name = "status.enrollstatus.revoked-device-restores-itself",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.revoke(0);
           },
       .attack = confirm_with_stashed_ldevid,
       .expect = {403, "status.credential"},
       .events = 1},
      {.name = "status.voucher-status.revoked-device-restores-itself",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.revoke(0);
           },
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id);
             return outcome(e.post(*c, kVoucherStatus, json_report(true)));
           },
       .expect = {403, "status.session"},
       .events = 1},
      // A revoked LDevID proves nothing: not even failure telemetry is taken from it (the base
      // answered 200 and wrote the report to the evidence log).
      {.name = "status.enrollstatus.revoked-ldevid-writes-telemetry",
       .arrange =
           [](E& e) {
             e.stash.id = e.onboard(0);
             e.revoke(0);
           },
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id);
             return outcome(e.post(*c, kEnrollStatus, json_report(false, "let me write")));
           },
       .expect = {403, "status.credential"},
       .events = 1},
      {.name = "status.enrollstatus.superseded-ldevid-confirms",
       .arrange =
           [](E& e) {
             e.stash.id2 = e.onboard(0);
             ASSERT_TRUE(fs::remove_all(e.dir() + "/d/" + e.serial(0) + "/onboarding").ok());
             e.stash.session = e.voucher_session(0);
             e.stash.id = e.enroll(*e.stash.session, 0);  // supersedes id2; not yet confirmed
           },
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id2);
             return outcome(e.post(*c, kEnrollStatus, json_report(true)));
           },
       .expect = {403, "status.credential"},
       .events = 1},
      {.name = "status.enrollstatus.success-on-the-idevid-session",
       .arrange = enrolled,
       .attack =
           [](E& e) { return outcome(e.post(*e.stash.session, kEnrollStatus, json_report(true))); },
       .expect = {403, "status.credential"},
       .events = 1},
      {.name = "status.enrollstatus.anonymous-with-256k-reason",
       .arrange = onboarded,
       .attack =
           [](E& e) {
             auto c = e.anonymous();
             return outcome(e.post(*c, kEnrollStatus, json_report(true, huge)));
           },
       .expect = {401, "status.client"}},
      {.name = "status.voucher-status.anonymous-with-256k-reason",
       .attack =
           [](E& e) {
             auto c = e.anonymous();
             return outcome(e.post(*c, kVoucherStatus, json_report(false, huge)));
           },
       .expect = {401, "status.client"}},
      {.name = "status.voucher-status.idevid-without-a-voucher",
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(1));
             return outcome(e.post(*c, kVoucherStatus, json_report(false, "x")));
           },
       .expect = {403, "status.client"}},
      {.name = "status.enrollstatus.idevid-without-a-voucher",
       .arrange = onboarded,
       .attack =
           [](E& e) {
             auto c = e.as(e.idevid(0));
             return outcome(e.post(*c, kEnrollStatus, json_report(true)));
           },
       .expect = {403, "status.client"}},
      {.name = "status.enrollstatus.ldevid-of-another-domain",
       .arrange = enrolled,
       .attack =
           [](E& e) {
             auto c = e.as(e.other_domain_ldevid(0));
             return outcome(e.post(*c, kEnrollStatus, json_report(true)));
           },
       .expect = {403, "status.client"}},
      {.name = "status.voucher-status.on-an-ldevid-session",
       .arrange = onboarded,
       .attack =
           [](E& e) {
             auto c = e.as(e.stash.id);
             return outcome(e.post(*c, kVoucherStatus, json_report(true)));
           },
       .expect = {403, "status.session"},
       .events = 1},
      {.name = "status.enrollstatus.not-json",
       .arrange = [](E& e) { e.stash.session = e.voucher_session(0); },
       .attack = [](E& e) { return outcome(e.post(*e.stash.session, kEnrollStatus, "{not json")); },
       .expect = {400, "status.format"},
       .events = 1},
      // Not refusals: what a device may write is bounded, and a report changes no state.
      {.name = "status.voucher-status.oversized-reason-is-capped",
       .arrange = [](E& e) { e.stash.session = e.voucher_session(0); },
       .attack =
           [](E& e) {
             std::string reason(200 * 1024, 'y');
             reason[10] = '\n';
             return outcome(e.post(*e.stash.session, kVoucherStatus, json_report(false, reason)));
           },
       .expect = {200, ""},
       .events = 1,
       .verify =
           [](E&, const Snapshot& before, const Snapshot& after) {
             ASSERT_EQ(after.events.size(), before.events.size() + 1);
             const auto& ev = after.events.back();
             EXPECT_EQ(ev.kind, "brski.voucher-status");
             EXPECT_LE(ev.detail.size(), 1300u);
             EXPECT_EQ(ev.detail.find('\n'), std::string::npos);
           }},
      {.name = "status.voucher-status.flood-is-rate-limited",
       .arrange = [](E& e) { e.stash.session = e.voucher_session(0); },
       .attack =
           [](E& e) {
             Outcome last;
             for (int i = 0; i < 100; ++i)
               last = outcome(e.post(*e.stash.session, kVoucherStatus, json_report(false, "x")));
             return last;
           },
       .expect = {200, ""},
       .events = kFloodBound},
      {.name = "status.enrollstatus.failure-report-changes-no-state",
       .arrange = enrolled,
       .attack =
           [](E& e) {
             return outcome(e.post(*e.stash.session, kEnrollStatus, json_report(false, "oops")));
           },
       .expect = {200, ""},
       .events = 1},
      {.name = "status.enrollstatus.replayed-confirmation-writes-nothing",
       .arrange = onboarded,
       .attack = confirm_with_stashed_ldevid,
       .expect = {200, ""}},
  };
}

}  // namespace gh::svc::attack
