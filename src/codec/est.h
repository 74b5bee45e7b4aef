// EST message bodies (RFC 7030, RFC 8951): base64 DER, read leniently (base64 with or without
// line breaks, raw DER, or PEM), written as base64 without a Content-Transfer-Encoding header.
#pragma once

#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"
#include "crypto/x509.h"

namespace gh::codec {

inline constexpr const char* kPkcs10MediaType = "application/pkcs10";
inline constexpr const char* kCertsOnlyMediaType = "application/pkcs7-mime; smime-type=certs-only";
inline constexpr const char* kCsrAttrsMediaType = "application/csrattrs";

// Base64 in 64-character lines ending in LF (RFC 8951: no Content-Transfer-Encoding header).
std::string est_base64(const Bytes& der);
// Base64, DER (starts with a SEQUENCE) or PEM -> DER.
Result<Bytes> est_decode_body(const std::string& body);

Result<crypto::Csr> est_parse_csr(const std::string& body);
Result<std::string> est_certs_only(const std::vector<crypto::Certificate>& certs);
Result<std::vector<crypto::Certificate>> est_parse_certs_only(const std::string& body);
// CsrAttrs (RFC 7030 4.5.2): what the registrar wants in a CSR. Ours asks for ecdsa-with-SHA256
// and the subject serialNumber attribute type.
std::string est_csrattrs();

}  // namespace gh::codec
