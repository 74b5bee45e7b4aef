// The site's DPP controller and configurator (`site serve --dpp-listen`, `site dpp ...`): knows
// enrollees' bootstrapping keys from bundles and from URIs it was given, authenticates them over
// TCP (port 8908), asks the policy, and configures them with a connector or a per-device PSK.
// Every configuration and every refusal goes to the inventory and the evidence log.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "codec/dpp_uri.h"
#include "net/tcp.h"
#include "proto/dpp.h"
#include "svc/common/metrics.h"
#include "svc/site/evidence_gate.h"
#include "svc/site/policy_store.h"
#include "svc/site/site.h"

namespace gh::svc {

struct DppSiteOptions {
  std::string ssid = "gatehouse";
  std::string akm = "dpp";  // dpp, psk, sae, psk+sae or dot1x (LDevID from a CSR)
  // Configure enrollees whose bootstrapping key no bundle and no add-uri names (responder-only
  // authentication from an unknown initiator). Off by default.
  bool accept_unknown = false;
  int64_t connector_lifetime_s = 0;                          // 0: connectors without expiry
  int64_t ldevid_lifetime_s = pki::kDefaultLdevidLifetimeS;  // dot1x certificates
  std::string eap_server_name = "eap.gatehouse.invalid";     // trustedEapServerName for dot1x
  int timeout_s = 10;  // a peer silent this long ends the exchange
};

struct DppExchange {
  bool ok = false;
  std::string device;  // serial or dpp:<hash>
  std::string akm;
  bool mutual = false;
  Error error;
};

class DppSite {
 public:
  static Result<std::unique_ptr<DppSite>> open(const std::string& state_dir, DppSiteOptions o);
  ~DppSite();

  // The controller's own bootstrapping URI (keys made on first use).
  const std::string& uri() const { return uri_; }
  // The same for the key on another curve (P-384, P-521).
  Result<std::string> uri(crypto::Curve curve) const;
  // Learns a device's key (`site dpp add-uri`, `site dpp scan`).
  Result<store::DppPeer> add_uri(const std::string& uri, const std::string& source);
  // Many at once, in one transaction (all or nothing).
  Result<size_t> add_uris(const std::vector<std::string>& uris, const std::string& source);
  // Serves enrollees on host:port until stop(); returns the bound port.
  Result<int> serve(const std::string& host, int port);
  void stop();
  // The site initiates to an enrollee listening at host:port whose URI it has.
  Result<DppExchange> initiate(const std::string& uri, const std::string& host, int port);
  // hostapd's wpa_psk_file: one "MAC PSK" line per active PSK configuration with a known MAC.
  Result<std::string> hostapd_psk_file();

  Site& site() { return *site_; }

 private:
  DppSite() = default;
  DppExchange run(int fd, proto::dpp::Session& s, std::vector<Bytes> first, bool listener,
                  Bytes received = {});
  void serve_connection(int fd, Bytes received);
  proto::dpp::Options session_options();
  std::optional<proto::dpp::PeerBootstrap> find(const std::string& hex_hash, bool chirp);
  Status load_peers();
  Result<proto::dpp::ConfigDecision> configure(const proto::dpp::EnrolleeInfo& e,
                                               const codec::dpp::ConfigRequest& r);
  Result<std::string> seal(const std::string& device, const SecretString& psk);
  Result<SecretString> unseal(const std::string& device, const std::string& sealed);

  std::unique_ptr<Site> site_;
  DppSiteOptions o_;
  proto::dpp::OwnBootstrap own_;  // P-256: the URI `site dpp uri` prints
  std::vector<proto::dpp::OwnBootstrap> own_other_;
  crypto::PrivateKey csign_;
  std::string uri_;
  Bytes seal_key_;
  std::mutex mu_;
  EvidenceGate gate_;  // bounds what failed exchanges write to the evidence log
  // Known enrollee keys by hex BKH and by hex chirp hash.
  struct Known {
    std::string label;  // serial or dpp:<hash>
    Bytes spki;
    std::string mac;  // from the URI's M: field
  };
  std::map<std::string, Known> by_bkh_, by_chirp_;
  int64_t loaded_version_ = -1;  // the inventory's external_changes() when the maps were built
  std::unique_ptr<net::TcpServer> server_;
  net::ServerLimits limits_;
  PolicyStore policy_{""};
  // The server's connection counts in the site's /metrics; gone before the server is.
  metrics::Registry::Collection server_stats_;
};

}  // namespace gh::svc
