#include "crypto/jws.h"

namespace gh::crypto {

const char* jws_alg_for(Curve c) {
  switch (c) {
    case Curve::kP384:
      return "ES384";
    case Curve::kP521:
      return "ES512";
    default:
      return "ES256";
  }
}

Result<std::string> jws_sign_compact(Json header, const Bytes& payload, const PrivateKey& key) {
  auto curve = TRY(key.curve());
  header["alg"] = jws_alg_for(curve);
  std::string input = base64url_encode(to_bytes(header.dump())) + "." + base64url_encode(payload);
  auto sig = TRY_CTX(key.sign_raw(to_bytes(input)), "jws");
  return input + "." + base64url_encode(sig);
}

Result<JwsParsed> jws_parse_compact(std::string_view jws) {
  size_t a = jws.find('.');
  size_t b = a == std::string_view::npos ? a : jws.find('.', a + 1);
  if (a == std::string_view::npos || b == std::string_view::npos ||
      jws.find('.', b + 1) != std::string_view::npos)
    return make_error("jws.format", "not a compact JWS (three dot-separated parts)");
  JwsParsed p;
  auto header_bytes = TRY_CTX(base64url_decode(jws.substr(0, a)), "jws header");
  p.header = TRY_CTX(parse_json(to_string(header_bytes), "jws header"), "jws");
  if (!p.header.is_object()) return make_error("jws.format", "jws header is not a JSON object");
  p.payload = TRY_CTX(base64url_decode(jws.substr(a + 1, b - a - 1)), "jws payload");
  p.signature = TRY_CTX(base64url_decode(jws.substr(b + 1)), "jws signature");
  p.signing_input = to_bytes(jws.substr(0, b));
  return p;
}

Result<JwsParsed> jws_verify_compact(std::string_view jws, const PublicKey& key) {
  auto p = TRY(jws_parse_compact(jws));
  auto curve = TRY(key.curve());
  std::string alg = json_string_or(p.header, "alg", "");
  if (alg != jws_alg_for(curve))
    return make_error("jws.alg",
                      "jws alg '" + alg + "' does not match the " + curve_name(curve) + " key");
  auto st = key.verify_raw(p.signing_input, p.signature);
  if (!st) return make_error("jws.signature", "jws signature does not verify");
  return p;
}

Json x5c_header(const std::vector<Certificate>& chain) {
  Json arr = Json::array();
  for (const auto& c : chain) arr.push_back(base64_encode(c.der()));
  return arr;
}

Result<std::vector<Certificate>> x5c_chain(const Json& header) {
  auto it = header.find("x5c");
  if (it == header.end() || !it->is_array() || it->empty())
    return make_error("jws.x5c", "jws header has no x5c certificate chain");
  std::vector<Certificate> out;
  for (const auto& entry : *it) {
    if (!entry.is_string()) return make_error("jws.x5c", "x5c entry is not a string");
    auto der = TRY_CTX(base64_decode(entry.get<std::string>()), "x5c");
    out.push_back(TRY_CTX(Certificate::from_der(der), "x5c"));
  }
  return out;
}

}  // namespace gh::crypto
