#include "svc/site/dpp_site.h"

#include <unistd.h>

#include "codec/mud.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/cms.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "crypto/kdf_siv.h"
#include "crypto/x509.h"
#include "device/image.h"
#include "svc/common/dpp_link.h"
#include "svc/site/admission.h"
#include "svc/site/site_metrics.h"

namespace gh::svc {
namespace {

namespace cd = codec::dpp;
namespace pd = proto::dpp;

constexpr const char* kBootstrapLabel = "dpp-bootstrap";
constexpr const char* kCsignLabel = "dpp-csign";
// The evidence-log rate that peers whose bootstrapping key the site does not know share: those
// that named none, and strangers whose only key is the protocol key their exchange made.
constexpr const char* kUnidentified = "dpp:unidentified";

store::Event event(const std::string& device, const std::string& kind, bool ok,
                   const std::string& reason, const Json& detail) {
  return store::Event{0, 0, device, kind, ok ? "ok" : "refused", reason, detail.dump()};
}

Result<crypto::PrivateKey> load_or_generate(crypto::KeyStore& ks, const std::string& label) {
  if (ks.has(label)) return ks.load(label);
  return ks.generate(label, crypto::Curve::kP256);
}

bool akm_has_psk(const std::string& akm) {
  return akm.find("psk") != std::string::npos || akm.find("sae") != std::string::npos;
}

// How the inventory names an enrollee: its serial (from a bundle), dpp:<hash> (added URI), or, for
// one whose bootstrapping key we never learnt, a name derived from this exchange's protocol key.
std::string device_label(const pd::EnrolleeInfo& e) {
  if (e.bootstrap) return e.bootstrap->label;
  if (!e.protocol_key.valid()) return "";
  return "dpp:unknown-" + hex_encode(crypto::sha256(e.protocol_key.der())).substr(0, 12);
}

}  // namespace

Result<std::unique_ptr<DppSite>> DppSite::open(const std::string& state_dir, DppSiteOptions o) {
  if (o.akm != "dpp" && o.akm != "psk" && o.akm != "sae" && o.akm != "psk+sae" && o.akm != "dot1x")
    return make_error("usage", "DPP AKM must be dpp, psk, sae, psk+sae or dot1x");
  if (o.ssid.empty() || o.ssid.size() > 32)
    return make_error("usage", "the SSID must be 1-32 octets");
  std::unique_ptr<DppSite> d(new DppSite());
  d->o_ = std::move(o);
  d->site_ = TRY(Site::open(state_dir));
  d->policy_.set_dir(state_dir);
  auto& ks = d->site_->keystore();
  d->own_.key = TRY_CTX(load_or_generate(ks, kBootstrapLabel), "DPP bootstrapping key");
  d->own_.spki = d->own_.key.public_key().der_compressed();
  // Keys on the other curves, for enrollees whose bootstrapping key is P-384 or P-521.
  for (auto [label, curve] : {std::pair{"dpp-bootstrap-p384", crypto::Curve::kP384},
                              std::pair{"dpp-bootstrap-p521", crypto::Curve::kP521}}) {
    proto::dpp::OwnBootstrap b;
    b.key = ks.has(label) ? TRY(ks.load(label)) : TRY(ks.generate(label, curve));
    b.spki = b.key.public_key().der_compressed();
    d->own_other_.push_back(std::move(b));
  }
  d->csign_ = TRY_CTX(load_or_generate(ks, kCsignLabel), "DPP C-sign key");
  d->uri_ = TRY(d->uri(crypto::Curve::kP256));
  // The key that seals per-device PSKs in the inventory: only this site (and the access points
  // it exports them to) can open them.
  std::string key_path = fs::join(state_dir, "secrets/dpp-psk.key");
  if (!fs::exists(key_path)) {
    TRY(fs::make_dirs(fs::join(state_dir, "secrets"), 0700));
    Bytes k = crypto::random_bytes(64);
    Status w = fs::write_file_exclusive(key_path, to_string(k), 0600);
    crypto::secure_zero(k);
    if (!w && !fs::exists(key_path)) return w.error();
  }
  d->seal_key_ = to_bytes(TRY(fs::read_file(key_path)));
  if (d->seal_key_.size() != 64)
    return make_error("site.secrets", key_path + " is not a 64-octet key");
  TRY(d->load_peers());
  return d;
}

Result<std::string> DppSite::uri(crypto::Curve curve) const {
  codec::DppUri uri;
  uri.version = 2;
  if (own_.key.curve().value_or(crypto::Curve::kP256) == curve) uri.key = own_.spki;
  for (const auto& b : own_other_)
    if (b.key.curve().value_or(crypto::Curve::kP256) == curve) uri.key = b.spki;
  if (uri.key.empty()) return make_error("usage", "no bootstrapping key on that curve");
  for (char c : site_->name())
    if (c >= 0x20 && c <= 0x7e && c != ';') uri.info += c;
  uri.info = "gatehouse " + uri.info;
  return uri.to_string();
}

DppSite::~DppSite() {
  stop();
  crypto::secure_zero(seal_key_);
}

Status DppSite::load_peers() {
  int64_t version = TRY(site_->inventory().external_changes());
  auto devices = TRY(site_->inventory().list());
  auto peers = TRY(site_->inventory().dpp_peers());
  std::map<std::string, Known> bkh, chirp;
  auto add = [&](const std::string& uri_text, const std::string& label) {
    auto uri = codec::DppUri::parse(uri_text);
    if (!uri) return;
    Known k{label.empty() ? "dpp:" + hex_encode(uri->key_hash()).substr(0, 16) : label, uri->key,
            uri->mac};
    bkh[hex_encode(pd::bootstrap_key_hash(uri->key))] = k;
    chirp[hex_encode(pd::chirp_hash(uri->key))] = k;
  };
  for (const auto& p : peers) add(p.uri, "");
  for (const auto& dev : devices)
    if (!dev.dpp_uri.empty()) add(dev.dpp_uri, dev.serial);
  std::lock_guard<std::mutex> lock(mu_);
  by_bkh_.swap(bkh);
  by_chirp_.swap(chirp);
  loaded_version_ = version;
  return ok_status();
}

std::optional<pd::PeerBootstrap> DppSite::find(const std::string& hex_hash, bool chirp) {
  for (int pass = 0; pass < 2; ++pass) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& m = chirp ? by_chirp_ : by_bkh_;
      auto it = m.find(hex_hash);
      if (it != m.end()) {
        auto p = pd::PeerBootstrap::from_spki(it->second.spki, it->second.label);
        if (p) return *p;
        return std::nullopt;
      }
    }
    // A miss: reload only if another process (site import, site dpp add-uri) committed since.
    auto version = site_->inventory().external_changes();
    bool stale;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stale = version && *version != loaded_version_;
    }
    if (pass == 1 || !stale || !load_peers()) break;
  }
  return std::nullopt;
}

Result<store::DppPeer> DppSite::add_uri(const std::string& uri_text, const std::string& source) {
  auto uri = TRY(codec::DppUri::parse(uri_text));
  TRY_CTX(crypto::PublicKey::from_der(uri.key), "DPP URI key");
  store::DppPeer p{hex_encode(pd::bootstrap_key_hash(uri.key)), hex_encode(pd::chirp_hash(uri.key)),
                   uri.to_string(), source, time::now()};
  TRY(site_->inventory().add_dpp_peer(
      p, event("dpp:" + p.bkh.substr(0, 16), "dpp.add-uri", true, source,
               Json{{"bkh", p.bkh}, {"info", uri.info}, {"mac", uri.mac}})));
  TRY(load_peers());
  return p;
}

Result<size_t> DppSite::add_uris(const std::vector<std::string>& uris, const std::string& source) {
  std::vector<store::DppPeer> peers;
  for (size_t i = 0; i < uris.size(); ++i) {
    auto uri = TRY_CTX(codec::DppUri::parse(uris[i]), "URI " + std::to_string(i + 1));
    TRY_CTX(crypto::PublicKey::from_der(uri.key), "URI " + std::to_string(i + 1));
    peers.push_back({hex_encode(pd::bootstrap_key_hash(uri.key)),
                     hex_encode(pd::chirp_hash(uri.key)), uri.to_string(), source, time::now()});
  }
  TRY(site_->inventory().add_dpp_peers(
      peers, event("", "dpp.add-uri", true, source, Json{{"count", peers.size()}})));
  TRY(load_peers());
  return peers.size();
}

pd::Options DppSite::session_options() {
  pd::Options o;
  o.role = pd::Role::kConfigurator;
  o.own = own_;
  o.own_other_curves = own_other_;
  o.hooks.find_peer = [this](const Bytes& h) { return find(hex_encode(h), false); };
  o.hooks.find_chirp = [this](const Bytes& h) { return find(hex_encode(h), true); };
  o.hooks.configure = [this](const pd::EnrolleeInfo& e, const cd::ConfigRequest& r) {
    return configure(e, r);
  };
  return o;
}

Result<pd::ConfigDecision> DppSite::configure(const pd::EnrolleeInfo& e,
                                              const cd::ConfigRequest& r) {
  std::string device = device_label(e);
  Json detail{{"name", r.name}, {"netRole", r.net_role}, {"mutual", e.mutual}};
  if (!r.mud_url.empty()) detail["mudurl"] = r.mud_url;
  auto refuse = [&](const std::string& check, const std::string& why) -> Error {
    // Within the same rates as failed exchanges (run()).
    if (gate_.admit(e.bootstrap ? device : kUnidentified, time::monotonic()))
      (void)site_->inventory().append(event(device, "dpp.configure", false, check, detail));
    return make_error(check, why);
  };
  // First the protocol's own checks: a key we know (from a bundle or add-uri), a device in good
  // standing; then the authorization policy.
  std::string mac;
  if (!e.bootstrap) {
    if (!o_.accept_unknown)
      return refuse(
          "policy.unknown-enrollee",
          "the enrollee's bootstrapping key is in no imported bundle and was never added");
  }
  proto::policy::Subject subject;
  subject.protocol = "dpp";
  subject.source = e.bootstrap ? "added" : "unknown";
  subject.mud_url = r.mud_url;
  std::optional<store::DeviceRecord> known;  // the device as a bundle describes it, if it does
  if (e.bootstrap) {
    known = TRY(site_->inventory().get(device));
    const auto& rec = known;
    if (rec)
      if (ServeVerdict v = standing(*rec, Service::kOnboard); !v.allowed)
        return refuse(v.check, v.reason);
    if (rec) {
      subject = subject_for(*rec, "dpp");
      if (subject.mud_url.empty()) subject.mud_url = r.mud_url;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_bkh_.find(hex_encode(pd::bootstrap_key_hash(e.bootstrap->spki)));
    if (it != by_bkh_.end()) mac = it->second.mac;
  }
  // The authorization policy (site policy set) decides, and its rule is on record.
  auto decision = policy_.decide(subject, &site_->inventory());
  count_policy_decision("dpp", decision);
  detail["policy"] = decision.to_json();
  if (!decision.allow)
    return refuse("policy.denied", device + " is denied by policy rule '" + decision.rule + "'");
  if (r.net_role == "configurator")
    return refuse("policy.net-role", "this site does not hand out configurator roles");

  cd::ConfigObject obj;
  obj.ssid = o_.ssid;
  obj.akm = o_.akm;
  store::DppConfiguration rec;
  rec.device = device;
  rec.bkh = e.bootstrap ? hex_encode(pd::bootstrap_key_hash(e.bootstrap->spki)) : "";
  rec.akm = o_.akm;
  rec.ssid = o_.ssid;
  rec.at = time::now();
  if (o_.akm == "dot1x") {
    // RFC 7030-style: first ask for a CSR (challengePassword only), then certify its key.
    if (r.pkcs10.empty()) {
      pd::ConfigDecision ask;
      ask.csr_attrs = "MAsGCSqGSIb3DQEJBw==";  // SEQUENCE { challengePassword }
      return ask;
    }
    auto csr = TRY(crypto::Csr::from_der(TRY(base64_decode(r.pkcs10))));
    const auto& ca = site_->domain_ca_identity();
    auto cert = TRY_CTX(
        ca.issue(pki::ldevid(site_->name(), device, csr.public_key(), o_.ldevid_lifetime_s)),
        "LDevID for " + device);
    Json ev{{"certificate-serial", cert.serial_hex()},
            {"not-after", time::format_rfc3339(cert.not_after())}};
    // Recorded before it is sent.
    if (known)
      TRY(site_->inventory().record_ldevid(device, cert.pem(), cert.serial_hex(), cert.not_after(),
                                           store::Transition::kDppCredential,
                                           store::Actor::kConfigurator,
                                           event(device, "dpp.ldevid", true, "LDevID issued", ev)));
    else
      TRY(site_->inventory().append(event(device, "dpp.ldevid", true, "LDevID issued", ev)));
    obj.cert_bag = base64_encode(TRY(crypto::certs_only_encode({cert, ca.cert})));
    obj.ca_cert = base64_encode(ca.cert.der());
    obj.trusted_eap_server_name = o_.eap_server_name;
    detail["ldevid-serial"] = cert.serial_hex();
  }
  if (o_.akm == "dpp" || o_.akm == "dot1x") {
    cd::ConnectorClaims claims;
    claims.groups = {{"*", r.net_role}};
    claims.net_access_key = e.protocol_key;
    if (o_.connector_lifetime_s > 0)
      claims.expiry = time::format_rfc3339(time::now() + o_.connector_lifetime_s);
    obj.signed_connector = TRY(cd::sign_connector(claims, csign_));
    obj.csign = csign_.public_key();
    rec.net_access_key = hex_encode(crypto::sha256(e.protocol_key.der()));
    detail["netAccessKey"] = rec.net_access_key;
  } else {
    obj.pass = SecretString(base64url_encode(crypto::random_bytes(18)));  // 24 characters
    rec.psk_sealed = TRY(seal(device, obj.pass));
    rec.mac = mac;
  }
  detail["akm"] = o_.akm;
  detail["ssid"] = o_.ssid;
  // Recorded before it is sent: a crash after this line leaves a configuration the site knows.
  TRY(site_->inventory().record_dpp_configuration(
      rec, event(device, "dpp.configure", true, "", detail)));
  // The mudurl the enrollee sent (EasyConnect 4.4.1): the MUD manager uses it only for a device
  // whose birth credentials name none, after checking who signed the file.
  if (known && !r.mud_url.empty()) {
    std::string why = codec::mud::url_problem(r.mud_url);
    Status st;
    if (!why.empty())
      st = site_->inventory().append(
          event(device, "mud.claim", false, "mud.url",
                {{"url", r.mud_url}, {"source", "dpp"}, {"message", why}}));
    else if (auto c = site_->inventory().claim_mud_url(device, r.mud_url, "dpp"); !c)
      st = c.error();
    if (!st) log::warn("dpp", st.error().str());
  }
  return pd::ConfigDecision(std::move(obj));
}

Result<std::string> DppSite::seal(const std::string& device, const SecretString& psk) {
  auto c = TRY(crypto::aes_siv_encrypt(seal_key_, {to_bytes(device)}, to_bytes(psk.reveal())));
  return base64_encode(c);
}

Result<SecretString> DppSite::unseal(const std::string& device, const std::string& sealed) {
  auto c = TRY(base64_decode(sealed));
  auto p = TRY_CTX(crypto::aes_siv_decrypt(seal_key_, {to_bytes(device)}, c),
                   "PSK of " + device + " does not unseal with this site's key");
  SecretString out(to_string(p));
  crypto::secure_zero(p);
  return out;
}

Result<std::string> DppSite::hostapd_psk_file() {
  std::string out = "# wpa_psk_file written by gatehouse site export hostapd-psk\n";
  for (const auto& c : TRY(site_->inventory().dpp_configurations(true))) {
    if (c.psk_sealed.empty() || !akm_has_psk(c.akm)) continue;
    if (c.mac.empty()) {
      out += "# " + c.device + ": no MAC address known, not exported\n";
      continue;
    }
    auto psk = TRY(unseal(c.device, c.psk_sealed));
    out += device::colon_mac(c.mac) + " " + psk.reveal() + "\n";
  }
  return out;
}

DppExchange DppSite::run(int fd, pd::Session& s, std::vector<Bytes> first, bool listener,
                         Bytes received) {
  const double start = time::monotonic();
  Status st = drive_dpp(fd, s, first, std::move(received));
  ::close(fd);
  observe_step("dpp_exchange", st.ok(), time::monotonic() - start);
  DppExchange x;
  x.ok = st.ok();
  x.mutual = s.mutual();
  const auto& e = s.enrollee();
  x.device = device_label(e);
  if (!e.bootstrap && s.peer()) x.device = s.peer()->label;  // failed before authentication
  Json detail{{"trail", s.trail()}, {"initiator", s.initiator()}, {"listener", listener}};
  if (!st) {
    x.error = st.error();
    detail["message"] = st.error().message;
    // A failed exchange is recorded within a rate per device the site knows the key of; the
    // others share one rate, so neither garbage connections nor strangers that authenticate with
    // a fresh protocol key each time can grow the log (the rest are counted).
    const bool known = (e.bootstrap || s.peer()) && !x.device.empty();
    std::string peer = known ? x.device : kUnidentified;
    if (gate_.admit(peer, time::monotonic()))
      (void)site_->inventory().append(
          event(x.device, "dpp.exchange", false, st.error().code, detail));
    EvidenceGate::Summary sum;
    if (gate_.summary_due(time::monotonic(), &sum))
      (void)site_->inventory().append(
          event("", "evidence.rate-limited", false, "evidence.rate",
                Json{{"dropped", sum.dropped}, {"dropped_total", gate_.dropped_total()}}));
    log::info("dpp", "exchange failed: " + st.error().str());
  } else {
    x.akm = o_.akm;
    (void)site_->inventory().append(
        event(x.device, "dpp.exchange", true, "configuration result OK", detail));
  }
  return x;
}

void DppSite::serve_connection(int fd, Bytes received) {
  pd::Session s(session_options());
  run(fd, s, {}, true, std::move(received));
}

Result<int> DppSite::serve(const std::string& host, int port) {
  // A connection waits in the server's event loop, holding no thread, until its first message is
  // in; the exchange then runs on a worker, each message due within the timeout. An exchange
  // waits on its peer most of the time: more workers than the HTTP servers' two per core.
  limits_.workers = 32;
  server_ = TRY(net::TcpServer::start(
      host, port, net::dpp_message_extent,
      [this](int fd, Bytes received) { serve_connection(fd, std::move(received)); }, o_.timeout_s,
      limits_));
  server_stats_ = metrics::Registry::process().collect([this](metrics::Registry& r) {
    metrics::server_metrics(r, "dpp", server_->stats(), limits_);
  });
  return server_->port();
}

void DppSite::stop() {
  server_stats_ = metrics::Registry::Collection();
  if (server_) server_->stop();
}

Result<DppExchange> DppSite::initiate(const std::string& uri_text, const std::string& host,
                                      int port) {
  auto peer_rec = TRY(add_uri(uri_text, "add-uri"));
  auto peer = find(peer_rec.bkh, false);
  if (!peer) return make_error("dpp.peer", "cannot use the URI's key");
  pd::Options o = session_options();
  o.peer = *peer;
  pd::Session s(o);
  auto first = TRY(s.start());
  int fd = TRY(net::tcp_connect(host, port, o_.timeout_s));
  return run(fd, s, {first}, false);
}

}  // namespace gh::svc
