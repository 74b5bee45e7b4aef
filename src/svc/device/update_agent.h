// The device's application-layer onboarding and software updates (IR 8350 5.4 and 7; SP 1800-36
// "streamlined" and "independent" application-layer onboarding):
//   streamlined: after network-layer onboarding, over mutual TLS with the LDevID, the site's
//                lifecycle service names the release and serves its mirror of the
//                manufacturer's repository;
//   independent: with its IDevID, the manufacturer's service named in
//                bootstrap/app-bootstrap.json (masa serve), with no help from the network.
// Either way the device runs the whole TUF client workflow itself from the root it was made with
// (bootstrap/tuf-root.json), installs into the inactive slot of its A/B layout, starts the new
// release, and keeps it only when it is healthy; otherwise it falls back to the previous slot.
//   onboarding/tuf/<site|manufacturer>/   the trusted TUF metadata, per service
//   onboarding/app.json                   {"path", "version", "service", "at"}: app-onboarded
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "device/firmware.h"
#include "svc/common/tuf_updater.h"

namespace gh::svc {

// Where the device's application comes from.
struct AppService {
  std::string path;  // "streamlined" or "independent"
  std::string host;
  int port = 443;
  std::string repository;  // the repository's base path on that server
  std::string api;         // "/lifecycle/v1/" or "/app/v1/"
  std::string version;     // the release the service wants the device to run
};

// A connection to the service: trusts its anchor, presents the device's credential.
class AppSession {
 public:
  AppSession(AppService service, crypto::TlsContext tls, crypto::TlsIdentity identity,
             std::string metadata_dir);
  const AppService& service() const { return service_; }
  // Where the release comes from and which, as the service said.
  void set_release(const std::string& repository, const std::string& version);
  HttpsFetcher& fetcher() { return *fetcher_; }
  const std::string& metadata_dir() const { return metadata_dir_; }
  // A JSON request to the service's API (path under api); refusals keep the service's check.
  Result<Json> call(const std::string& method, const std::string& path, const Json& body = {});

 private:
  AppService service_;
  crypto::TlsContext tls_;
  crypto::TlsIdentity identity_;
  std::string metadata_dir_;
  std::unique_ptr<HttpsFetcher> fetcher_;
  void reconnect();
};

// The streamlined service of an onboarded device (site URL, LDevID, domain CA), the
// independent one from bootstrap/app-bootstrap.json (IDevID, manufacturer root).
Result<std::unique_ptr<AppSession>> open_streamlined(const std::string& devdir,
                                                     const std::string& site_url,
                                                     const crypto::TlsIdentity& ldevid,
                                                     const crypto::Certificate& domain_ca);
Result<std::unique_ptr<AppSession>> open_independent(const std::string& devdir,
                                                     const crypto::TlsIdentity& idevid);

// A release the device fetched and verified through TUF: its manifest and component bytes.
struct VerifiedRelease {
  device::FirmwareManifest manifest;
  std::vector<std::string> contents;  // per component, in manifest order
};
// The TUF client workflow, then the release's manifest and every component: each target must be
// listed for this model ("update.model" when its custom metadata names another: wrong software)
// and this version ("update.version").
Result<VerifiedRelease> fetch_release(AppSession& session, const std::string& model,
                                      const std::string& version);
// The same through any fetcher, with the trusted metadata in metadata_dir.
Result<VerifiedRelease> fetch_release(TufFetcher& fetcher, const std::string& metadata_dir,
                                      const std::string& model, const std::string& version);

// Called after the switch, before the confirm: ok keeps the new release. The default health
// check (start_application) runs first; this adds the site's word (fresh attestation).
using HealthCheck = std::function<Status()>;
enum class InstallOutcome { kAlreadyRunning, kInstalled };
// Makes release the running one: when the active slot already holds it byte for byte, nothing
// changes (and when it holds that version altered, "update.integrity": the site's attestation
// is to see it, not the agent to repair it silently); otherwise stage, switch, health check,
// confirm, or roll back and refuse with the check that failed ("app.health", or the extra check's).
// A release older than the one running is refused ("update.downgrade") unless allow_downgrade (none
// of the device's own paths set it: going back is a rollback to the previous slot).
Result<InstallOutcome> apply_release(const std::string& devdir, const VerifiedRelease& release,
                                     const HealthCheck& extra_check = {},
                                     const std::function<void(const std::string&)>& on_phase = {},
                                     bool allow_downgrade = false);

// Application-layer onboarding: fetch and verify the release the service names, run it, report
// "operational", record onboarding/app.json.
Status app_onboard(const std::string& devdir, AppSession& session, const HealthCheck& extra = {});
// Tells the site (over the LDevID) that the device runs its application, and how it was
// app-onboarded: the site sees the path a device took even when it was the manufacturer's.
Status report_app_to_site(const std::string& site_url, const crypto::TlsIdentity& ldevid,
                          const crypto::Certificate& domain_ca, const std::string& path,
                          const std::string& version);
// Whether the device was app-onboarded, and how ("" when not).
std::string app_onboarded_path(const std::string& devdir);

}  // namespace gh::svc
