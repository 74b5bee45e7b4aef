// The attack matrix (issue 13, item 8): one table of named attacks on every way into a site, each
// with the refusal it must get and a check that nothing changed. A row is a few lines: arrange
// the preconditions (not part of the attack), perform the attack against a running MASA,
// registrar (and DPP controller and MUD file server where the row needs them), and name the
// refusal. The runner (attack_matrix_test.cpp) snapshots the site's inventory, credentials,
// evidence log, DPP configurations, MUD cache and policy file between arrange and attack, and
// compares.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "proto/dpp.h"
#include "svc/site/admission.h"
#include "svc/site/brski_fixture.h"
#include "svc/site/dpp_site.h"

namespace gh::svc::attack {

// What the attacker got: the HTTP status and the check the refusal names (the first word of a
// "<check>: <reason>" body), or for an in-process call status 0 and the Error code ("" when it
// succeeded). note says more, for the failure message.
struct Outcome {
  int http = 0;
  std::string check;
  std::string note = {};
};

// What a row allows to change besides the evidence log.
enum Change : unsigned {
  kNothing = 0,
  kCredentials = 1,  // credentials and the device's current LDevID (a renewal)
  kMudCache = 2,     // the verified MUD copies
  kPolicyFile = 4,   // STATE/policy.yaml (an edit the attack makes itself)
  kDppConfigs = 8,
};

// The site as the runner compares it.
struct Snapshot {
  std::map<std::string, std::string> states;       // serial -> state
  std::map<std::string, std::string> ldevid;       // serial -> current LDevID serial
  std::map<std::string, std::string> credentials;  // certificate serial -> status
  std::vector<store::Event> events;                // without the rate summaries
  size_t summaries = 0;                            // "evidence.rate-limited" events
  std::vector<std::string> dpp_configurations;     // device/status
  std::map<std::string, std::string> mud_cache;    // file -> contents
  std::string policy_file;
};

class AttackEnv;

struct Row {
  std::string name;  // area.target.what; the area (before the first '.') groups the report
  std::function<void(AttackEnv&)> arrange;  // may be empty
  std::function<Outcome(AttackEnv&)> attack;
  Outcome expect;
  // The most evidence-log events the attack may write (rate summaries aside, at most one). When
  // it may write any, a check is expected and it is recorded, one of them must name that check.
  size_t events = 0;
  // Whether the refusal itself goes to the log (an admission verdict does not).
  bool recorded = true;
  // Kinds of new events that may have outcome "ok" (every other new event must be a refusal).
  std::vector<std::string> ok_kinds = {};
  unsigned may_change = kNothing;
  // Further checks after the comparison (may be empty).
  std::function<void(AttackEnv&, const Snapshot& before, const Snapshot& after)> verify = {};
};

std::string area_of(const Row& row);
// How gtest prints a row: its name.
inline void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name;
}

// The environment every row runs in: the BRSKI fixture (Acme's MASA, site A's registrar, devices
// 0-2 in site A's bundle, device 3 in none, site B owning nothing) and the rest on demand.
class AttackEnv : public BrskiTest {
 public:
  using BrskiTest::anonymous;
  using BrskiTest::connect;
  using BrskiTest::idevid;
  using BrskiTest::post;
  using BrskiTest::post_pvr;
  using BrskiTest::state;

  const std::string& dir() const { return dir_; }
  const std::string& url() const { return url_; }
  const std::string& serial(int i) const { return serials_[static_cast<size_t>(i)]; }
  pki::Identity idevid(int i) { return BrskiTest::idevid(serial(i)); }
  std::unique_ptr<Site> site();
  Snapshot snapshot();

  // What a row's arrange leaves for its attack.
  struct Stash {
    Bytes bytes;
    std::unique_ptr<net::HttpClient> session;
    pki::Identity id, id2;
    std::string text;
  } stash;

  // --- BRSKI and EST --------------------------------------------------------------------------
  std::unique_ptr<net::HttpClient> as(const pki::Identity& id) { return connect(id); }
  // A fresh, valid voucher-request of device i for the registrar c talks to.
  Bytes pvr(int i, net::HttpClient& c);
  // The same request edited, signed by signer (device i's IDevID when null).
  Bytes pvr_with(int i, net::HttpClient& c, const std::function<void(codec::VoucherRequest&)>& edit,
                 const pki::Identity* signer = nullptr);
  // Device i's IDevID session on which the registrar issued a voucher (device: voucher-issued).
  std::unique_ptr<net::HttpClient> voucher_session(int i);
  // EST simpleenroll on that session with a new key: device i's LDevID (device: enrolled).
  pki::Identity enroll(net::HttpClient& voucher_session, int i);
  // Full BRSKI onboarding of device i (device: onboarded); its LDevID.
  pki::Identity onboard(int i) { return BrskiTest::onboard(static_cast<size_t>(i)).ldevid; }
  // Onboards device i, resets it and enrolls it again: {the superseded LDevID, the current one}.
  std::pair<pki::Identity, pki::Identity> onboard_twice(int i);
  // An LDevID for serial from site B's domain CA (a credential of another domain).
  pki::Identity other_domain_ldevid(int i);
  // An EST body: a CSR for serial over key (a new key when null).
  static std::string csr(const std::string& serial, const crypto::PrivateKey* key = nullptr);
  net::ClientResponse est(net::HttpClient& c, const std::string& path, const std::string& body);
  // A device made by another manufacturer the site does not trust.
  pki::Identity untrusted_idevid();
  // The raw bytes of one request over TLS (anonymous unless id): for malformed requests the HTTP
  // client cannot send. "closed" when the server closed without answering.
  Outcome raw(const std::string& request, const pki::Identity* id = nullptr);
  // Plain bytes to the registrar's TLS port: "closed" when it hangs up without an HTTP answer.
  Outcome plaintext(const std::string& bytes);

  // --- The operator and the policy ------------------------------------------------------------
  void quarantine(int i);
  void revoke(int i);
  // The operator's `site decommission`: credentials revoked, state decommissioned.
  void decommission(int i);
  // Writes STATE/policy.yaml as an editor would (services re-read it when it changes).
  void write_policy(const std::string& yaml);

  // --- 802.1X admission -----------------------------------------------------------------------
  Outcome judge(const std::string& cert_serial);

  // --- DPP --------------------------------------------------------------------------------------
  // The site's DPP controller, serving on 127.0.0.1 (opened on first use: call it in arrange).
  DppSite& dpp();
  int dpp_port() const { return dpp_port_; }
  // The configurator's bootstrapping key as an enrollee learns it from the site's URI.
  proto::dpp::PeerBootstrap site_bootstrap();
  // Enrollee options for device i from its image (its bootstrapping key, it knows the site: it
  // initiates, mutual authentication) or for a key nobody knows (responder-only).
  proto::dpp::Options enrollee(int i);
  proto::dpp::Options stranger();
  // Sends these messages on one connection and waits until the site closes it.
  void dpp_send(const std::vector<Bytes>& messages);
  // Sends raw octets (no length prefix added), ends the sending side, waits for the close.
  void dpp_send_raw(const Bytes& octets);
  // Runs a whole exchange: the enrollee initiates (or chirps when it has no peer).
  void dpp_run(proto::dpp::Options enrollee);
  // A responder-only exchange by a stranger whose Authentication Confirm carries an I-auth with
  // one bit flipped.
  void dpp_flip_i_auth();
  // The site initiates to a listening enrollee whose Authentication Response carries an R-auth
  // with one bit flipped; the site's own verdict.
  Outcome dpp_initiate_to_flipped_r_auth();
  // Waits for the connections to end, then the check the site recorded for the last failed
  // exchange ("dpp.exchange" event since events_before).
  Outcome dpp_verdict(size_t events_before);
  size_t event_total();

  // --- MUD ---------------------------------------------------------------------------------------
  // Serves text at https://localhost:PORT/name (and sig at name.p7s unless empty) from a file
  // server whose certificate chains to the manufacturer root; returns the URL. With other_mfr,
  // the server and signer belong to another manufacturer the site also trusts.
  std::string mud_serve(const std::string& name, const std::string& text, const Bytes& sig,
                        bool other_mfr = false);
  std::string mud_url(const std::string& name, bool other_mfr = false);
  // A valid MUD file for url (systeminfo as given).
  static std::string mud_file(const std::string& url, const std::string& systeminfo = "sensor");
  // Detached CMS signatures: by the manufacturer's MUD signer, by another trusted manufacturer's,
  // by a key no trusted root certifies.
  Bytes mud_sign(const std::string& text, bool other_mfr = false);
  Bytes mud_sign_rogue(const std::string& text);
  Outcome mud_fetch(const std::string& url, const std::string& device = "");

 protected:
  void TearDown() override;

 private:
  struct MudServer;
  MudServer& mud_server(bool other_mfr);
  void stop_mud_servers();
  pki::Identity factory_identity(const std::string& dir, const std::string& label);
  void ensure_other_manufacturer();

  std::unique_ptr<DppSite> dpp_;
  int dpp_port_ = 0;
  std::shared_ptr<MudServer> mud_[2];
  bool other_mfr_ = false;
};

// The rows, by area.
std::vector<Row> brski_rows();
std::vector<Row> est_rows();
std::vector<Row> status_rows();
std::vector<Row> lifecycle_rows();
std::vector<Row> dpp_rows();
std::vector<Row> mud_policy_rows();
std::vector<Row> admission_server_rows();
std::vector<Row> attest_rows();

// Helpers for rows.
Outcome outcome(const net::ClientResponse& r);
Outcome outcome(const Status& s);
template <class T>
Outcome outcome(const Result<T>& r) {
  return r ? Outcome{0, ""} : Outcome{0, r.error().code, r.error().message};
}
inline std::string json_report(bool ok, const std::string& reason = "") {
  Json j{{"version", 1}, {"status", ok}};
  if (!reason.empty()) j["reason"] = reason;
  return j.dump();
}
// What a flood may write: the evidence gate's burst of 20 and its steady rate of one a second for
// up to 10 s of a slow machine; each flood row sends well over this many.
inline constexpr size_t kFloodBound = 30;
inline constexpr const char* kRequestVoucher = "/.well-known/brski/requestvoucher";
inline constexpr const char* kVoucherStatus = "/.well-known/brski/voucher_status";
inline constexpr const char* kEnrollStatus = "/.well-known/brski/enrollstatus";
inline constexpr const char* kSimpleEnroll = "/.well-known/est/simpleenroll";
inline constexpr const char* kSimpleReenroll = "/.well-known/est/simplereenroll";

}  // namespace gh::svc::attack
