#include "codec/dpp.h"

#include "common/time.h"
#include "common/utf8.h"
#include "crypto/digest.h"
#include "crypto/jws.h"

namespace gh::codec::dpp {
namespace {

constexpr uint8_t kCategoryPublic = 0x09;
const Bytes kOuiType = {0x50, 0x6f, 0x9a, 0x1a};
constexpr uint8_t kCryptoSuite = 0x01;
// Advertisement Protocol element: ID 0x6c, length 8, query response info 0x7f, then DPP's
// vendor-specific advertisement protocol (dd 05 50 6f 9a 1a 01).
const Bytes kAdvProto = {0x6c, 0x08, 0x7f, 0xdd, 0x05, 0x50, 0x6f, 0x9a, 0x1a, 0x01};

uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
void put_le16(Bytes& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v & 0xff));
  out.push_back(static_cast<uint8_t>((v >> 8) & 0xff));
}

}  // namespace

const char* frame_name(uint8_t type) {
  switch (type) {
    case 0:
      return "Authentication Request";
    case 1:
      return "Authentication Response";
    case 2:
      return "Authentication Confirm";
    case 5:
      return "Peer Discovery Request";
    case 6:
      return "Peer Discovery Response";
    case 11:
      return "Configuration Result";
    case 12:
      return "Connection Status Result";
    case 13:
      return "Presence Announcement";
    case 14:
      return "Reconfiguration Announcement";
    case 15:
      return "Reconfiguration Authentication Request";
    case 16:
      return "Reconfiguration Authentication Response";
    case 17:
      return "Reconfiguration Authentication Confirm";
    default:
      return "unknown frame";
  }
}

const char* status_name(uint8_t status) {
  static const char* names[] = {"OK",
                                "NOT_COMPATIBLE",
                                "AUTH_FAILURE",
                                "UNWRAP_FAILURE",
                                "BAD_GROUP",
                                "CONFIGURE_FAILURE",
                                "RESPONSE_PENDING",
                                "INVALID_CONNECTOR",
                                "NO_MATCH",
                                "CONFIG_REJECTED",
                                "NO_AP",
                                "CONFIGURE_PENDING",
                                "CSR_NEEDED",
                                "CSR_BAD",
                                "NEW_KEY_NEEDED"};
  return status < sizeof names / sizeof names[0] ? names[status] : "unknown status";
}

Result<std::vector<Attr>> parse_attrs(const uint8_t* data, size_t len) {
  std::vector<Attr> out;
  size_t pos = 0;
  bool after_wd = false;
  while (pos < len) {
    if (len - pos < 4)
      return make_error("dpp.attr", "truncated attribute header at offset " + std::to_string(pos));
    uint16_t id = le16(data + pos);
    uint16_t alen = le16(data + pos + 2);
    if (alen > len - pos - 4)
      return make_error("dpp.attr", "attribute 0x" + hex_encode({uint8_t(id >> 8), uint8_t(id)}) +
                                        " claims " + std::to_string(alen) + " octets, " +
                                        std::to_string(len - pos - 4) + " remain");
    if (after_wd) return make_error("dpp.attr", "attribute after Wrapped Data");
    out.push_back({id, Bytes(data + pos + 4, data + pos + 4 + alen)});
    if (id == attr::kWrappedData) after_wd = true;
    pos += 4 + alen;
  }
  return out;
}

Bytes encode_attr(uint16_t id, const Bytes& value) {
  Bytes out;
  out.reserve(4 + value.size());
  put_le16(out, id);
  put_le16(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

Bytes encode_attrs(const std::vector<Attr>& attrs) {
  Bytes out;
  for (const auto& a : attrs) {
    Bytes one = encode_attr(a.id, a.value);
    out.insert(out.end(), one.begin(), one.end());
  }
  return out;
}

const Attr* find_attr(const std::vector<Attr>& attrs, uint16_t id) {
  for (const auto& a : attrs)
    if (a.id == id) return &a;
  return nullptr;
}

Result<Bytes> require_attr(const std::vector<Attr>& attrs, uint16_t id, const char* name,
                           size_t exact_len) {
  const Attr* a = find_attr(attrs, id);
  if (!a) return make_error("dpp.attr.missing", std::string("no ") + name + " attribute");
  if (exact_len && a->value.size() != exact_len)
    return make_error("dpp.attr.length", std::string(name) + " has " +
                                             std::to_string(a->value.size()) +
                                             " octets, expected " + std::to_string(exact_len));
  return a->value;
}

Bytes frame_header(uint8_t type) {
  Bytes h = kOuiType;
  h.push_back(kCryptoSuite);
  h.push_back(type);
  return h;
}

Bytes encode_frame(uint8_t type, const std::vector<Attr>& attrs) {
  Bytes out{kCategoryPublic};
  Bytes h = frame_header(type);
  out.insert(out.end(), h.begin(), h.end());
  Bytes body = encode_attrs(attrs);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Result<Frame> parse_frame(const Bytes& m) {
  if (m.size() > kMaxMessage) return make_error("dpp.frame", "message over 65535 octets");
  if (m.size() < 7 || m[0] != kCategoryPublic ||
      !std::equal(kOuiType.begin(), kOuiType.end(), m.begin() + 1))
    return make_error("dpp.frame", "not a DPP public action frame");
  if (m[5] != kCryptoSuite)
    return make_error("dpp.frame", "unknown crypto suite " + std::to_string(m[5]));
  Frame f;
  f.type = m[6];
  f.body.assign(m.begin() + 7, m.end());
  f.attrs = TRY_CTX(parse_attrs(f.body.data(), f.body.size()), frame_name(f.type));
  f.wd_offset = f.body.size();
  size_t pos = 0;
  for (const auto& a : f.attrs) {
    if (a.id == attr::kWrappedData) {
      f.wd_offset = pos;
      break;
    }
    pos += 4 + a.value.size();
  }
  return f;
}

Bytes encode_gas(const Gas& g) {
  Bytes out{static_cast<uint8_t>(g.kind), g.token};
  switch (g.kind) {
    case GasKind::kInitialRequest:
      out.insert(out.end(), kAdvProto.begin(), kAdvProto.end());
      put_le16(out, g.body.size());
      out.insert(out.end(), g.body.begin(), g.body.end());
      break;
    case GasKind::kInitialResponse:
      put_le16(out, g.status);
      put_le16(out, g.comeback_delay);
      out.insert(out.end(), kAdvProto.begin(), kAdvProto.end());
      put_le16(out, g.body.size());
      out.insert(out.end(), g.body.begin(), g.body.end());
      break;
    case GasKind::kComebackRequest:
      break;
    case GasKind::kComebackResponse:
      put_le16(out, g.status);
      out.push_back(g.frag_id);
      put_le16(out, g.comeback_delay);
      out.insert(out.end(), kAdvProto.begin(), kAdvProto.end());
      put_le16(out, g.body.size());
      out.insert(out.end(), g.body.begin(), g.body.end());
      break;
  }
  return out;
}

Result<Gas> parse_gas(const Bytes& m) {
  if (m.size() > kMaxMessage) return make_error("dpp.gas", "message over 65535 octets");
  if (m.size() < 2 || !is_gas_frame(m)) return make_error("dpp.gas", "not a GAS frame");
  Gas g;
  g.kind = static_cast<GasKind>(m[0]);
  g.token = m[1];
  size_t pos = 2;
  auto need = [&](size_t n) -> Status {
    if (m.size() - pos < n) return make_error("dpp.gas", "truncated GAS frame");
    return ok_status();
  };
  if (g.kind == GasKind::kComebackRequest) {
    if (m.size() != 2) return make_error("dpp.gas", "trailing octets after a Comeback Request");
    return g;
  }
  if (g.kind == GasKind::kInitialResponse || g.kind == GasKind::kComebackResponse) {
    TRY(need(2));
    g.status = le16(&m[pos]);
    pos += 2;
    if (g.kind == GasKind::kComebackResponse) {
      TRY(need(1));
      g.frag_id = m[pos++];
    }
    TRY(need(2));
    g.comeback_delay = le16(&m[pos]);
    pos += 2;
  }
  TRY(need(kAdvProto.size() + 2));
  // The element's length and the DPP vendor-specific protocol must match; the query response
  // info octet (0x7f here) is not checked.
  if (m[pos] != 0x6c || m[pos + 1] != 0x08 ||
      !std::equal(kAdvProto.begin() + 3, kAdvProto.end(), m.begin() + static_cast<long>(pos) + 3))
    return make_error("dpp.gas", "advertisement protocol is not DPP's");
  pos += kAdvProto.size();
  uint16_t len = le16(&m[pos]);
  pos += 2;
  if (m.size() - pos != len)
    return make_error("dpp.gas", "GAS body length " + std::to_string(len) + " does not match the " +
                                     std::to_string(m.size() - pos) + " octets present");
  g.body.assign(m.begin() + static_cast<long>(pos), m.end());
  return g;
}

Json ConfigRequest::to_json() const {
  Json j{{"name", name}, {"wi-fi_tech", wifi_tech}, {"netRole", net_role}};
  if (!mud_url.empty()) j["mudurl"] = mud_url;
  if (!pkcs10.empty()) j["pkcs10"] = pkcs10;
  return j;
}

Result<ConfigRequest> ConfigRequest::parse(const Bytes& json) {
  auto j = TRY_CTX(parse_json(to_string(json), "dpp.config-request"), "configAttrib");
  if (!j.is_object()) return make_error("dpp.config-request", "configAttrib is not a JSON object");
  ConfigRequest r;
  r.name = TRY(json_string(j, "name", "configAttrib"));
  r.wifi_tech = TRY(json_string(j, "wi-fi_tech", "configAttrib"));
  r.net_role = TRY(json_string(j, "netRole", "configAttrib"));
  if (r.wifi_tech != "infra")
    return make_error("dpp.config-request", "wi-fi_tech '" + r.wifi_tech + "' is not infra");
  if (r.net_role != "sta" && r.net_role != "ap" && r.net_role != "configurator")
    return make_error("dpp.config-request", "unknown netRole '" + r.net_role + "'");
  r.mud_url = json_string_or(j, "mudurl", "");
  r.pkcs10 = json_string_or(j, "pkcs10", "");
  return r;
}

Json ec_jwk(const crypto::PublicKey& key) {
  Bytes p = key.point();
  auto curve = key.curve();
  size_t plen = (p.size() - 1) / 2;
  return Json{
      {"kty", "EC"},
      {"crv", curve ? crypto::curve_name(*curve) : "P-256"},
      {"x", base64url_encode(Bytes(p.begin() + 1, p.begin() + 1 + static_cast<long>(plen)))},
      {"y", base64url_encode(Bytes(p.begin() + 1 + static_cast<long>(plen), p.end()))}};
}

Result<crypto::PublicKey> parse_ec_jwk(const Json& jwk, const std::string& path) {
  if (!jwk.is_object()) return make_error("dpp.jwk", path + " is not a JSON object");
  if (json_string_or(jwk, "kty", "") != "EC") return make_error("dpp.jwk", path + ".kty is not EC");
  auto curve = TRY_CTX(crypto::parse_curve(json_string_or(jwk, "crv", "")), path + ".crv");
  auto x = TRY_CTX(base64url_decode(TRY(json_string(jwk, "x", path))), path + ".x");
  auto y = TRY_CTX(base64url_decode(TRY(json_string(jwk, "y", path))), path + ".y");
  size_t plen = crypto::prime_len(curve);
  if (x.size() != plen || y.size() != plen)
    return make_error("dpp.jwk", path + ": x and y must be " + std::to_string(plen) + " octets");
  Bytes point{0x04};
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  return TRY_CTX(crypto::PublicKey::from_point(curve, point), path);
}

std::string csign_kid(const crypto::PublicKey& key) {
  return base64url_encode(crypto::sha256(key.point()));
}

Result<std::string> sign_connector(const ConnectorClaims& c, const crypto::PrivateKey& csign) {
  Json groups = Json::array();
  for (const auto& [id, role] : c.groups) groups.push_back({{"groupId", id}, {"netRole", role}});
  Json payload{{"groups", groups}, {"netAccessKey", ec_jwk(c.net_access_key)}};
  if (!c.expiry.empty()) payload["expiry"] = c.expiry;
  Json header{{"typ", "dppCon"}, {"kid", csign_kid(csign.public_key())}};
  return crypto::jws_sign_compact(header, to_bytes(payload.dump()), csign);
}

Result<ConnectorClaims> verify_connector(const std::string& connector,
                                         const crypto::PublicKey& csign, int64_t now_unix) {
  auto parsed = crypto::jws_verify_compact(connector, csign);
  if (!parsed) return make_error("dpp.connector.signature", parsed.error().message);
  if (json_string_or(parsed->header, "typ", "") != "dppCon")
    return make_error("dpp.connector.typ", "connector typ is not dppCon");
  if (json_string_or(parsed->header, "kid", "") != csign_kid(csign))
    return make_error("dpp.connector.kid", "connector kid does not name the C-sign key");
  auto payload = parse_json(to_string(parsed->payload), "dpp.connector");
  if (!payload || !payload->is_object())
    return make_error("dpp.connector.payload", "connector payload is not a JSON object");
  ConnectorClaims c;
  auto groups = payload->find("groups");
  if (groups == payload->end() || !groups->is_array() || groups->empty())
    return make_error("dpp.connector.groups", "connector has no groups");
  for (const auto& g : *groups) {
    if (!g.is_object() || !g.contains("groupId") || !g["groupId"].is_string() ||
        !g.contains("netRole") || !g["netRole"].is_string())
      return make_error("dpp.connector.groups", "a connector group lacks groupId or netRole");
    c.groups.emplace_back(g["groupId"].get<std::string>(), g["netRole"].get<std::string>());
  }
  auto nak = payload->find("netAccessKey");
  if (nak == payload->end())
    return make_error("dpp.connector.key", "connector has no netAccessKey");
  c.net_access_key = TRY(parse_ec_jwk(*nak, "netAccessKey"));
  c.expiry = json_string_or(*payload, "expiry", "");
  if (!c.expiry.empty()) {
    auto t = time::parse_rfc3339(c.expiry);
    if (!t) return make_error("dpp.connector.expiry", "connector expiry is not a date");
    if (*t < now_unix) return make_error("dpp.connector.expiry", "connector expired " + c.expiry);
  }
  return c;
}

Json ConfigObject::to_json() const {
  Json cred{{"akm", akm}};
  if (!signed_connector.empty()) {
    cred["signedConnector"] = signed_connector;
    Json jwk = ec_jwk(csign);
    jwk["kid"] = csign_kid(csign);
    cred["csign"] = jwk;
  }
  if (!pass.empty()) cred["pass"] = pass.reveal();
  if (!cert_bag.empty()) {
    Json ent{{"certBag", cert_bag}, {"eapMethods", Json::array({13})}};
    if (!ca_cert.empty()) ent["caCert"] = ca_cert;
    if (!trusted_eap_server_name.empty()) ent["trustedEapServerName"] = trusted_eap_server_name;
    cred["entCreds"] = ent;
  }
  return Json{{"wi-fi_tech", "infra"}, {"discovery", {{"ssid", ssid}}}, {"cred", cred}};
}

Result<ConfigObject> ConfigObject::parse(const Bytes& json) {
  auto j = TRY_CTX(parse_json(to_string(json), "dpp.config-object"), "config object");
  if (!j.is_object()) return make_error("dpp.config-object", "config object is not JSON object");
  if (json_string_or(j, "wi-fi_tech", "") != "infra")
    return make_error("dpp.config-object", "config object wi-fi_tech is not infra");
  ConfigObject o;
  auto disc = j.find("discovery");
  if (disc == j.end() || !disc->is_object())
    return make_error("dpp.config-object", "config object has no discovery");
  if (disc->contains("ssid64")) {
    auto raw = TRY_CTX(base64url_decode(json_string_or(*disc, "ssid64", "")), "discovery.ssid64");
    o.ssid = to_string(raw);
  } else {
    o.ssid = TRY(json_string(*disc, "ssid", "discovery"));
  }
  if (o.ssid.empty() || o.ssid.size() > 32)
    return make_error("dpp.config-object", "SSID must be 1-32 octets");
  // The SSID is written to the device's network.json (JSON strings are UTF-8), so ssid64 must
  // decode to UTF-8 text as well.
  if (!valid_utf8(o.ssid)) return make_error("dpp.config-object", "SSID is not UTF-8 text");
  auto cred = j.find("cred");
  if (cred == j.end() || !cred->is_object())
    return make_error("dpp.config-object", "config object has no cred");
  o.akm = TRY(json_string(*cred, "akm", "cred"));
  if (cred->contains("signedConnector")) {
    o.signed_connector = TRY(json_string(*cred, "signedConnector", "cred"));
    auto cs = cred->find("csign");
    if (cs == cred->end()) return make_error("dpp.config-object", "connector without csign");
    o.csign = TRY(parse_ec_jwk(*cs, "cred.csign"));
    std::string kid = json_string_or(*cs, "kid", "");
    if (!kid.empty() && kid != csign_kid(o.csign))
      return make_error("dpp.connector.kid", "csign kid does not match the key");
  }
  if (cred->contains("pass")) {
    std::string pass = TRY(json_string(*cred, "pass", "cred"));
    if (pass.size() < 8 || pass.size() > 63)
      return make_error("dpp.config-object", "passphrase must be 8-63 characters");
    o.pass = SecretString(std::move(pass));
  }
  if (auto ent = cred->find("entCreds"); ent != cred->end() && ent->is_object()) {
    o.cert_bag = json_string_or(*ent, "certBag", "");
    o.ca_cert = json_string_or(*ent, "caCert", "");
    o.trusted_eap_server_name = json_string_or(*ent, "trustedEapServerName", "");
  }
  return o;
}

}  // namespace gh::codec::dpp
