#include "svc/device/dpp_enrollee.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "codec/dpp_uri.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/cms.h"
#include "crypto/x509.h"
#include "device/image.h"
#include "net/listener.h"
#include "net/tcp.h"
#include "svc/common/dpp_link.h"
#include "svc/device/device_agent.h"

namespace gh::svc {
namespace {

namespace cd = codec::dpp;
namespace pd = proto::dpp;

constexpr const char* kNetAccessKey = "dpp-netaccess";
constexpr const char* kPskSecret = "wifi-psk";
constexpr int kMaxBackoffS = 8;    // between attempts of onboard_dpp
constexpr int kFirstMessageS = 5;  // a listener's wait for a connected peer's first message

struct Prepared {
  OpenedDevice dev;
  pd::Options options;
};

Result<Prepared> prepare(const DppEnrolleeOptions& o) {
  Prepared p{TRY(open_device(o.device_dir)), {}};
  auto uri = TRY(codec::DppUri::parse(
      trim(TRY(fs::read_file(fs::join(o.device_dir, "bootstrap/dpp-uri.txt"))))));
  pd::Options& opt = p.options;
  opt.role = pd::Role::kEnrollee;
  opt.own.key = TRY(p.dev.keystore->load(device::kDppKey));
  opt.own.spki = uri.key;  // hashes are over the SPKI exactly as the URI carries it
  if (!(TRY(crypto::PublicKey::from_der(uri.key)) == opt.own.key.public_key()))
    return make_error("device.image", "bootstrap/dpp-uri.txt does not carry this device's key");
  opt.request.name = p.dev.serial();
  opt.request.net_role = o.net_role;
  opt.request.mud_url = p.dev.info.mud_url;
  crypto::KeyStore* ks = p.dev.keystore.get();
  opt.make_protocol_key = [ks](crypto::Curve c) -> Result<crypto::PrivateKey> {
    if (ks->has(kNetAccessKey)) TRY(ks->remove(kNetAccessKey));  // an interrupted attempt's
    return ks->generate(kNetAccessKey, c);
  };
  if (!o.peer_uri.empty()) {
    auto peer = TRY_CTX(codec::DppUri::parse(o.peer_uri), "--peer-uri");
    opt.peer = TRY(pd::PeerBootstrap::from_spki(
        peer.key, "configurator " + hex_encode(peer.key_hash()).substr(0, 16)));
  }
  return p;
}

// Nothing of a failed exchange stays behind.
void discard_attempt(Prepared& p) {
  if (p.dev.keystore->has(kNetAccessKey)) (void)p.dev.keystore->remove(kNetAccessKey);
}

Result<DppEnrolleeResult> finish(const DppEnrolleeOptions& o, Prepared& p, pd::Session& s,
                                 Status outcome) {
  if (!outcome) {
    discard_attempt(p);
    return outcome.error();
  }
  const cd::ConfigObject& c = s.configuration().front();
  Json cred{{"akm", c.akm}};
  DppEnrolleeResult r;
  if (!c.signed_connector.empty()) {
    Json csign = cd::ec_jwk(c.csign);
    csign["kid"] = cd::csign_kid(c.csign);
    cred["signedConnector"] = c.signed_connector;
    cred["csign"] = csign;
    cred["netAccessKey"] = std::string("keystore:") + kNetAccessKey;
    r.csign_kid = cd::csign_kid(c.csign);
  } else if (c.akm != "dot1x" && p.dev.keystore->has(kNetAccessKey)) {
    TRY(p.dev.keystore->remove(kNetAccessKey));  // no connector or certificate names it
  }
  if (!c.pass.empty()) {
    TRY(store_device_secret(o.device_dir, kPskSecret, c.pass));
    cred["psk"] = std::string("keystore:") + kPskSecret;
  }
  std::vector<std::tuple<std::string, std::string, unsigned>> files;
  if (c.akm == "dot1x") {
    // The engine checked that the certBag certifies our protocol key and chains to caCert.
    auto certs = TRY(crypto::certs_only_decode(TRY(base64_decode(c.cert_bag))));
    std::string ldevid, chain;
    for (const auto& cert : certs)
      (cert.public_key() == s.protocol_key().public_key() ? ldevid : chain) += cert.pem();
    files.emplace_back("ldevid.pem", ldevid + chain, 0644);
    if (!c.ca_cert.empty())
      files.emplace_back("domain-ca.pem",
                         TRY(crypto::Certificate::from_der(TRY(base64_decode(c.ca_cert)))).pem(),
                         0644);
    cred["ldevid"] = {{"certificate", "ldevid.pem"},
                      {"key", std::string("keystore:") + kNetAccessKey}};
    cred["eap"] = {{"method", "EAP-TLS"},
                   {"ca", c.ca_cert.empty() ? "" : "domain-ca.pem"},
                   {"server-name", c.trusted_eap_server_name}};
  }
  Json network{{"method", "dpp"},       {"ssid", c.ssid},
               {"wi-fi_tech", "infra"}, {"credential", cred},
               {"mutual", s.mutual()},  {"onboarded-at", time::format_rfc3339(time::now())}};
  if (!o.controller.empty()) network["controller"] = o.controller;
  files.emplace_back("network.json", network.dump(2) + "\n", 0644);
  TRY(publish_onboarding(o.device_dir, files));
  r.serial = p.dev.serial();
  r.akm = c.akm;
  r.ssid = c.ssid;
  r.mutual = s.mutual();
  return r;
}

// Worth another attempt: the controller could not be reached, went away or went quiet (it may be
// restarting). What the protocol itself refuses (the configurator's status, a tag that does not
// verify, an unknown key) ends the onboarding with that check.
bool transport_failure(const Error& e) {
  return e.code == "net.resolve" || e.code == "net.connect" || e.code == "dpp.closed" ||
         e.code == "dpp.timeout" || e.code == "dpp.io";
}

// One attempt on a fresh connection: announce (or initiate), then the exchange, each message
// awaited at most silence_s.
Status attempt(const std::pair<std::string, int>& controller, pd::Session& s, bool initiate,
               int silence_s) {
  Bytes first = initiate ? TRY(s.start()) : TRY(s.presence_announcement());
  int fd = TRY(net::tcp_connect(controller.first, controller.second, silence_s));
  Status st = drive_dpp(fd, s, {first});
  ::close(fd);
  if (!st && transport_failure(st.error()))  // which peer went away or quiet
    return st.error().context("controller " + net::peer_name(controller.first, controller.second));
  return st;
}

}  // namespace

Result<DppEnrolleeResult> onboard_dpp(const DppEnrolleeOptions& o) {
  auto hp = TRY(net::parse_host_port(o.controller));
  auto p = TRY(prepare(o));
  // Like the pledge (pledge_agent.cpp): a controller that is down, restarting or died mid-exchange
  // is tried again with back-off until the overall deadline.
  const double deadline = time::monotonic() + o.timeout_s;
  int backoff_s = 1;
  for (int n = 1;; ++n) {
    pd::Session s(p.options);
    int silence_s = std::max(1, static_cast<int>(std::ceil(deadline - time::monotonic())));
    Status st = attempt(hp, s, p.options.peer.has_value(), silence_s);
    if (st || !transport_failure(st.error()) || time::monotonic() + backoff_s > deadline)
      return finish(o, p, s, st);
    discard_attempt(p);
    log::warn("dpp", "attempt " + std::to_string(n) + " failed (" + st.error().str() +
                         "); retrying in " + std::to_string(backoff_s) + " s");
    std::this_thread::sleep_for(std::chrono::seconds(backoff_s));
    backoff_s = std::min(backoff_s * 2, kMaxBackoffS);
  }
}

Result<DppEnrolleeResult> onboard_dpp_listen(const DppEnrolleeOptions& o,
                                             ListeningCallback on_listening) {
  auto hp = TRY(net::parse_host_port(o.listen));
  auto p = TRY(prepare(o));
  auto listener = TRY(net::TcpListener::open(hp.first, hp.second));
  if (on_listening) on_listening(listener.port());
  // One peer at a time, until one configures us or the time is up: a port probe, garbage or a
  // configurator that fails is logged and the next connection is served.
  const double deadline = time::monotonic() + o.timeout_s;
  for (;;) {
    auto peer = TRY(listener.accept_until(deadline));
    if (!peer) {
      discard_attempt(p);
      return make_error("dpp.timeout", "no configurator configured this device within " +
                                           std::to_string(o.timeout_s) + " s");
    }
    // A configurator sends its Authentication Request as soon as it is connected.
    net::set_socket_timeouts(peer->fd, std::clamp(o.timeout_s, 1, kFirstMessageS));
    pd::Session s(p.options);
    Status st = drive_dpp(peer->fd, s, {}, {}, o.timeout_s);
    ::close(peer->fd);
    if (st) {
      auto r = TRY(finish(o, p, s, st));
      r.listen_port = listener.port();
      return r;
    }
    discard_attempt(p);
    log::warn("dpp", "peer " + peer->peer + " failed: " + st.error().str() + "; still listening");
  }
}

}  // namespace gh::svc
