// The site's application-layer onboarding and lifecycle service (IR 8350 5.4 and 7), on the
// registrar's TLS server, for devices authenticated by their current LDevID:
//   GET  /lifecycle/v1/bootstrap?running=V  -> {"repository", "version", "model"}: where the
//        device's application comes from and which release the site's policy wants it to run
//   GET  /lifecycle/v1/tuf/<mirror>/<path>  the mirror of the manufacturer's TUF repository
//   GET  /lifecycle/v1/assignment           -> {} or {"campaign", "action", "version", ...}
//   POST /lifecycle/v1/report               {"kind": "app", "status": "operational", "version"}
//                                           {"kind": "campaign", "campaign", "phase", "version",
//                                            "check"}
// Every answer that refuses names the check (the same check names as the CLI).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "net/http.h"
#include "svc/site/campaigns.h"
#include "svc/site/site.h"

namespace gh::svc {

inline constexpr const char* kLifecyclePath = "/lifecycle/v1/";

class LifecycleService {
 public:
  LifecycleService(Site& site, Campaigns& campaigns) : site_(site), campaigns_(campaigns) {}
  ~LifecycleService();
  // serial: the device the request's LDevID belongs to (checked by the caller).
  net::HttpResponse handle(net::HttpRequest& req, const std::string& serial);
  // Keeps the mirrors up to date every interval_s seconds on a thread of its own (the first
  // right away), until stop().
  void start_mirror_sync(int interval_s);
  void stop();

 private:
  net::HttpResponse bootstrap(const std::string& serial, const std::string& query);
  net::HttpResponse report(net::HttpRequest& req, const std::string& serial);
  net::HttpResponse assignment(const std::string& serial);
  Result<std::string> mirror_for(const std::string& manufacturer);

  Site& site_;
  Campaigns& campaigns_;
  std::mutex campaign_mu_;  // one campaign step at a time
  std::atomic<double> ticked_at_{0};
  std::thread sync_;
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool stopping_ = false;
};

}  // namespace gh::svc
