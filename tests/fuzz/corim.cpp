// Reference values as a site reads them from a bundle (codec/corim.h): a signed CoRIM verified
// against the manufacturer root. The first octet picks the reading: even, the rest is a signed
// CoRIM as sent; odd, the rest is its payload (tagged corim-map), signed here by the fuzz signer
// first, so the CoMID and triple readers behind a good signature are reached.
#include "codec/corim.h"

#include "codec/cose.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gh;
  if (size == 0) return 0;
  const auto& pki = fuzz::test_pki();
  Bytes body = fuzz::bytes(data + 1, size - 1);
  Bytes signed_corim = body;
  if (data[0] % 2 == 1) {
    codec::Cbor header = codec::Cbor::map();
    header.set(codec::cose::kHeaderContentType, codec::Cbor::text(codec::corim::kContentType));
    codec::Cbor unprotected = codec::Cbor::map();
    unprotected.set(codec::cose::kHeaderX5Chain, codec::cose::x5chain(pki.signer.full_chain()));
    auto s = codec::cose::sign1(header, unprotected, body, pki.signer.key);
    if (!s) return 0;
    signed_corim = *s;
  }
  (void)codec::corim::read_corim(signed_corim);
  auto v = codec::corim::verify_corim(signed_corim, {pki.root.cert}, 1'800'000'000);
  if (!v) return 0;
  // What was read signs and reads back the same.
  for (const auto& r : v->releases) {
    auto again = codec::corim::sign_corim(r, pki.signer.key, pki.signer.full_chain());
    fuzz::check(again.ok());
    auto back = codec::corim::verify_corim(*again, {pki.root.cert}, 1'800'000'000);
    fuzz::check(back.ok() && back->releases.size() == 1 &&
                back->releases[0].components == r.components && back->releases[0].model == r.model);
  }
  return 0;
}
