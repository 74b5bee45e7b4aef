#include "svc/device/device_run.h"

#include <algorithm>

#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "device/slots.h"
#include "net/http.h"
#include "svc/common/role.h"
#include "svc/device/attester.h"
#include "svc/device/device_agent.h"
#include "svc/device/device_connect.h"
#include "svc/device/pledge_agent.h"
#include "svc/device/renewal.h"
#include "svc/device/update_agent.h"

namespace gh::svc {

namespace {

// What an update in progress left on disk (onboarding/update.json): a power loss during its trial
// is reported as a failure once the device is back on the previous release.
Status remember_update(const std::string& dir, int64_t campaign, const std::string& version) {
  return fs::write_file_atomic(fs::join(dir, "onboarding/update.json"),
                               Json{{"campaign", campaign}, {"version", version}}.dump() + "\n");
}
void forget_update(const std::string& dir) {
  (void)fs::remove_all(fs::join(dir, "onboarding/update.json"));
}

class Lifecycle {
 public:
  Lifecycle(const DeviceRunOptions& o, const SiteSession& s, const crypto::TlsIdentity& id)
      : o_(o), s_(s), id_(id) {}

  // The device's credential changed (a renewal): the next step opens a new session with it.
  void reset() { app_.reset(); }

  // After an attestation round: app-onboard once, then follow the site's campaign assignment.
  // attest: a fresh attestation round (the site's verdict on the running release).
  Status step(const std::function<Result<AttestReply>()>& attest) {
    if (!app_) {
      app_ = TRY(open_streamlined(o_.device_dir, s_.site_url, id_, s_.domain_ca));
      TRY(report_interrupted());
    }
    if (app_onboarded_path(o_.device_dir).empty()) {
      TRY(app_onboard(o_.device_dir, *app_));
      say("app-onboarded (streamlined): running " + app_->service().version);
    }
    auto a = TRY(app_->call("GET", "assignment"));
    if (!a.contains("campaign")) return ok_status();
    int64_t campaign = a["campaign"].get<int64_t>();
    std::string action = json_string_or(a, "action", "");
    std::string version = json_string_or(a, "version", "");
    if (action == "install") return install(campaign, version, attest);
    if (action == "rollback") return roll_back(campaign, version);
    return ok_status();
  }

 private:
  void say(const std::string& what) {
    log::info("device", what);
    if (o_.on_update) o_.on_update(what);
  }
  Status report(int64_t campaign, const std::string& phase, const std::string& version,
                const std::string& check = "") {
    Json body{{"kind", "campaign"},
              {"campaign", campaign},
              {"phase", phase},
              {"version", version},
              {"check", check}};
    TRY_CTX(app_->call("POST", "report", body), "campaign report " + phase);
    return ok_status();
  }
  Status report_interrupted() {
    auto text = fs::read_file(fs::join(o_.device_dir, "onboarding/update.json"));
    if (!text) return ok_status();
    auto j = parse_json(*text, "update");
    auto slots = TRY(device::Slots::open(o_.device_dir));
    if (j && slots.version(slots.active()) != json_string_or(*j, "version", "")) {
      (void)report((*j)["campaign"].get<int64_t>(), "failed", json_string_or(*j, "version", ""),
                   "update.boot");
      say("the update to " + json_string_or(*j, "version", "") +
          " did not survive a restart: back on " + slots.version(slots.active()));
    }
    forget_update(o_.device_dir);
    return ok_status();
  }
  Status install(int64_t campaign, const std::string& version,
                 const std::function<Result<AttestReply>()>& attest) {
    auto image = TRY(device::Image::open(o_.device_dir));
    auto release = fetch_release(*app_, image.info().model, version);
    if (!release) {
      (void)report(campaign, "failed", version, release.error().code);
      return release.error();
    }
    TRY(report(campaign, "download", version));
    TRY(remember_update(o_.device_dir, campaign, version));
    // Kept only with the site's word: a fresh attestation of the new release, then the confirm
    // the site accepts only with its own affirming verdict.
    auto health = [&]() -> Status {
      auto r = TRY(attest());
      if (r.status != "affirming")
        return make_error("update.attestation", "the site's verdict on " + version + " is " +
                                                    r.status + " (" + r.check + ")");
      return report(campaign, "confirm", version);
    };
    auto outcome = apply_release(o_.device_dir, *release, health, [&](const std::string& phase) {
      if (auto st = report(campaign, phase, version); !st)
        log::warn("device", "report " + phase + ": " + st.error().str());
    });
    forget_update(o_.device_dir);
    if (!outcome) {
      (void)report(campaign, "failed", version, outcome.error().code);
      say("update to " + version + " refused: " + outcome.error().str());
      return ok_status();  // the failure is reported; the device runs its previous release
    }
    if (*outcome == InstallOutcome::kAlreadyRunning) {
      // Installed before (its confirm was lost): the site's verdict on what runs decides.
      auto r = TRY(attest());
      if (r.status == "affirming") TRY(report(campaign, "confirm", version));
      return ok_status();
    }
    say("updated to " + version + " (campaign " + std::to_string(campaign) + ")");
    return ok_status();
  }
  Status roll_back(int64_t campaign, const std::string& version) {
    auto slots = TRY(device::Slots::open(o_.device_dir));
    if (slots.version(slots.active()) != version) {
      // Back to the release the previous slot holds, never to an older one fetched anew
      // (apply_release refuses downgrades; a newer one is an install, not a rollback).
      if (slots.previous().empty() || slots.version(slots.previous()) != version)
        return make_error("update.rollback", "the previous slot does not hold " + version);
      TRY(slots.rollback());
    }
    TRY(report(campaign, "rollback", version));
    say("rolled back to " + version + " (campaign " + std::to_string(campaign) + ")");
    return ok_status();
  }

  const DeviceRunOptions& o_;
  const SiteSession& s_;
  const crypto::TlsIdentity& id_;
  std::unique_ptr<AppSession> app_;
};

}  // namespace

Status run_device(const DeviceRunOptions& o) {
  auto dev = TRY(open_device(o.device_dir, /*allow_onboarded=*/true));
  auto image = TRY(device::Image::open(o.device_dir));
  if (!image.onboarded()) return make_error("device.onboarded", "the device is not onboarded yet");
  auto s = TRY(site_session(dev, o.site_url));
  auto url = TRY(net::Url::parse(s.site_url));
  const crypto::TlsIdentity& id = s.identity;
  // The boot loader's part: an update trial a power loss interrupted falls back here.
  if (fs::exists(fs::join(o.device_dir, "firmware"))) {
    if (auto slots = device::Slots::open(o.device_dir)) {
      auto b = slots->boot();
      if (b && *b == device::Slots::BootOutcome::kFellBack) {
        log::warn("device", "an unconfirmed update did not survive a restart: back on " +
                                slots->version(slots->active()));
      } else if (b && *b == device::Slots::BootOutcome::kTrial && slots->rollback().ok()) {
        // A trial the agent did not finish (it restarted between the switch and the confirm):
        // nobody health-checked it, so it is abandoned.
        log::warn("device", "an update trial left unfinished was rolled back: back on " +
                                slots->version(slots->active()));
      }
    }
  }
  // A renewal a restart cut short is finished (or dropped) before anything else.
  if (auto f = finish_renewal(dev, s); !f)
    log::warn("device", "an interrupted LDevID renewal: " + f.error().str());
  else if (*f)
    s = TRY(site_session(dev, o.site_url));
  Lifecycle lifecycle(o, s, id);
  auto ctx = TRY(crypto::TlsContext::client(&id, {s.domain_ca}, ""));
  // After the credential changed (renewed, or onboarded again): everything talks to the site with
  // the new one from here.
  auto take_new_credential = [&]() -> Status {
    s = TRY(site_session(dev, o.site_url));
    ctx = TRY(crypto::TlsContext::client(&id, {s.domain_ca}, ""));
    lifecycle.reset();
    return ok_status();
  };
  // Renews when due or asked.
  auto renew = [&](const std::string& asked) -> Result<bool> {
    const bool due = time::now() >= renewal_due_at(s.identity.cert, o.renew_at);
    if (asked.empty() && !due) return false;
    auto r = TRY(renew_ldevid(dev, s, asked == "rekey" || o.renew_new_key));
    TRY(take_new_credential());
    std::string what = "renewed LDevID " + r.old_serial + " -> " + r.new_serial +
                       (r.new_key ? " (new key)" : " (same key)") + ", " +
                       (asked.empty() ? "due" : "the site asked: " + asked);
    log::info("device", what);
    if (o.on_update) o.on_update(what);
    return true;
  };
  // An LDevID that expired (the device was off past its renewal, or every renewal failed) opens
  // no session with the site any more, and 802.1X refuses it: the agent onboards again by BRSKI
  // with its IDevID (kept for the device's whole life), at the registrar it onboarded with.
  auto onboard_again = [&]() -> Result<bool> {
    if (time::now() < s.identity.cert.not_after()) return false;
    auto cred = TRY(onboarded_credential(o.device_dir));
    if (cred.method != "brski")
      return make_error("renew.method",
                        "the LDevID expired; a DPP device is configured again by its configurator");
    const std::string registrar = cred.site_url.empty() ? s.site_url : cred.site_url;
    log::warn("device", "the LDevID " + s.identity.cert.serial_hex() + " expired at " +
                            time::format_rfc3339(s.identity.cert.not_after()) +
                            ": onboarding again at " + registrar);
    auto r = TRY(onboard_brski({o.device_dir, registrar, 60, /*again=*/true}));
    TRY(take_new_credential());
    (void)refresh_8021x(o.device_dir);  // a running supplicant takes the new pair
    const std::string what = "onboarded again (the LDevID had expired): LDevID " + r.ldevid_serial;
    log::info("device", what);
    if (o.on_update) o.on_update(what);
    return true;
  };
  EvidenceMaker evidence = [&](const Bytes& nonce) { return make_evidence(dev, nonce); };
  std::unique_ptr<net::HttpClient> client;
  int interval = o.interval_s > 0 ? o.interval_s : 60;
  int backoff = 1;
  for (int round = 1; o.rounds == 0 || round <= o.rounds; ++round) {
    Result<AttestReply> r = make_error("attest.unreachable", "not connected");
    auto again = onboard_again();
    if (!again) {
      r = again.error().context("onboarding again");
      client.reset();
    } else {
      if (*again) client.reset();  // the next session speaks with the new credential
      if (!client) {
        auto c = net::HttpClient::connect(url.host, url.port, ctx, 10, &id);
        if (c)
          client = std::move(*c);
        else
          r = make_error("attest.unreachable", c.error().message);
      }
      if (client) {
        r = attest_over(*client, evidence);
        if (!r) client.reset();  // a fresh session next round
      }
    }
    if (o.on_round) o.on_round(r);
    if (!r && r.error().code == "device.decommissioned") {
      // Said by the site this device trusts, over TLS authenticated by its domain CA.
      log::warn("device", r.error().str() + ": factory reset");
      TRY(factory_reset(o.device_dir));
      if (o.on_update) o.on_update("wiped: decommissioned by the site");
      return r.error();
    }
    if (r) {
      auto renewed = renew(r->renewal);
      if (!renewed)
        log::warn("device", "LDevID renewal: " + renewed.error().str());
      else if (*renewed && client)
        client.reset();  // the next steps speak with the new credential
    }
    if (r && o.updates && client) {
      auto st = lifecycle.step([&]() -> Result<AttestReply> {
        auto again = attest_over(*client, evidence);
        if (o.on_round) o.on_round(again);
        return again;
      });
      if (!st) {
        if (st.error().code == "app.mirror")
          log::debug("device", "no application service: " + st.error().str());
        else
          log::warn("device", "application/update step: " + st.error().str());
      }
    }
    int wait = interval;
    if (r) {
      backoff = 1;
      if (o.interval_s == 0) interval = wait = r->interval_s;
      if (r->action != "keep")
        log::warn("device",
                  "the site acted on this device's evidence: " + r->action + " (" + r->check + ")");
    } else {
      // The site no longer accepts this credential (revoked, superseded): nothing left to do.
      if (r.error().code == "attest.credential") return r.error();
      // A bounded run reports how its last round ended.
      if (o.rounds != 0 && round == o.rounds) return r.error();
      log::warn("device", "attestation round failed: " + r.error().str());
      wait = std::min(interval, backoff);
      backoff = std::min(backoff * 2, 60);
    }
    if (o.rounds != 0 && round == o.rounds) break;
    if (wait_for_stop_signal_for(wait * 1000)) break;
  }
  return ok_status();
}

}  // namespace gh::svc
