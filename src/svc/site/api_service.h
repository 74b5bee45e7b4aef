// The site's REST API (`site serve --api-listen`): /api/v1/ over HTTPS for the people who run the
// network, in the way NAC products expose theirs (PacketFence, ISE): the inventory with filters,
// one device whole, actions on one device or a filtered set, the policy, trusted manufacturers,
// bundle import, the evidence log (JSON, CSV, a live Server-Sent Events feed) and the API's own
// operators.
//
// The same listener serves the web dashboard's files at /ui/ (ui_files.h; / and /ui lead there).
//
// Every request but /health and /openapi.json carries `Authorization: Bearer TOKEN` (an operator
// made by `site operator add`); the route table below says which role each route needs. Nothing
// is kept in cookies, so a browser cannot be made to send a credential (CSRF); a request with a
// Cookie and no Authorization is refused as the sign of one. Every error is JSON:
// {"error": {"check": "...", "message": "..."}}, with the check names the CLI prints.
//
// /api/v1/metrics, also at /metrics where Prometheus looks by default, is the site's metrics in
// the Prometheus text format (site_metrics.h). Like /health it needs no token by default: a
// scraper then needs only the domain CA to verify the server, and the numbers name no device.
// ApiOptions::metrics_role (site serve --metrics-role viewer) asks a viewer's bearer token of it
// instead, which Prometheus sends with `authorization: {credentials_file: ...}`.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/http.h"
#include "svc/common/metrics.h"
#include "svc/site/api_operators.h"
#include "svc/site/policy_store.h"
#include "svc/site/site.h"
#include "svc/site/site_metrics.h"
#include "svc/site/ui_files.h"

namespace gh::svc {

struct ApiOptions {
  // The server's certificate and key (PEM files); empty: one is issued from the domain CA when the
  // service starts, for localhost and the address it listens on (clients trust domain-ca.pem).
  std::string cert_path;
  std::string key_path;
  std::vector<std::string> names;  // more DNS names or addresses for the issued certificate
  // The event feed (GET /events/stream): feeds at once (streams and long polls; each holds a
  // worker), how long a long poll waits at most, how long one stream stays open before the client
  // reconnects, and how often a quiet stream sends its keep-alive comment.
  int max_streams = 16;
  int stream_wait_max_s = 15;
  int stream_hold_s = 600;
  int stream_heartbeat_s = 15;
  // The least role /metrics needs: kPublic (no token, the default) or kViewer and up.
  ApiRole metrics_role = ApiRole::kPublic;
  // The web dashboard's built files, served at /ui/ (ui_files.h); empty: UiFiles::default_dir().
  std::string ui_dir;
};

// One request being answered: its path parameters, query and the operator making it.
struct ApiCall;

class ApiService {
 public:
  // Token guessing: kAuthStrikes wrong tokens from one address within kAuthWindowS shut that
  // address out of authentication (every token, right or wrong: api.auth-rate, 429) until
  // kAuthWindowS after the last; at most kAuthPeers addresses are tracked, and past that the
  // untracked share one record.
  static constexpr int kAuthStrikes = 20;
  static constexpr double kAuthWindowS = 60;
  static constexpr size_t kAuthPeers = 4096;
  // Each shut-out is an evidence log entry (api.auth-blocked, with the address), at most
  // kAuthEvidencePerHour an hour; past that they are counted and the count goes with the next one
  // recorded.
  static constexpr int kAuthEvidencePerHour = 60;
  using Method = net::HttpResponse (ApiService::*)(ApiCall&);
  struct Route {
    const char* method;
    const char* path;  // under /api/v1; "{name}" stands for one path segment
    ApiRole role;      // the least role allowed; kPublic needs no token
    const char* summary;
    Method handler;
  };
  // Every route, in the order they are matched (the OpenAPI document is checked against it).
  static const std::vector<Route>& routes();
  // The OpenAPI 3.0 document served at /api/v1/openapi.json.
  static const Json& openapi();

  static Result<std::unique_ptr<ApiService>> open(const std::string& state_dir,
                                                  ApiOptions options = {});
  ~ApiService();
  // Listens on host:port (0 picks one); returns the port.
  Result<int> serve(const std::string& host, int port);
  net::HttpResponse handle(net::HttpRequest& req);
  // Whether the dashboard's files are where /ui/ looks for them.
  bool ui_installed() const { return ui_->installed(); }
  void stop();

 private:
  ApiService() = default;
  Result<crypto::TlsIdentity> server_identity(const std::string& host);

  net::HttpResponse health(ApiCall& c);
  net::HttpResponse openapi_document(ApiCall& c);
  net::HttpResponse list_devices(ApiCall& c);
  net::HttpResponse show_device(ApiCall& c);
  net::HttpResponse device_action(ApiCall& c);
  net::HttpResponse bulk_action(ApiCall& c);
  net::HttpResponse get_policy(ApiCall& c);
  net::HttpResponse policy_decision(ApiCall& c);
  net::HttpResponse onboarding_stats(ApiCall& c);
  net::HttpResponse put_policy(ApiCall& c);
  net::HttpResponse list_manufacturers(ApiCall& c);
  net::HttpResponse import_bundle(ApiCall& c);
  net::HttpResponse list_events(ApiCall& c);
  net::HttpResponse stream_events(ApiCall& c);
  net::HttpResponse whoami(ApiCall& c);
  net::HttpResponse list_operators(ApiCall& c);
  net::HttpResponse add_operator(ApiCall& c);
  net::HttpResponse remove_operator(ApiCall& c);
  net::HttpResponse metrics_text(ApiCall& c);

  struct Strikes {
    int count = 0;
    double first = 0;
    double blocked_until = 0;
  };
  // The operator an Authorization header names, a wrong token counted against peer: the operator,
  // or the refusal as its check (api.auth; api.auth-rate with retry_after_s; a store's error).
  struct SignIn {
    std::optional<ApiOperator> op;
    Error refusal;
    int retry_after_s = 0;
  };
  SignIn sign_in(const std::string& authorization, const std::string& peer);
  // Seconds until peer may try a token again; 0 when it may now.
  int auth_wait(const std::string& peer, double now);
  void auth_failed(const std::string& peer, double now);
  std::mutex auth_mu_;
  std::map<std::string, Strikes> strikes_;
  std::deque<double> blocks_recorded_;  // when shut-outs went to the evidence log, last hour
  int64_t blocks_unrecorded_ = 0;
  std::vector<store::Event> blocks_pending_;  // not written yet (at most the hour's budget)
  std::atomic<bool> any_block_pending_{false};
  // Writes the shut-outs auth_failed() queued (a worker's job: a database write).
  void write_auth_evidence();

  // Waits up to ms for stop(); true when stopping.
  bool wait_stop(int ms);

  std::unique_ptr<Site> site_;
  std::unique_ptr<PolicyStore> policy_;
  std::unique_ptr<OperatorStore> operators_;
  std::unique_ptr<SiteMetrics> metrics_;
  std::unique_ptr<UiFiles> ui_;
  // The onboarding view's reads of the evidence log (GET /stats/onboarding), one at a time.
  std::mutex stats_mu_;
  std::unique_ptr<EvidenceTail> stats_tail_;
  ApiOptions options_;
  std::unique_ptr<net::HttpServer> server_;
  net::ServerLimits limits_;
  double started_ = 0;
  std::atomic<int> streams_{0};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  // The server's connection counts in /metrics; gone before the server is.
  metrics::Registry::Collection server_stats_;
};

}  // namespace gh::svc
