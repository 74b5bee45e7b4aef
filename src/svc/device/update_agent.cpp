#include "svc/device/update_agent.h"

#include "common/fs.h"
#include "common/log.h"
#include "device/app_run.h"
#include "device/image.h"
#include "device/slots.h"

namespace gh::svc {

namespace {

constexpr int kAppTimeoutS = 10;

Result<std::string> repository_dir_for(const std::string& devdir, const std::string& which) {
  std::string dir = fs::join(devdir, "onboarding/tuf/" + which);
  TRY(fs::make_dirs(dir, 0700));
  // The first trusted root is the one the device was made with.
  if (!fs::exists(fs::join(dir, "root.json"))) {
    std::string shipped = fs::join(devdir, "bootstrap/tuf-root.json");
    if (!fs::exists(shipped))
      return make_error("update.root",
                        "the device was made without an update root (bootstrap/tuf-root.json)");
    TRY(fs::write_file_atomic(fs::join(dir, "root.json"), TRY(fs::read_file(shipped))));
  }
  return dir;
}

std::string with_slash(std::string p) {
  if (p.empty() || p.back() != '/') p += '/';
  return p;
}

}  // namespace

AppSession::AppSession(AppService service, crypto::TlsContext tls, crypto::TlsIdentity identity,
                       std::string metadata_dir)
    : service_(std::move(service)),
      tls_(std::move(tls)),
      identity_(std::move(identity)),
      metadata_dir_(std::move(metadata_dir)) {
  reconnect();
}

void AppSession::reconnect() {
  HttpsFetcherOptions o;
  o.host = service_.host;
  o.port = service_.port;
  o.base_path = with_slash(service_.repository);
  o.tls = &tls_;
  o.identity = &identity_;
  fetcher_ = std::make_unique<HttpsFetcher>(o);
}

void AppSession::set_release(const std::string& repository, const std::string& version) {
  service_.repository = repository;
  service_.version = version;
  reconnect();
}

Result<Json> AppSession::call(const std::string& method, const std::string& path,
                              const Json& body) {
  auto* c = TRY(fetcher_->client());
  std::vector<std::pair<std::string, std::string>> headers;
  std::string text;
  if (!body.is_null()) {
    headers.emplace_back("Content-Type", "application/json");
    text = body.dump();
  }
  auto r = c->request(method, service_.api + path, headers, text);
  if (!r) {
    reconnect();
    return Error{"app.unreachable",
                 service_.host + ":" + std::to_string(service_.port) + ": " + r.error().message};
  }
  if (r->status != 200) return r->refusal(service_.api + path, "app.refused");
  auto j = parse_json(r->body, "app.answer", JsonLimits{64 * 1024, 8, 4096});
  if (!j) return j.error();
  return *j;
}

Result<std::unique_ptr<AppSession>> open_streamlined(const std::string& devdir,
                                                     const std::string& site_url,
                                                     const crypto::TlsIdentity& ldevid,
                                                     const crypto::Certificate& domain_ca) {
  auto url = TRY(net::Url::parse(site_url));
  auto tls = TRY(crypto::TlsContext::client(&ldevid, {domain_ca}, ""));
  AppService svc{"streamlined", url.host, url.port, "", "/lifecycle/v1/", ""};
  auto session = std::make_unique<AppSession>(svc, std::move(tls), ldevid,
                                              TRY(repository_dir_for(devdir, "site")));
  // The site's policy chooses the service and the release for this device.
  auto b = TRY_CTX(session->call("GET", "bootstrap"), "application bootstrapping");
  session->set_release(TRY(json_string(b, "repository", "bootstrap")),
                       TRY(json_string(b, "version", "bootstrap")));
  return session;
}

Result<std::unique_ptr<AppSession>> open_independent(const std::string& devdir,
                                                     const crypto::TlsIdentity& idevid) {
  auto text = TRY(fs::read_file(fs::join(devdir, "bootstrap/app-bootstrap.json")));
  auto j = TRY(parse_json(text, "app-bootstrap"));
  auto url = TRY(net::Url::parse(TRY(json_string(j, "service-url", "app-bootstrap"))));
  auto anchor =
      TRY(crypto::Certificate::from_pem(TRY(json_string(j, "trust-anchor", "app-bootstrap"))));
  AppService svc{"independent", url.host, url.port, "/tuf/", "/app/v1/", ""};
  // The manufacturer's service must chain to the anchor the device was made with.
  auto tls = TRY(crypto::TlsContext::client(&idevid, {anchor}, url.host));
  auto session = std::make_unique<AppSession>(svc, std::move(tls), idevid,
                                              TRY(repository_dir_for(devdir, "manufacturer")));
  auto r = TRY_CTX(session->call("GET", "release"), "application service");
  session->set_release("/tuf/", TRY(json_string(r, "version", "release")));
  return session;
}

Result<VerifiedRelease> fetch_release(AppSession& session, const std::string& model,
                                      const std::string& version) {
  return fetch_release(session.fetcher(), session.metadata_dir(), model, version);
}

Result<VerifiedRelease> fetch_release(TufFetcher& fetcher, const std::string& metadata_dir,
                                      const std::string& model, const std::string& version) {
  TufUpdater updater(metadata_dir, fetcher);
  TRY(updater.refresh(time::now()));
  const std::string base = model + "/" + version + "/";
  auto checked = [&](const std::string& path) -> Result<std::string> {
    auto info = TRY(updater.target_info(path));
    // Wrong software: the manufacturer's signed metadata must say this target is for this model.
    if (!info.custom.is_object() || json_string_or(info.custom, "model", "") != model)
      return make_error("update.model", path + " is not signed as software for " + model);
    if (json_string_or(info.custom, "version", "") != version)
      return make_error("update.version", path + " is not signed as release " + version);
    return updater.download(path, info);
  };
  VerifiedRelease r;
  r.manifest = TRY_CTX(device::parse_firmware_manifest(TRY(checked(base + "release.json"))),
                       "release " + version);
  if (r.manifest.model != model)
    return make_error("update.model", "release " + version + " is for " + r.manifest.model);
  if (r.manifest.version != version)
    return make_error("update.version", "the manifest says version " + r.manifest.version);
  for (const auto& c : r.manifest.components) r.contents.push_back(TRY(checked(base + c.file)));
  return r;
}

Result<InstallOutcome> apply_release(const std::string& devdir, const VerifiedRelease& release,
                                     const HealthCheck& extra_check,
                                     const std::function<void(const std::string&)>& on_phase,
                                     bool allow_downgrade) {
  auto slots = TRY(device::Slots::open(devdir));
  if (slots.in_trial()) return make_error("slot.busy", "an earlier update is still on trial");
  // Already running it, byte for byte?
  if (slots.version(slots.active()) == release.manifest.version) {
    bool same = true;
    for (size_t i = 0; i < release.manifest.components.size() && same; ++i) {
      auto bytes =
          fs::read_file_limited(fs::join(devdir, "firmware/" + release.manifest.components[i].file),
                                device::kMaxComponentBytes, "device.firmware");
      same = bytes && *bytes == release.contents[i];
    }
    if (same) return InstallOutcome::kAlreadyRunning;
    // The release it runs is not the one the manufacturer signed: that is for the site to see
    // (its next attestation names the measurement), not for the agent to paper over.
    return make_error("update.integrity", "the running release " + release.manifest.version +
                                              " differs from the signed one");
  }
  // TUF keeps metadata from going back, not software: an older release, however validly signed,
  // may carry the flaw a newer one fixed. Going back is a rollback to the previous slot only.
  const std::string running = slots.version(slots.active());
  if (!allow_downgrade && !running.empty() &&
      device::version_less(release.manifest.version, running))
    return make_error("update.downgrade", "release " + release.manifest.version +
                                              " is older than the running " + running);
  TRY(slots.stage(release.manifest, release.contents));
  if (on_phase) on_phase("install");
  TRY(slots.switch_to_inactive());
  TRY(slots.boot());  // the trial boot: counted on disk before the new release runs
  Status health = [&]() -> Status {
    auto run = TRY(device::start_application(devdir, kAppTimeoutS));
    if (!run.healthy)
      return make_error("app.health", "release " + release.manifest.version +
                                          " did not start (exit " + std::to_string(run.exit_code) +
                                          ")");
    if (extra_check) TRY(extra_check());
    return ok_status();
  }();
  if (!health.ok()) {
    auto back = slots.rollback();
    if (!back.ok())
      log::error("update", "cannot roll back: " + back.error().message);
    else
      log::warn("update",
                "rolled back to " + slots.version(slots.active()) + ": " + health.error().str());
    return health.error();
  }
  TRY(slots.confirm());
  return InstallOutcome::kInstalled;
}

Status report_app_to_site(const std::string& site_url, const crypto::TlsIdentity& ldevid,
                          const crypto::Certificate& domain_ca, const std::string& path,
                          const std::string& version) {
  auto url = TRY(net::Url::parse(site_url));
  auto tls = TRY(crypto::TlsContext::client(&ldevid, {domain_ca}, ""));
  AppSession site(AppService{path, url.host, url.port, "", "/lifecycle/v1/", version},
                  std::move(tls), ldevid, "");
  Json report{{"kind", "app"}, {"status", "operational"}, {"version", version}, {"path", path}};
  TRY_CTX(site.call("POST", "report", report), "report to the site");
  return ok_status();
}

std::string app_onboarded_path(const std::string& devdir) {
  auto text = fs::read_file(fs::join(devdir, "onboarding/app.json"));
  if (!text) return "";
  auto j = parse_json(*text, "app");
  return j ? json_string_or(*j, "path", "") : "";
}

Status app_onboard(const std::string& devdir, AppSession& session, const HealthCheck& extra) {
  auto image = TRY(device::Image::open(devdir));
  const auto& svc = session.service();
  auto release = TRY(fetch_release(session, image.info().model, svc.version));
  TRY(apply_release(devdir, release, extra));
  // Running: start it (the health run of the release now active) and report.
  auto run = TRY(device::start_application(devdir, kAppTimeoutS));
  if (!run.healthy)
    return make_error("app.health", "the application does not start (exit " +
                                        std::to_string(run.exit_code) + ")");
  Json report{{"kind", "app"}, {"status", "operational"}, {"version", svc.version}};
  TRY_CTX(session.call("POST", "report", report), "report");
  Json rec{{"path", svc.path},
           {"version", svc.version},
           {"service", svc.host + ":" + std::to_string(svc.port)},
           {"at", time::format_rfc3339(time::now())}};
  return fs::write_file_atomic(fs::join(devdir, "onboarding/app.json"), rec.dump(2) + "\n");
}

}  // namespace gh::svc
