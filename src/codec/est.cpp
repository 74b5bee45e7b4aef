#include "codec/est.h"

#include "crypto/cms.h"

namespace gh::codec {

std::string est_base64(const Bytes& der) {
  std::string b64 = base64_encode(der), out;
  for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out;
}

Result<Bytes> est_decode_body(const std::string& body) {
  return der_from_any(body, "est.body");
}

Result<crypto::Csr> est_parse_csr(const std::string& body) {
  auto der = TRY(est_decode_body(body));
  return TRY_CTX(crypto::Csr::from_der(der), "est");
}

Result<std::string> est_certs_only(const std::vector<crypto::Certificate>& certs) {
  return est_base64(TRY(crypto::certs_only_encode(certs)));
}

Result<std::vector<crypto::Certificate>> est_parse_certs_only(const std::string& body) {
  auto der = TRY(est_decode_body(body));
  return crypto::certs_only_decode(der);
}

std::string est_csrattrs() {
  // SEQUENCE { OID ecdsa-with-SHA256 (1.2.840.10045.4.3.2), OID serialNumber (2.5.4.5) }
  const Bytes der = {0x30, 0x0f, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                     0x04, 0x03, 0x02, 0x06, 0x03, 0x55, 0x04, 0x05};
  return est_base64(der);
}

}  // namespace gh::codec
