// JWS (RFC 7515) with ES256/ES384/ES512 (RFC 7518 3.4: raw r||s signatures).
#pragma once

#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "crypto/key.h"
#include "crypto/x509.h"

namespace gh::crypto {

const char* jws_alg_for(Curve c);

// Compact serialization: b64url(header).b64url(payload).b64url(sig). "alg" is set from the key.
Result<std::string> jws_sign_compact(Json header, const Bytes& payload, const PrivateKey& key);

struct JwsParsed {
  Json header;
  Bytes payload;
  Bytes signing_input;  // ASCII(b64url(header) "." b64url(payload))
  Bytes signature;
};
// Splits and decodes without verifying.
Result<JwsParsed> jws_parse_compact(std::string_view jws);
// Verifies the signature with key; refuses an alg that does not match the key's curve ("none" too).
Result<JwsParsed> jws_verify_compact(std::string_view jws, const PublicKey& key);

// The x5c header (RFC 7515 4.1.6): standard base64 DER, signer first.
Json x5c_header(const std::vector<Certificate>& chain);
Result<std::vector<Certificate>> x5c_chain(const Json& header);

}  // namespace gh::crypto
