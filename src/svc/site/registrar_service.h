// The registrar in `gatehouse site serve`: BRSKI (RFC 8995) and EST (RFC 7030) over HTTPS,
// relaying to each device's MASA, recording every decision in the inventory and evidence log.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "net/http.h"
#include "proto/registrar.h"
#include "svc/common/metrics.h"
#include "svc/site/campaigns.h"
#include "svc/site/evidence_gate.h"
#include "svc/site/lifecycle_service.h"
#include "svc/site/policy_store.h"
#include "svc/site/site.h"
#include "svc/site/verifier.h"

namespace gh::svc {

struct RegistrarOptions {
  int64_t ldevid_lifetime_s = pki::kDefaultLdevidLifetimeS;
  int masa_timeout_s = 10;
  // RFC 8995 5.8.3: fetch the MASA audit log and refuse a device another domain has had a
  // voucher for since its current declaration was issued (a clone, or a device taken elsewhere).
  bool check_audit_log = true;
  // Sync the update mirrors every this many seconds (0: never; `site mirror sync` by hand).
  int mirror_interval_s = 0;
};

class RegistrarService {
 public:
  static Result<std::unique_ptr<RegistrarService>> open(const std::string& state_dir,
                                                        RegistrarOptions options);
  Result<int> serve(const std::string& host, int port);
  net::HttpResponse handle(net::HttpRequest& req);
  void stop();

 private:
  RegistrarService() = default;
  // handle() without the step timing around it.
  net::HttpResponse route(net::HttpRequest& req);
  net::HttpResponse request_voucher(net::HttpRequest& req);
  net::HttpResponse simple_enroll(net::HttpRequest& req, bool reenroll);
  net::HttpResponse status_report(net::HttpRequest& req, const std::string& kind);
  // The attestation extension (registrar_attest.cpp): a challenge, or evidence appraised.
  net::HttpResponse attest(net::HttpRequest& req, bool evidence);
  Result<std::string> attesting_device(const net::HttpRequest& req);
  // The device whose current, active LDevID the request came with ("lifecycle.credential").
  Result<std::string> ldevid_device(const net::HttpRequest& req);
  // A refusal, recorded for a device that proved who it is (within its rate) ...
  net::HttpResponse refuse(int status, const std::string& serial, const std::string& kind,
                           const Error& e);
  // ... and only counted for a peer that proved nothing.
  net::HttpResponse refuse_unauthenticated(int status, const std::string& kind, const Error& e);
  void log_gate_summary(double now);
  Result<std::string> call_masa(const proto::PledgeRequest& p, const std::string& endpoint,
                                const Bytes& rvr, int* status_out);
  Status check_audit_log(const proto::PledgeRequest& p, const Bytes& rvr,
                         const store::DeviceRecord& device);
  bool is_domain_certificate(const std::vector<crypto::Certificate>& chain) const;

  std::unique_ptr<Site> site_;
  std::unique_ptr<PolicyStore> policy_;
  std::unique_ptr<Verifier> verifier_;
  std::unique_ptr<Campaigns> campaigns_;
  std::unique_ptr<LifecycleService> lifecycle_;
  std::mutex attest_mu_;
  std::unique_ptr<proto::Registrar> registrar_;
  RegistrarOptions options_;
  std::unique_ptr<net::HttpServer> server_;
  net::ServerLimits limits_;
  EvidenceGate gate_;
  Result<std::vector<proto::TrustedManufacturer>> manufacturer_anchors();
  std::mutex anchors_mu_;
  std::map<std::string, crypto::Certificate> anchors_;  // parsed roots, by fingerprint
  std::mutex tls_mu_;
  std::map<std::string, std::unique_ptr<crypto::TlsContext>>
      masa_tls_;  // by manufacturer root fingerprint
  // Idle keep-alive connections to MASAs, by the same key: a voucher costs no new TLS handshake.
  std::map<std::string, std::vector<std::unique_ptr<net::HttpClient>>> masa_idle_;
  // The server's connection counts in the site's /metrics; gone before the server is.
  metrics::Registry::Collection server_stats_;
};

}  // namespace gh::svc
