// The attack environment's DPP controller (a real DppSite on 127.0.0.1, driven by DPP engines over
// TCP, some of whose messages the test re-wraps with keys it derives itself) and MUD file servers.
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "attack_env.h"
#include "codec/dpp_uri.h"
#include "crypto/cms.h"
#include "crypto/kdf_siv.h"
#include "net/dpp_tcp.h"
#include "proto/dpp_derive.h"
#include "proto/dpp_internal.h"
#include "svc/common/dpp_link.h"
#include "svc/site/mud_manager.h"

namespace gh::svc::attack {
namespace {

namespace cd = codec::dpp;
namespace pd = proto::dpp;
using Edit = std::function<void(std::vector<cd::Attr>&)>;

// Opens AES-SIV wrapped attributes under key and AD, lets edit change them, wraps them again.
Bytes rewrap(const Bytes& key, const std::vector<Bytes>& ad, const Bytes& wrapped,
             const Edit& edit) {
  auto plain = crypto::aes_siv_decrypt(key, ad, wrapped);
  EXPECT_TRUE(plain.ok()) << (plain.ok() ? "" : plain.error().str());
  if (!plain) return wrapped;
  auto inner = cd::parse_attrs(plain->data(), plain->size());
  EXPECT_TRUE(inner.ok());
  edit(*inner);
  return crypto::aes_siv_encrypt(key, ad, cd::encode_attrs(*inner)).value_or(wrapped);
}

// The same for a frame's Wrapped Data (AD: the frame header and the attributes before it).
Bytes rewrap_frame(const Bytes& message, const Bytes& key, const Edit& edit) {
  auto f = cd::parse_frame(message);
  EXPECT_TRUE(f.ok());
  std::vector<cd::Attr> attrs = f->attrs;
  attrs.back().value =
      rewrap(key, {cd::frame_header(f->type), f->before_wd()}, attrs.back().value, edit);
  return cd::encode_frame(f->type, attrs);
}

// One attribute inside a frame's Wrapped Data.
Bytes inside(const Bytes& message, const Bytes& key, uint16_t id) {
  auto f = cd::parse_frame(message).value();
  auto plain =
      crypto::aes_siv_decrypt(key, {cd::frame_header(f.type), f.before_wd()}, f.attrs.back().value);
  EXPECT_TRUE(plain.ok());
  if (!plain) return {};
  auto attrs = cd::parse_attrs(plain->data(), plain->size()).value();
  return cd::require_attr(attrs, id, "attribute").value_or(Bytes{});
}

crypto::PublicKey clear_key(const Bytes& message, uint16_t id) {
  auto f = cd::parse_frame(message).value();
  return pd::detail::point_from_xy(crypto::Curve::kP256,
                                   cd::require_attr(f.attrs, id, "key").value())
      .value();
}

void flip(std::vector<cd::Attr>& attrs, uint16_t id) {
  for (auto& a : attrs)
    if (a.id == id) a.value.back() ^= 0x01;
}

// ke of a responder-only exchange from M.x, N.x and the nonces in the request and the response.
Bytes derive_ke(const Bytes& m_x, const Bytes& n_x, const Bytes& request, const Bytes& response) {
  const auto c = crypto::Curve::kP256;
  Bytes i_nonce = inside(request, pd::derive_k1(c, m_x).value(), cd::attr::kInitiatorNonce);
  Bytes r_nonce = inside(response, pd::derive_k2(c, n_x).value(), cd::attr::kResponderNonce);
  return pd::derive_ke(c, pd::derive_bk(c, i_nonce, r_nonce, m_x, n_x, {}).value()).value();
}

// Reads from fd until the peer closes it (or goes quiet past the socket timeout).
void until_closed(int fd) {
  net::DppReader reader(fd);
  while (reader.read()) {
  }
}

}  // namespace

DppSite& AttackEnv::dpp() {
  if (!dpp_) {
    DppSiteOptions o;
    o.timeout_s = 5;
    auto d = DppSite::open(dir_ + "/s", o);
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().str());
    dpp_ = std::move(*d);
    auto port = dpp_->serve("127.0.0.1", 0);
    EXPECT_TRUE(port.ok());
    dpp_port_ = *port;
  }
  return *dpp_;
}

pd::PeerBootstrap AttackEnv::site_bootstrap() {
  auto uri = codec::DppUri::parse(dpp().uri()).value();
  return pd::PeerBootstrap::from_spki(uri.key, "site").value();
}

pd::Options AttackEnv::enrollee(int i) {
  std::string img = dir_ + "/d/" + serial(i);
  auto uri = codec::DppUri::parse(trim(*fs::read_file(img + "/bootstrap/dpp-uri.txt"))).value();
  auto ks = std::move(*device::open_keystore(img, {"file", ""}));
  pd::Options o;
  o.role = pd::Role::kEnrollee;
  o.own = {*ks->load(device::kDppKey), uri.key};
  o.request.name = serial(i);
  o.peer = site_bootstrap();
  return o;
}

pd::Options AttackEnv::stranger() {
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  pd::Options o;
  o.role = pd::Role::kEnrollee;
  o.own = {key, key.public_key().der_compressed()};
  o.request.name = "stranger";
  o.peer = site_bootstrap();
  return o;
}

size_t AttackEnv::event_total() {
  return site()->inventory().events()->size();
}

void AttackEnv::dpp_send(const std::vector<Bytes>& messages) {
  auto fd = net::tcp_connect("127.0.0.1", dpp_port(), 10);
  ASSERT_TRUE(fd.ok());
  for (const auto& m : messages) EXPECT_TRUE(net::write_dpp_message(*fd, m).ok());
  until_closed(*fd);
  ::close(*fd);
}

void AttackEnv::dpp_send_raw(const Bytes& octets) {
  auto fd = net::tcp_connect("127.0.0.1", dpp_port(), 10);
  ASSERT_TRUE(fd.ok());
  if (!octets.empty()) (void)::send(*fd, octets.data(), octets.size(), MSG_NOSIGNAL);
  ::shutdown(*fd, SHUT_WR);
  until_closed(*fd);
  ::close(*fd);
}

void AttackEnv::dpp_run(pd::Options o) {
  pd::Session s(std::move(o));
  auto first = s.peer() ? s.start() : s.presence_announcement();
  ASSERT_TRUE(first.ok()) << first.error().str();
  auto fd = net::tcp_connect("127.0.0.1", dpp_port(), 10);
  ASSERT_TRUE(fd.ok());
  (void)drive_dpp(*fd, s, {*first});
  until_closed(*fd);
  ::close(*fd);
}

void AttackEnv::dpp_flip_i_auth() {
  pd::Options o = stranger();
  auto p_i = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  o.make_protocol_key = [p_i](crypto::Curve) -> Result<crypto::PrivateKey> { return p_i; };
  const crypto::PublicKey b_r = o.peer->key;
  pd::Session s(o);
  Bytes request = s.start().value();
  auto fd = net::tcp_connect("127.0.0.1", dpp_port(), 10);
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(net::write_dpp_message(*fd, request).ok());
  net::DppReader reader(*fd);
  auto response = reader.read();
  ASSERT_TRUE(response.ok()) << response.error().str();
  pd::Output out = s.handle(*response);
  ASSERT_FALSE(out.send.empty()) << (out.error ? out.error->str() : "");
  const crypto::PublicKey p_r = clear_key(*response, cd::attr::kResponderProtocolKey);
  Bytes ke = derive_ke(p_i.derive(b_r).value(), p_i.derive(p_r).value(), request, *response);
  Bytes confirm = rewrap_frame(
      out.send[0], ke, [](std::vector<cd::Attr>& a) { flip(a, cd::attr::kInitiatorAuthTag); });
  EXPECT_TRUE(net::write_dpp_message(*fd, confirm).ok());
  until_closed(*fd);
  ::close(*fd);
}

Outcome AttackEnv::dpp_initiate_to_flipped_r_auth() {
  auto b_r = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto p_r = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  codec::DppUri uri;
  uri.version = 2;
  uri.key = b_r.public_key().der_compressed();
  // The listening enrollee answers with its real Authentication Response, R-auth flipped.
  auto listener = net::TcpServer::start(
      "127.0.0.1", 0,
      [&](int fd) {
        pd::Options o;
        o.role = pd::Role::kEnrollee;
        o.own = {b_r, uri.key};
        o.request.name = "listener";
        o.make_protocol_key = [p_r](crypto::Curve) -> Result<crypto::PrivateKey> { return p_r; };
        pd::Session s(o);
        net::DppReader reader(fd);
        auto request = reader.read();
        if (request) {
          pd::Output out = s.handle(*request);
          if (!out.send.empty()) {
            const crypto::PublicKey p_i = clear_key(*request, cd::attr::kInitiatorProtocolKey);
            Bytes ke =
                derive_ke(b_r.derive(p_i).value(), p_r.derive(p_i).value(), *request, out.send[0]);
            Bytes k2 = pd::derive_k2(crypto::Curve::kP256, p_r.derive(p_i).value()).value();
            Bytes response = rewrap_frame(out.send[0], k2, [&](std::vector<cd::Attr>& outer) {
              for (auto& a : outer)
                if (a.id == cd::attr::kWrappedData)
                  a.value = rewrap(ke, {}, a.value, [](std::vector<cd::Attr>& in) {
                    flip(in, cd::attr::kResponderAuthTag);
                  });
            });
            (void)net::write_dpp_message(fd, response);
            until_closed(fd);
          }
        }
        ::close(fd);
      },
      5);
  if (!listener) return {0, listener.error().code, listener.error().message};
  auto x = dpp().initiate(uri.to_string(), "127.0.0.1", (*listener)->port());
  (*listener)->stop();
  if (!x) return {0, x.error().code, x.error().message};
  return x->ok ? Outcome{0, ""} : Outcome{0, x->error.code, x->error.message};
}

Outcome AttackEnv::dpp_verdict(size_t events_before) {
  dpp().stop();  // joins the connections' threads: what they record is in the log now
  auto events = site()->inventory().events();
  if (!events) return {0, events.error().code};
  for (size_t i = events->size(); i > events_before; --i) {
    const auto& e = (*events)[i - 1];
    if (e.kind == "dpp.exchange") return {0, e.outcome == "ok" ? "" : e.reason, e.detail};
  }
  return {0, "(no dpp.exchange recorded)"};
}

// --- MUD -------------------------------------------------------------------------------------

struct AttackEnv::MudServer {
  std::unique_ptr<net::HttpServer> http;
  std::mutex mu;
  std::map<std::string, std::string> files;  // path -> body
};

pki::Identity AttackEnv::factory_identity(const std::string& dir, const std::string& label) {
  auto ks = std::move(*crypto::open_file_keystore(dir + "/keys"));
  auto root = *crypto::Certificate::from_pem(*fs::read_file(dir + "/pki/root.pem"));
  if (label == "root") return pki::Identity{root, *ks->load("root"), {}};
  auto cert = *crypto::Certificate::from_pem(*fs::read_file(dir + "/pki/" + label + ".pem"));
  return pki::Identity{cert, *ks->load(label), {root}};
}

void AttackEnv::ensure_other_manufacturer() {
  if (other_mfr_) return;
  other_mfr_ = true;
  ASSERT_TRUE(
      Factory::init({dir_ + "/m2", "Other Co", "https://localhost:1", "", "OTH-", "file", {}})
          .ok());
  ASSERT_TRUE(site()->trust_manufacturer(*fs::read_file(dir_ + "/m2/pki/root.pem")).ok());
}

AttackEnv::MudServer& AttackEnv::mud_server(bool other_mfr) {
  auto& slot = mud_[other_mfr ? 1 : 0];
  if (slot) return *slot;
  if (other_mfr) ensure_other_manufacturer();
  slot = std::make_shared<MudServer>();
  pki::Identity root = factory_identity(dir_ + (other_mfr ? "/m2" : "/f"), "root");
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto tmpl = pki::signer("Acme", "MUD file server", key.public_key(), {crypto::kOidServerAuth});
  tmpl.dns_names = {"localhost"};
  auto cert = *root.issue(tmpl);
  auto tls = *crypto::TlsContext::server(crypto::TlsIdentity{cert, {root.cert}, key});
  MudServer* s = slot.get();
  auto http = net::HttpServer::start("127.0.0.1", 0, std::move(tls), [s](net::HttpRequest& req) {
    std::lock_guard<std::mutex> lock(s->mu);
    auto it = s->files.find(req.path);
    if (req.method != "GET" || it == s->files.end())
      return net::HttpResponse::text(404, "no such file");
    return net::HttpResponse{200, "application/octet-stream", it->second, {}};
  });
  EXPECT_TRUE(http.ok());
  slot->http = std::move(*http);
  return *slot;
}

void AttackEnv::stop_mud_servers() {
  for (auto& s : mud_)
    if (s && s->http) s->http->stop();
}

std::string AttackEnv::mud_url(const std::string& name, bool other_mfr) {
  return "https://localhost:" + std::to_string(mud_server(other_mfr).http->port()) + "/" + name;
}

std::string AttackEnv::mud_serve(const std::string& name, const std::string& text, const Bytes& sig,
                                 bool other_mfr) {
  MudServer& s = mud_server(other_mfr);
  std::lock_guard<std::mutex> lock(s.mu);
  s.files["/" + name] = text;
  if (!sig.empty()) s.files["/" + name + ".p7s"] = to_string(sig);
  return mud_url(name, other_mfr);
}

std::string AttackEnv::mud_file(const std::string& url, const std::string& systeminfo) {
  std::ifstream in(std::string(GH_VECTORS_DIR) + "/mud/rfc8520-example.json");
  std::stringstream ss;
  ss << in.rdbuf();
  Json j = parse_json(ss.str(), "mud").value();
  auto& mud = j["ietf-mud:mud"];
  mud["mud-url"] = url;
  mud.erase("mud-signature");  // beside the file: url + ".p7s"
  mud["systeminfo"] = systeminfo;
  return j.dump();
}

Bytes AttackEnv::mud_sign(const std::string& text, bool other_mfr) {
  if (other_mfr) ensure_other_manufacturer();
  pki::Identity signer = factory_identity(dir_ + (other_mfr ? "/m2" : "/f"), "mud-signer");
  return crypto::cms_sign(to_bytes(text), signer.cert, signer.key, signer.full_chain(),
                          crypto::CmsSignOptions{true, crypto::kOidData})
      .value();
}

Bytes AttackEnv::mud_sign_rogue(const std::string& text) {
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto cert = *crypto::issue_certificate(pki::signer("Acme", "MUD file signer", key.public_key()),
                                         nullptr, key);
  return crypto::cms_sign(to_bytes(text), cert, key, {cert},
                          crypto::CmsSignOptions{true, crypto::kOidData})
      .value();
}

Outcome AttackEnv::mud_fetch(const std::string& url, const std::string& device) {
  auto s = site();
  MudManager m(*s);
  return outcome(m.fetch(url, device));
}

}  // namespace gh::svc::attack
