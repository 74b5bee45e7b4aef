// X.509 certificates (crypto/x509.h) as peers hand them over outside TLS: a voucher's
// pinned-domain-cert and proximity-registrar-cert (DER), a JWS x5c chain (DER), a bundle's IDevIDs
// and manufacturer root (PEM), files given to `site` commands (PEM chains).
#include "crypto/x509.h"

#include "common/utf8.h"
#include "fuzz_util.h"

namespace {

void use(const gh::crypto::Certificate& c) {
  // Subjects and issuers go into JSON (the evidence log, status output): UTF-8 text.
  gh::fuzz::check(gh::valid_utf8(c.subject()) && gh::valid_utf8(c.issuer()));
  (void)c.serial_number_attr();
  (void)c.masa_url();
  (void)c.mud_url();
  (void)c.dns_names();
  (void)c.serial_hex();
  (void)c.not_before();
  (void)c.not_after();
  (void)c.public_key();
  (void)c.is_ca();
  (void)c.has_eku(gh::crypto::kOidCmcRa);
  (void)c.self_signed();
  (void)c.fingerprint_sha256();
  (void)c.subject_key_id();
  (void)c.authority_key_id();
  (void)c.pem();
  auto again = gh::crypto::Certificate::from_der(c.der());
  gh::fuzz::check(again.ok() && *again == c);
  (void)gh::crypto::verify_chain(c, {}, {c});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto c = gh::crypto::Certificate::from_der(gh::fuzz::bytes(data, size))) use(*c);
  if (auto chain = gh::crypto::Certificate::chain_from_pem(gh::fuzz::text(data, size))) {
    gh::fuzz::check(!chain->empty());
    for (const auto& c : *chain) use(c);
  }
  return 0;
}
