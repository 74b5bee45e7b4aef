// EST message bodies (codec/est.h, RFC 7030 / RFC 8951): a pledge's /simpleenroll CSR as the
// registrar reads it, and the certs-only responses (/cacerts, /simpleenroll) a pledge reads.
#include "codec/est.h"

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(gh::fuzz::text(data, size));
  if (auto der = gh::codec::est_decode_body(body)) gh::fuzz::check(!der->empty());
  if (auto csr = gh::codec::est_parse_csr(body)) {
    (void)csr->verify_signature();
    (void)csr->subject_attr("serialNumber");
  }
  if (auto certs = gh::codec::est_parse_certs_only(body)) {
    gh::fuzz::check(!certs->empty());
    for (const auto& c : *certs) {
      (void)c.subject();
      (void)c.serial_number_attr();
    }
    // What we read we can send on.
    auto again = gh::codec::est_certs_only(*certs);
    gh::fuzz::check(again.ok());
    auto back = gh::codec::est_parse_certs_only(*again);
    gh::fuzz::check(back.ok() && back->size() == certs->size());
  }
  return 0;
}
