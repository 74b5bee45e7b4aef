// Writes the generated seed corpora under tests/fuzz/corpus/<target>/ (checked in; run again only
// when a format changes): valid messages of each kind, signed with the fuzz targets' fixed keys
// (tests/fuzz/fuzz_util.h) so that they verify, plus a few near misses. Usage:
//   fuzz_make_seeds <tests/fuzz/corpus> <tests/vectors>
#include <fstream>
#include <iostream>
#include <sstream>

#include "codec/bundle.h"
#include "codec/declaration.h"
#include "codec/dpp.h"
#include "codec/dpp_uri.h"
#include "codec/est.h"
#include "codec/voucher.h"
#include "common/fs.h"
#include "crypto/cms.h"
#include "crypto/jws.h"
#include "fuzz_util.h"

namespace {

using namespace gh;
namespace dpp = codec::dpp;

std::string out_dir;

void put(const std::string& target, const std::string& name, std::string_view data) {
  std::string dir = out_dir + "/" + target;
  if (!fs::make_dirs(dir)) std::abort();
  std::ofstream(dir + "/" + name, std::ios::binary) << data;
}
void put(const std::string& target, const std::string& name, const Bytes& data) {
  put(target, name, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}
// With the mode octet the targets that read in several ways take first.
void put_mode(const std::string& target, const std::string& name, uint8_t mode,
              std::string_view data) {
  put(target, name, std::string(1, static_cast<char>(mode)) + std::string(data));
}
void put_mode(const std::string& target, const std::string& name, uint8_t mode, const Bytes& data) {
  put_mode(target, name, mode,
           std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

template <typename T>
T must(Result<T> r) {
  if (!r) {
    std::cerr << r.error().message << "\n";
    std::abort();
  }
  return std::move(*r);
}

const fuzz::Pki& pki() {
  return fuzz::test_pki();
}

void http() {
  // The first octet says where the stream is cut in two.
  put_mode("http_message", "post-rvr", 0x80,
           "POST /.well-known/brski/requestvoucher HTTP/1.1\r\nHost: registrar\r\n"
           "Content-Type: application/voucher-cms+json\r\nAccept: application/voucher-cms+json\r\n"
           "Content-Length: 5\r\n\r\nhello");
  put_mode(
      "http_message", "pipelined", 0x80,
      "GET /.well-known/est/cacerts HTTP/1.1\r\nHost: r\r\n\r\n"
      "POST /.well-known/est/simpleenroll HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n"
      "\r\nabc");
  put_mode("http_message", "response", 0x80,
           "HTTP/1.1 200 OK\r\nContent-Type: application/pkcs7-mime; smime-type=certs-only\r\n"
           "Content-Length: 4\r\n\r\nMIIB");
  put_mode(
      "http_message", "refusal", 0x80,
      "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 24\r\n"
      "\r\nvoucher.nonce: mismatch\n");
  put_mode("http_message", "chunked", 0x80,
           "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
}

codec::VoucherRequest sample_request() {
  codec::VoucherRequest r;
  r.created_on = time::from_civil(2026, 1, 2, 3, 4, 5);
  r.nonce = "62a2e7693d82fcda2624de58fb6722e5";
  r.assertion = "proximity";
  r.serial_number = "JADA123456789";
  r.idevid_issuer = {0x04, 0x14, 1,  2,  3,  4,  5,  6,  7,  8,  9,
                     10,   11,   12, 13, 14, 15, 16, 17, 18, 19, 20};
  r.proximity_registrar_cert = pki().signer.cert.der();
  return r;
}

codec::Voucher sample_voucher() {
  codec::Voucher v;
  v.created_on = time::from_civil(2026, 1, 2, 3, 4, 5);
  v.expires_on = time::from_civil(2027, 1, 2);
  v.assertion = "logged";
  v.serial_number = "JADA123456789";
  v.pinned_domain_cert = pki().root.cert.der();
  v.domain_cert_revocation_checks = false;
  v.nonce = "62a2e7693d82fcda2624de58fb6722e5";
  return v;
}

void vouchers() {
  auto pvr = sample_request();
  Bytes pvr_cms = must(codec::sign_voucher_artifact(pvr.to_json(), pki().signer.cert,
                                                    pki().signer.key, pki().signer.full_chain()));
  codec::VoucherRequest rvr = pvr;
  rvr.proximity_registrar_cert.clear();
  rvr.prior_signed_voucher_request = pvr_cms;
  Bytes rvr_cms = must(codec::sign_voucher_artifact(rvr.to_json(), pki().signer.cert,
                                                    pki().signer.key, pki().signer.full_chain()));
  auto v = sample_voucher();
  Bytes v_cms = must(codec::sign_voucher_artifact(v.to_json(), pki().signer.cert, pki().signer.key,
                                                  pki().signer.full_chain()));
  put("voucher_json", "pledge-request", pvr.to_json().dump());
  put("voucher_json", "registrar-request", rvr.to_json().dump());
  put("voucher_json", "voucher", v.to_json().dump(1));
  put("voucher_json", "numbers",
      R"({"ietf-voucher:voucher":{"serial-number":12345,"nonce":6789,"created-on":"2026-01-02T03:04:05.123+01:00","pinned-domain-cert":"MAo="}})");
  put_mode("voucher_cms", "masa-rvr", 0, rvr_cms);
  put_mode("voucher_cms", "pledge-voucher", 1, v_cms);
  put_mode("voucher_cms", "pledge-voucher-pem", 1, crypto::cms_to_pem(v_cms));
  put_mode("voucher_cms", "pledge-voucher-base64", 1, base64_encode(v_cms));
  put_mode("voucher_cms", "unverified-pvr", 2, pvr_cms);
  put_mode("voucher_cms", "signed-here", 3, v.to_json().dump());
  put_mode("voucher_cms", "signed-here-rvr", 3, rvr.to_json().dump());
}

void est_and_csr() {
  auto key = must(crypto::PrivateKey::generate(crypto::Curve::kP256));
  auto csr = must(crypto::Csr::create(
      crypto::Name().add("CN", "JADA123456789").add("serialNumber", "JADA123456789"), key));
  auto csr_pw = must(crypto::Csr::create(crypto::Name().add("CN", "dpp enrollee"), key, "s3cret"));
  put("csr", "der", csr.der());
  put("csr", "pem", csr.pem());
  put("csr", "challenge-password", csr_pw.der());
  put("est", "csr-base64", codec::est_base64(csr.der()));
  put("est", "csr-pem", csr.pem());
  put("est", "csr-der", csr.der());
  put("est", "certs-only", must(codec::est_certs_only({pki().signer.cert, pki().root.cert})));
  put("est", "certs-only-der", must(crypto::certs_only_encode({pki().root.cert})));
  put("est", "csrattrs", codec::est_csrattrs());
  put("x509", "root-der", pki().root.cert.der());
  put("x509", "chain-pem", crypto::chain_to_pem({pki().signer.cert, pki().root.cert}));
  auto idevid = must(pki().root.issue(pki::idevid("Fuzz", "th-100", "JADA123456789",
                                                  key.public_key(), "https://masa.example:9443",
                                                  "https://mud.example/th-100.json")));
  put("x509", "idevid-der", idevid.der());
}

codec::DeviceInformationDeclaration sample_declaration() {
  codec::DeviceInformationDeclaration d;
  d.serial = "JADA123456789";
  d.model = "th-100";
  d.manufacturer = "Fuzz";
  d.owner = codec::party_of("Owner", pki().root.cert);
  d.authorized_onboarders = {codec::party_of("Integrator", pki().signer.cert)};
  d.version = 2;
  d.issued_at = time::from_civil(2026, 1, 1);
  return d;
}

void bundle_and_declaration(const std::string& dpp_uri) {
  auto d = sample_declaration();
  std::string jws = must(codec::sign_declaration(d, pki().signer.full_chain(), pki().signer.key));
  put_mode("declaration", "verified", 0, jws);
  put_mode("declaration", "stored", 1, jws);
  put_mode("declaration", "signed-here", 2, d.to_json().dump());
  codec::BootstrappingBundle b;
  b.manufacturer = "Fuzz";
  b.created_at = time::from_civil(2026, 1, 1);
  b.owner = d.owner;
  b.manufacturer_root_pem = pki().root.cert.pem();
  b.devices.push_back({"JADA123456789", "th-100", pki().signer.cert.pem(), dpp_uri,
                       "https://mud.example/th-100.json", jws});
  std::string signed_bundle =
      must(codec::sign_bundle(b, pki().signer.cert, pki().signer.key, pki().signer.full_chain()));
  put_mode("bundle", "verified", 0, signed_bundle);
  put_mode("bundle", "embedded-root", 1, signed_bundle);
  put_mode("bundle", "signed-here", 2, b.to_json().dump(1));
}

std::string dpp_uris(const std::string& vectors) {
  auto text = must(fs::read_file(vectors + "/dpp/uris.txt"));
  std::istringstream in(text);
  std::string line, first_ok;
  for (int i = 0; std::getline(in, line); ++i) {
    size_t bar = line.find('|');
    if (bar == std::string::npos) continue;
    std::string uri = line.substr(bar + 1);
    if (first_ok.empty() && line.rfind("ok|", 0) == 0) first_ok = uri;
    put("dpp_uri", "vector-" + std::to_string(i), uri);
  }
  return first_ok;
}

Bytes filled(size_t n, uint8_t v) {
  return Bytes(n, v);
}

void dpp_frames() {
  Bytes key = pki().signer.key.public_key().point();
  std::vector<dpp::Attr> auth_req = {
      {dpp::attr::kResponderBkh, filled(32, 0xaa)},
      {dpp::attr::kInitiatorBkh, filled(32, 0xbb)},
      {dpp::attr::kInitiatorProtocolKey, Bytes(key.begin() + 1, key.end())},
      {dpp::attr::kProtocolVersion, {2}},
      {dpp::attr::kWrappedData, filled(57, 0x11)}};
  std::vector<dpp::Attr> auth_resp = {{dpp::attr::kStatus, {0}},
                                      {dpp::attr::kResponderBkh, filled(32, 0xaa)},
                                      {dpp::attr::kResponderProtocolKey, filled(64, 0x22)},
                                      {dpp::attr::kProtocolVersion, {2}},
                                      {dpp::attr::kWrappedData, filled(100, 0x33)}};
  std::vector<dpp::Attr> result = {{dpp::attr::kWrappedData, filled(40, 0x44)}};
  std::vector<dpp::Attr> presence = {{dpp::attr::kResponderBkh, filled(32, 0x55)}};
  Bytes f0 = dpp::encode_frame(0, auth_req), f1 = dpp::encode_frame(1, auth_resp);
  Bytes f11 = dpp::encode_frame(11, result), f13 = dpp::encode_frame(13, presence);
  put("dpp_frame", "auth-request", f0);
  put("dpp_frame", "auth-response", f1);
  put("dpp_frame", "config-result", f11);
  put("dpp_frame", "presence", f13);
  put("dpp_frame", "attrs-only", dpp::encode_attrs(auth_resp));

  dpp::ConfigRequest cr;
  cr.name = "th-100";
  cr.mud_url = "https://mud.example/th-100.json";
  cr.pkcs10 = "MIIBAA==";
  Bytes cr_json = to_bytes(cr.to_json().dump());
  dpp::Gas req{dpp::GasKind::kInitialRequest,
               7,
               0,
               0,
               0,
               dpp::encode_attrs({{dpp::attr::kWrappedData, cr_json}})};
  dpp::Gas resp{dpp::GasKind::kInitialResponse, 7, 0, 0, 0, filled(60, 0x66)};
  dpp::Gas comeback{dpp::GasKind::kComebackResponse, 7, 0, 1, 2, filled(10, 0x77)};
  dpp::Gas cb_req{dpp::GasKind::kComebackRequest, 7, 0, 0, 0, {}};
  put("dpp_gas", "initial-request", dpp::encode_gas(req));
  put("dpp_gas", "initial-response", dpp::encode_gas(resp));
  put("dpp_gas", "comeback-response", dpp::encode_gas(comeback));
  put("dpp_gas", "comeback-request", dpp::encode_gas(cb_req));

  auto framed = [](std::initializer_list<Bytes> messages) {
    Bytes out;
    for (const auto& m : messages) {
      out.push_back(static_cast<uint8_t>(m.size() >> 24));
      out.push_back(static_cast<uint8_t>(m.size() >> 16));
      out.push_back(static_cast<uint8_t>(m.size() >> 8));
      out.push_back(static_cast<uint8_t>(m.size()));
      out.insert(out.end(), m.begin(), m.end());
    }
    return out;
  };
  put("dpp_tcp", "auth-exchange", framed({f0, f1}));
  put("dpp_tcp", "gas", framed({dpp::encode_gas(req), dpp::encode_gas(resp), f11}));

  put("dpp_config", "config-request", cr_json);
  put("dpp_config", "config-request-ap", R"({"name":"ap","wi-fi_tech":"infra","netRole":"ap"})");

  dpp::ConnectorClaims claims;
  claims.groups = {{"*", "sta"}};
  claims.net_access_key = must(crypto::PrivateKey::generate(crypto::Curve::kP256)).public_key();
  claims.expiry = "2030-01-01T00:00:00Z";
  std::string connector = must(dpp::sign_connector(claims, pki().signer.key));
  put_mode("dpp_connector", "signed", 0, connector);
  Json payload{{"groups", Json::array({{{"groupId", "*"}, {"netRole", "sta"}}})},
               {"netAccessKey", dpp::ec_jwk(claims.net_access_key)},
               {"expiry", claims.expiry}};
  put_mode("dpp_connector", "payload", 1, payload.dump());

  dpp::ConfigObject dppobj;
  dppobj.ssid = "gatehouse";
  dppobj.akm = "dpp";
  dppobj.signed_connector = connector;
  dppobj.csign = pki().signer.key.public_key();
  put("dpp_config", "config-object-dpp", dppobj.to_json().dump());
  dpp::ConfigObject psk;
  psk.ssid = "gatehouse";
  psk.akm = "psk+sae";
  psk.pass = SecretString(std::string("correct horse battery"));
  put("dpp_config", "config-object-psk", psk.to_json().dump());
  dpp::ConfigObject dot1x = dppobj;
  dot1x.akm = "dot1x";
  dot1x.cert_bag = "MIIB";
  dot1x.ca_cert = "MIIB";
  dot1x.trusted_eap_server_name = "eap.example";
  put("dpp_config", "config-object-dot1x", dot1x.to_json().dump());
  put("dpp_config", "config-object-ssid64",
      R"({"wi-fi_tech":"infra","discovery":{"ssid64":"Z2F0ZWhvdXNl"},"cred":{"akm":"psk","pass":"12345678"}})");
}

void policy() {
  put("policy", "rules", R"(default:
  action: deny
  segment: quarantine
rules:
  - name: no-old-firmware-models
    match: {model: legacy-*}
    action: deny
  - name: sensors
    match:
      manufacturer: [Acme, "Acme Sensors"]
      owner: Example Hospital
      mud: present
    action: allow
    segment: sensors
  - name: cameras-by-dpp
    match: {model: "cam-?", protocol: dpp, attestation: pass, source: bundle}
    action: allow
    segment: cameras
)");
  put("policy", "mud", R"(default: {action: allow}
mud:
  controllers:
    "urn:ietf:params:mud:ntp": 10.0.0.1
  my-controllers:
    "https://mud.x/a.json": [10.0.0.2, "2001:db8::2"]
  overlay:
    - {name: no-cloud, mud-url: "https://mud.x/*", action: deny, to: [192.0.2.0/24, "2001:db8::/32"], protocol: tcp, port: 443}
    - {name: ntp, action: allow, direction: to-device, to: 10.0.0.123, protocol: udp, port: 123}
quarantine:
  reach:
    - {name: dns, to: 10.0.0.1, protocol: udp, port: 53}
)");
  put("policy", "anchors", R"(x: &a [10.0.0.1, 10.0.0.2]
mud:
  controllers:
    "urn:a": *a
    "urn:b": *a
)");
}

void mud() {
  put("mud", "every-match",
      R"({"ietf-mud:mud":{"mud-version":1,"mud-url":"https://mud.example/th-100.json",
"last-update":"2026-01-01T00:00:00Z","cache-validity":24,"is-supported":true,"systeminfo":"th-100",
"mfg-name":"Fuzz","model-name":"th-100","firmware-rev":"1.0","software-rev":"1.0",
"documentation":"https://mud.example/doc","extensions":["ol"],
"from-device-policy":{"access-lists":{"access-list":[{"name":"fr4"},{"name":"fr6"},{"name":"eth"}]}},
"to-device-policy":{"access-lists":{"access-list":[{"name":"to4"}]}}},
"ietf-access-control-list:acls":{"acl":[
{"name":"fr4","type":"ipv4-acl-type","aces":{"ace":[
 {"name":"net","matches":{"ipv4":{"protocol":17,"destination-ipv4-network":"192.0.2.0/24"},
  "udp":{"destination-port":{"lower-port":1000,"upper-port":2000}}},"actions":{"forwarding":"accept"}},
 {"name":"icmp","matches":{"ipv4":{"protocol":1},"icmp":{"type":8,"code":0}},"actions":{"forwarding":"accept"}},
 {"name":"local","matches":{"ietf-mud:mud":{"local-networks":[null]}},"actions":{"forwarding":"accept"}},
 {"name":"mine","matches":{"ietf-mud:mud":{"my-controller":[null]}},"actions":{"forwarding":"accept"}},
 {"name":"mfr","matches":{"ietf-mud:mud":{"manufacturer":"other.example"}},"actions":{"forwarding":"accept"}},
 {"name":"model","matches":{"ietf-mud:mud":{"model":"https://mud.example/th-200.json"}},"actions":{"forwarding":"drop"}},
 {"name":"neq","matches":{"ipv4":{"protocol":6},"tcp":{"destination-port":{"operator":"neq","port":23}}},"actions":{"forwarding":"reject"}}]}},
{"name":"fr6","type":"ipv6-acl-type","aces":{"ace":[
 {"name":"dns6","matches":{"ipv6":{"protocol":6,"ietf-acldns:dst-dnsname":"cloud.example.com","source-ipv6-network":"2001:db8::/32"},
  "tcp":{"ietf-mud:direction-initiated":"to-device","source-port":{"operator":"gte","port":1024}}},"actions":{"forwarding":"accept"}}]}},
{"name":"eth","type":"eth-acl-type","aces":{"ace":[
 {"name":"arp","matches":{"eth":{"ethertype":2054}},"actions":{"forwarding":"accept"}}]}},
{"name":"to4","type":"ipv4-acl-type","aces":{"ace":[
 {"name":"ctl","matches":{"ietf-mud:mud":{"controller":"urn:ietf:params:mud:dns"},"ipv4":{"protocol":17},
  "udp":{"source-port":{"operator":"eq","port":53}}},"actions":{"forwarding":"accept"}}]}}]}}
)");
}

void logs() {
  put("hostapd_log", "success", R"(r-dev2: CTRL-EVENT-EAP-STARTED 4a:a3:f7:6d:10:ed
r-dev2: CTRL-EVENT-EAP-PROPOSED-METHOD vendor=0 method=13
authsrv: peer certificate: depth=1 serial_num=237105F53CDF2998226F53BC5E13CC9F subject=/O=Lab Site/CN=Lab Site Domain CA
authsrv: peer certificate: depth=0 serial_num=03A3CAEB33370577DC0CFE56AF0C450A subject=/O=Lab Site/CN=LABDEV-00000002/serialNumber=LABDEV-00000002
authsrv: remote certificate verification success
r-dev2: CTRL-EVENT-EAP-SUCCESS 4a:a3:f7:6d:10:ed
r-dev2: AP-STA-CONNECTED 4a:a3:f7:6d:10:ed
r-dev2: STA 4a:a3:f7:6d:10:ed IEEE 802.1X: received EAPOL-Logoff from STA
)");
  put("hostapd_log", "revoked", R"(r-dev2: CTRL-EVENT-EAP-STARTED 4a:a3:f7:6d:10:ed
authsrv: peer certificate: depth=0 serial_num=03A3CAEB33370577DC0CFE56AF0C450A subject=/O=Lab Site/CN=LABDEV-00000002
authsrv: certificate chain failure: reason=2 depth=0 subject='/O=Lab Site/CN=X' err='certificate revoked'
authsrv: local TLS alert: certificate revoked
r-dev2: CTRL-EVENT-EAP-FAILURE 4a:a3:f7:6d:10:ed
r-dev2: AP-STA-DISCONNECTED 4a:a3:f7:6d:10:ed
)");
  put("dhcp_journal", "events",
      "\x40"
      R"({"action":"add","mac":"02:AA:00:00:00:01","ip":"10.0.0.5","port":"r-dev1","at":1767225600,"mud_url":"https://mud.example/th-100.json"}
{"action":"old","mac":"02:aa:00:00:00:02","ip":"10.0.0.6","at":1767225601,"mud_url_problem":"not https"}
{"action":"del","mac":"02:aa:00:00:00:01","ip":"10.0.0.5","port":"r-dev1","at":1767225602}
)");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_make_seeds <tests/fuzz/corpus> <tests/vectors>\n";
    return 2;
  }
  out_dir = argv[1];
  http();
  vouchers();
  est_and_csr();
  std::string uri = dpp_uris(argv[2]);
  bundle_and_declaration(uri);
  dpp_frames();
  policy();
  mud();
  logs();
  return 0;
}
