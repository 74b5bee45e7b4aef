#include "svc/site/lifecycle_service.h"

#include "common/fs.h"
#include "common/log.h"
#include "device/firmware.h"
#include "svc/common/tuf_serve.h"
#include "svc/site/evidence_gate.h"
#include "svc/site/update_mirror.h"

namespace gh::svc {

namespace {

net::HttpResponse json_answer(const Json& j) {
  return net::HttpResponse{200, "application/json", j.dump(), {}};
}

net::HttpResponse refusal(const Error& e, int status = 403) {
  return net::HttpResponse::refusal(status, e.code, e.message);
}

std::string query_value(const std::string& query, const std::string& key) {
  size_t at = 0;
  while (at < query.size()) {
    size_t amp = query.find('&', at);
    std::string kv = query.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
    if (kv.rfind(key + "=", 0) == 0) return kv.substr(key.size() + 1);
    if (amp == std::string::npos) break;
    at = amp + 1;
  }
  return "";
}

}  // namespace

LifecycleService::~LifecycleService() {
  stop();
}

net::HttpResponse LifecycleService::handle(net::HttpRequest& req, const std::string& serial) {
  std::string path = req.path.substr(std::string(kLifecyclePath).size());
  std::string query;
  if (auto q = path.find('?'); q != std::string::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (path.rfind("tuf/", 0) == 0) {
    if (req.method != "GET") return net::HttpResponse::text(405, "GET only");
    std::string rest = path.substr(4);
    auto slash = rest.find('/');
    if (slash == std::string::npos) return net::HttpResponse::text(404, "no such repository");
    std::string id = rest.substr(0, slash);
    if (id.find_first_not_of("0123456789abcdef") != std::string::npos)
      return net::HttpResponse::text(404, "no such repository");
    return serve_repository_file(mirror_repository_dir(site_.state_dir(), id),
                                 rest.substr(slash + 1));
  }
  if (path == "bootstrap" && req.method == "GET") return bootstrap(serial, query);
  if (path == "assignment" && req.method == "GET") return assignment(serial);
  if (path == "report" && req.method == "POST") return report(req, serial);
  return net::HttpResponse::text(404, "no such resource");
}

Result<std::string> LifecycleService::mirror_for(const std::string& manufacturer) {
  for (const auto& src : TRY(mirror_sources(site_.state_dir())))
    if (src.manufacturer == manufacturer &&
        fs::exists(mirror_repository_dir(site_.state_dir(), src.id) + "/metadata/timestamp.json"))
      return src.id;
  return make_error("app.mirror", "the site mirrors no update repository of " + manufacturer);
}

net::HttpResponse LifecycleService::bootstrap(const std::string& serial, const std::string& query) {
  auto d = site_.inventory().get(serial);
  if (!d || !*d) return refusal(Error{"device.unknown", serial + " is not in the inventory"});
  if (!store::in_service((*d)->state))
    return refusal(Error{"lifecycle.state", serial + " is " + (*d)->state + ", not in service"});
  auto id = mirror_for((*d)->manufacturer);
  if (!id) return refusal(id.error(), 404);
  auto versions = mirrored_versions(site_.state_dir(), *id, (*d)->model);
  if (!versions || versions->empty())
    return refusal(Error{"app.release", "the mirror holds no release of " + (*d)->model}, 404);
  // The site's policy: keep the release the device runs when the manufacturer signed it (it is
  // verified, not replaced); otherwise the newest. Campaigns move devices on from there.
  std::string running = query_value(query, "running");
  std::string version = versions->back();
  for (const auto& v : *versions)
    if (v == running) version = v;
  return json_answer(Json{{"repository", std::string(kLifecyclePath) + "tuf/" + *id + "/"},
                          {"version", version},
                          {"model", (*d)->model}});
}

net::HttpResponse LifecycleService::assignment(const std::string& serial) {
  std::lock_guard<std::mutex> lock(campaign_mu_);
  double now = time::monotonic();
  if (now - ticked_at_.load() > 2) {
    ticked_at_ = now;
    if (auto st = campaigns_.tick(); !st) log::warn("campaign", "tick: " + st.error().str());
  }
  auto a = campaigns_.assignment(serial);
  if (!a) return refusal(a.error(), 500);
  if (!*a) return json_answer(Json::object());
  return json_answer(Json{{"campaign", (*a)->campaign},
                          {"action", (*a)->action},
                          {"version", (*a)->version},
                          {"previous-version", (*a)->previous_version}});
}

net::HttpResponse LifecycleService::report(net::HttpRequest& req, const std::string& serial) {
  auto body = parse_json(req.body, "report", JsonLimits{4096, 4, 64});
  if (!body || !body->is_object())
    return refusal(Error{"report.json", "a JSON object is expected"}, 400);
  std::string kind = json_string_or(*body, "kind", "");
  std::string version = json_string_or(*body, "version", "");
  if (kind == "app") {
    if (json_string_or(*body, "status", "") != "operational")
      return refusal(Error{"report.status", "the status reported must be operational"}, 400);
    // The path the device took: through this service, or the manufacturer's (reported here
    // afterwards, over its LDevID).
    std::string path = json_string_or(*body, "path", "streamlined");
    // The device's word sets its application version once, at application-layer onboarding;
    // after that only the site's own verdict does (an affirming attestation of that release).
    auto d = site_.inventory().get(serial);
    if (!d || !*d) return refusal(Error{"device.unknown", serial + " is not in the inventory"});
    if (!(*d)->app_status.empty()) {
      auto a = site_.inventory().latest_attestation(serial);
      if (!a || !*a || (*a)->status != "affirming" || (*a)->release != version)
        return refusal(Error{"app.reported", serial + " was app-onboarded already; the site "
                                                      "records another version only from its own "
                                                      "affirming attestation of that release"});
    }
    Json detail{{"path", path}, {"version", version}};
    auto st = site_.inventory().record_app_status(
        serial, path, version,
        store::Event{0, 0, serial, "app.operational", "ok",
                     "application-layer onboarding completed (" + sanitize_peer_text(path) + ")",
                     detail.dump()});
    if (!st) return refusal(st.error());
    return json_answer(Json{{"recorded", true}});
  }
  if (kind == "campaign") {
    auto campaign = body->find("campaign");
    if (campaign == body->end() || !campaign->is_number_integer())
      return refusal(Error{"report.json", "\"campaign\" must be a number"}, 400);
    std::lock_guard<std::mutex> lock(campaign_mu_);
    auto st =
        campaigns_.report(serial, campaign->get<int64_t>(), json_string_or(*body, "phase", ""),
                          version, json_string_or(*body, "check", ""));
    if (!st) return refusal(st.error(), 409);
    return json_answer(Json{{"recorded", true}});
  }
  return refusal(Error{"report.kind", "kind must be app or campaign"}, 400);
}

void LifecycleService::start_mirror_sync(int interval_s) {
  if (interval_s <= 0 || sync_.joinable()) return;
  sync_ = std::thread([this, interval_s] {
    std::unique_lock<std::mutex> lock(sync_mu_);
    while (!stopping_) {
      lock.unlock();
      auto r = sync_mirrors(site_);
      if (!r)
        log::warn("mirror", "update mirror sync failed: " + r.error().str());
      else
        for (const auto& m : *r)
          if (m.downloaded > 0 || !m.releases.empty())
            log::info("mirror", m.manufacturer + ": " + std::to_string(m.downloaded) +
                                    " new target(s), timestamp version " +
                                    std::to_string(m.timestamp_version));
      lock.lock();
      sync_cv_.wait_for(lock, std::chrono::seconds(interval_s), [this] { return stopping_; });
    }
  });
}

void LifecycleService::stop() {
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    stopping_ = true;
  }
  sync_cv_.notify_all();
  if (sync_.joinable()) sync_.join();
}

}  // namespace gh::svc
