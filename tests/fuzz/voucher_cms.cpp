// Signed vouchers and voucher-requests (codec/voucher.h, crypto/cms.h): CMS SignedData as DER,
// base64 or PEM, as a MASA reads a registrar's request (its own embedded roots trusted
// temporarily) and as a pledge reads a voucher. The first octet picks the reading; with mode 3 the
// rest is signed here first, so the JSON behind a good signature is reached too.
#include "codec/voucher.h"
#include "crypto/cms.h"
#include "fuzz_util.h"

namespace {

void read_voucher(const gh::Json& json) {
  (void)gh::codec::Voucher::from_json(json);
  (void)gh::codec::VoucherRequest::from_json(json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& pki = gh::fuzz::test_pki();
  gh::Bytes body = gh::fuzz::bytes(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {  // a MASA reading a registrar's voucher-request
      gh::crypto::CmsVerifyOptions opt;
      opt.trust_embedded_roots = true;
      if (auto v = gh::codec::verify_voucher_artifact(body, {}, opt)) read_voucher(v->json);
      break;
    }
    case 1:  // a pledge reading a voucher against its MASA anchor
      if (auto v = gh::codec::verify_voucher_artifact(body, {pki.root.cert})) read_voucher(v->json);
      break;
    case 2:  // what a trust-on-first-use prompt reads before anything is verified
      if (auto der = gh::crypto::cms_from_any(body)) {
        if (auto u = gh::crypto::cms_parse_unverified(*der))
          for (const auto& c : u->certificates) (void)c.subject();
      }
      break;
    case 3: {
      auto cms =
          gh::crypto::cms_sign(body, pki.signer.cert, pki.signer.key, pki.signer.full_chain(),
                               gh::crypto::CmsSignOptions{false, gh::crypto::kOidAnimaJsonVoucher});
      if (!cms) return 0;  // OpenSSL signs no empty content
      auto v = gh::codec::verify_voucher_artifact(*cms, {pki.root.cert});
      if (v) read_voucher(v->json);
      break;
    }
  }
  return 0;
}
