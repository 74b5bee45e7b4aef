// PKCS#10 requests (crypto::Csr, DER and PEM): from EST, from a DPP configuration request's
// pkcs10 member, and from files an operator hands `site` commands.
#include "common/utf8.h"
#include "crypto/x509.h"
#include "fuzz_util.h"

namespace {

void use(const gh::crypto::Csr& csr) {
  (void)csr.verify_signature();
  (void)csr.public_key();
  gh::fuzz::check(gh::valid_utf8(csr.subject()));
  (void)csr.subject_attr("serialNumber");
  (void)csr.subject_attr("CN");
  (void)csr.challenge_password();
  (void)csr.pem();
  auto again = gh::crypto::Csr::from_der(csr.der());
  gh::fuzz::check(again.ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (auto csr = gh::crypto::Csr::from_der(gh::fuzz::bytes(data, size))) use(*csr);
  if (auto csr = gh::crypto::Csr::from_pem(gh::fuzz::text(data, size))) use(*csr);
  return 0;
}
