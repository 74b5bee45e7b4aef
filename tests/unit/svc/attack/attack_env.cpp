// The attack environment: BRSKI and EST requests, the operator's steps, 802.1X admission and the
// snapshot the runner compares. DPP and MUD helpers are in attack_env_dpp_mud.cpp.
#include "attack_env.h"

#include <unistd.h>

#include <filesystem>

#include "store/sqlite.h"

namespace gh::svc::attack {

std::string area_of(const Row& row) {
  return row.name.substr(0, row.name.find('.'));
}

Outcome outcome(const net::ClientResponse& r) {
  std::string text = r.body;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  size_t colon = text.find(": ");
  std::string check = colon == std::string::npos ? "" : text.substr(0, colon);
  if (check.find(' ') != std::string::npos) check.clear();
  return Outcome{r.status, check, text.substr(0, 300)};
}

Outcome outcome(const Status& s) {
  return s ? Outcome{0, ""} : Outcome{0, s.error().code, s.error().message};
}

std::unique_ptr<Site> AttackEnv::site() {
  auto s = Site::open(dir_ + "/s");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().str());
  return std::move(*s);
}

Snapshot AttackEnv::snapshot() {
  Snapshot out;
  auto s = site();
  auto& inv = s->inventory();
  auto devices = inv.list();
  EXPECT_TRUE(devices.ok());
  for (const auto& d : *devices) {
    out.states[d.serial] = d.state;
    out.ldevid[d.serial] = d.ldevid_serial;
    auto creds = inv.credentials(d.serial);
    EXPECT_TRUE(creds.ok());
    for (const auto& c : *creds) out.credentials[c.serial_hex] = c.status;
  }
  auto events = inv.events();
  EXPECT_TRUE(events.ok());
  for (auto& e : *events) {
    if (e.kind == "evidence.rate-limited")
      ++out.summaries;
    else
      out.events.push_back(std::move(e));
  }
  auto configs = inv.dpp_configurations(false);
  EXPECT_TRUE(configs.ok());
  for (const auto& c : *configs) out.dpp_configurations.push_back(c.device + "/" + c.status);
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir_ + "/s/mud-cache", ec))
    out.mud_cache[f.path().filename().string()] = fs::read_file(f.path().string()).value_or("?");
  std::string policy = PolicyStore::path(dir_ + "/s");
  out.policy_file = fs::exists(policy) ? fs::read_file(policy).value_or("?") : "(none)";
  return out;
}

Bytes AttackEnv::pvr(int i, net::HttpClient& c) {
  proto::Pledge pledge(idevid(i), masa_trust());
  auto r = pledge.voucher_request(c.server_chain(), time::now());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return r.ok() ? *r : Bytes{};
}

Bytes AttackEnv::pvr_with(int i, net::HttpClient& c,
                          const std::function<void(codec::VoucherRequest&)>& edit,
                          const pki::Identity* signer) {
  auto v = codec::verify_voucher_artifact(pvr(i, c), masa_trust());
  EXPECT_TRUE(v.ok());
  auto request = codec::VoucherRequest::from_json(v->json);
  EXPECT_TRUE(request.ok());
  edit(*request);
  const pki::Identity id = signer ? *signer : idevid(i);
  auto cms = codec::sign_voucher_artifact(request->to_json(), id.cert, id.key, id.full_chain());
  EXPECT_TRUE(cms.ok());
  return cms.ok() ? *cms : Bytes{};
}

std::unique_ptr<net::HttpClient> AttackEnv::voucher_session(int i) {
  auto c = connect(idevid(i));
  if (!c) return c;
  auto r = post_pvr(*c, pvr(i, *c));
  EXPECT_EQ(r.status, 200) << r.body;
  return c;
}

std::string AttackEnv::csr(const std::string& serial, const crypto::PrivateKey* key) {
  crypto::PrivateKey k = key ? *key : *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto c = crypto::Csr::create(crypto::Name().add("serialNumber", serial), k);
  EXPECT_TRUE(c.ok());
  return codec::est_base64(c->der());
}

net::ClientResponse AttackEnv::est(net::HttpClient& c, const std::string& path,
                                   const std::string& body) {
  auto r = c.request("POST", path, {{"Content-Type", codec::kPkcs10MediaType}}, body);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().str());
  return r.ok() ? *r : net::ClientResponse{};
}

pki::Identity AttackEnv::enroll(net::HttpClient& c, int i) {
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto r = est(c, kSimpleEnroll, csr(serial(i), &key));
  EXPECT_EQ(r.status, 200) << r.body;
  auto certs = codec::est_parse_certs_only(r.body);
  if (!certs || certs->empty()) {
    ADD_FAILURE() << "no LDevID in the EST response";
    return {};
  }
  return pki::Identity{(*certs)[0], key, {site()->domain_ca()}};
}

std::pair<pki::Identity, pki::Identity> AttackEnv::onboard_twice(int i) {
  pki::Identity first = onboard(i);
  EXPECT_TRUE(fs::remove_all(dir_ + "/d/" + serial(i) + "/onboarding").ok());
  auto c = voucher_session(i);
  if (!c) return {};
  pki::Identity second = enroll(*c, i);
  auto s = as(second);
  if (!s) return {};
  EXPECT_EQ(post(*s, kEnrollStatus, json_report(true)).status, 200);
  EXPECT_EQ(state(serial(i)), "onboarded");
  return {first, second};
}

pki::Identity AttackEnv::other_domain_ldevid(int i) {
  auto b = std::move(*Site::open(dir_ + "/b"));
  auto key = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto cert = b->domain_ca_identity().issue(
      pki::ldevid(b->name(), serial(i), key.public_key(), pki::kDefaultLdevidLifetimeS));
  EXPECT_TRUE(cert.ok());
  return pki::Identity{*cert, key, {b->domain_ca()}};
}

pki::Identity AttackEnv::untrusted_idevid() {
  EXPECT_TRUE(
      Factory::init({dir_ + "/evil", "Evil", "https://localhost:1", "", "ACME-", "file", {}}).ok());
  auto f = std::move(*Factory::open(dir_ + "/evil"));
  MakeOptions o;
  o.model = "m";
  o.count = 1;
  o.out_dir = dir_ + "/evil-d";
  auto made = f->make(o);
  EXPECT_TRUE(made.ok());
  std::string img = (*made)[0].image_dir;
  auto chain = *crypto::Certificate::chain_from_pem(*fs::read_file(img + "/bootstrap/idevid.pem"));
  auto ks = std::move(*device::open_keystore(img, {"file", ""}));
  return pki::Identity{chain[0], *ks->load(device::kIdevidKey), {chain[1]}};
}

Outcome AttackEnv::raw(const std::string& request, const pki::Identity* id) {
  auto u = *net::Url::parse(url_);
  auto fd = net::tcp_connect(u.host, u.port, 10);
  if (!fd) return {0, fd.error().code, fd.error().message};
  crypto::TlsIdentity t;
  if (id) t = crypto::TlsIdentity{id->cert, id->chain, id->key};
  auto ctx = crypto::TlsContext::client(id ? &t : nullptr, {}, "");
  auto conn = crypto::TlsConnection::connect(*ctx, *fd, u.host);
  if (!conn) return {0, conn.error().code, conn.error().message};
  if (!conn->write(reinterpret_cast<const uint8_t*>(request.data()), request.size()))
    return {0, "write"};
  std::string in;
  uint8_t buf[16384];
  for (;;) {
    size_t head = in.find("\r\n\r\n");
    if (head != std::string::npos) {
      size_t cl = in.find("Content-Length: ");
      size_t want = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
      if (in.size() >= head + 4 + want) break;
    }
    auto n = conn->read(buf, sizeof buf);
    if (!n || *n == 0) break;
    in.append(reinterpret_cast<const char*>(buf), *n);
  }
  if (in.rfind("HTTP/1.1 ", 0) != 0) return {0, "closed", in.substr(0, 100)};
  net::ClientResponse r;
  r.status = std::atoi(in.c_str() + 9);
  size_t head = in.find("\r\n\r\n");
  r.body = head == std::string::npos ? "" : in.substr(head + 4);
  return outcome(r);
}

Outcome AttackEnv::plaintext(const std::string& bytes) {
  auto u = *net::Url::parse(url_);
  auto fd = net::tcp_connect(u.host, u.port, 10);
  if (!fd) return {0, fd.error().code, fd.error().message};
  (void)!::write(*fd, bytes.data(), bytes.size());
  std::string in;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(*fd, buf, sizeof buf)) > 0) in.append(buf, static_cast<size_t>(n));
  ::close(*fd);
  if (in.rfind("HTTP/", 0) == 0) return {atoi(in.c_str() + 9), "", in.substr(0, 100)};
  return {0, "closed", std::to_string(in.size()) + " octets before the close"};
}

void AttackEnv::quarantine(int i) {
  Status st = operator_step(serial(i), store::Transition::kQuarantine);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().str());
}

void AttackEnv::revoke(int i) {
  Status st = site()->revoke(serial(i), "stolen");
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().str());
}

void AttackEnv::decommission(int i) {
  auto s = site();
  ASSERT_TRUE(s->revoke(serial(i), "decommissioned for the test", store::Actor::kOperator,
                        store::Transition::kDecommission)
                  .ok());
}

void AttackEnv::write_policy(const std::string& yaml) {
  ASSERT_TRUE(fs::write_file_atomic(PolicyStore::path(dir_ + "/s"), yaml, 0644).ok());
}

Outcome AttackEnv::judge(const std::string& cert_serial) {
  PolicyStore policy(dir_ + "/s");
  auto s = site();
  SessionVerdict v = judge_session(s->inventory(), policy, cert_serial);
  return Outcome{0, v.admitted ? "" : v.check, v.reason};
}

void AttackEnv::TearDown() {
  if (dpp_) dpp_->stop();
  stop_mud_servers();
  BrskiTest::TearDown();
}

}  // namespace gh::svc::attack
