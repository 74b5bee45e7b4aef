// The device information declaration (codec/declaration.h): a compact JWS with an x5c chain,
// carried in bundles and sent to the MASA. The first octet picks the reading: verified against the
// manufacturer root, decoded as a stored (already verified) one, or (mode 2) the rest taken as the
// payload and signed here first, so that the JSON behind a good signature is reached too.
#include "codec/declaration.h"

#include "crypto/jws.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& pki = gh::fuzz::test_pki();
  std::string_view rest = gh::fuzz::text(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      (void)gh::codec::verify_declaration(rest, {pki.root.cert});
      break;
    case 1:
      if (auto d = gh::codec::decode_verified_declaration(rest)) (void)d->may_onboard({});
      break;
    case 2: {
      gh::Json header{{"typ", gh::codec::kDeclarationType},
                      {"x5c", gh::crypto::x5c_header(pki.signer.full_chain())}};
      auto jws = gh::crypto::jws_sign_compact(header, gh::to_bytes(rest), pki.signer.key);
      gh::fuzz::check(jws.ok());
      auto d = gh::codec::verify_declaration(*jws, {pki.root.cert});
      if (d) {
        auto again = gh::codec::DeviceInformationDeclaration::from_json(d->declaration.to_json());
        gh::fuzz::check(again.ok() && again->serial == d->declaration.serial &&
                        again->authorized_onboarders.size() ==
                            d->declaration.authorized_onboarders.size());
      }
      break;
    }
  }
  return 0;
}
