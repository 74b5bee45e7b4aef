// The bootstrapping bundle (codec/bundle.h): a signed file a purchaser imports with `site import`.
// The first octet picks the reading: verified against the manufacturer root, the embedded root
// read for trust on first use, or (mode 2) the rest signed here first so that the JSON behind a
// good signature is reached too.
#include "codec/bundle.h"

#include "crypto/cms.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& pki = gh::fuzz::test_pki();
  gh::Bytes file = gh::fuzz::bytes(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      (void)gh::codec::verify_bundle(file, {pki.root.cert});
      break;
    case 1:
      if (auto root = gh::codec::bundle_embedded_root(file)) (void)root->fingerprint_sha256();
      break;
    case 2: {
      auto cms =
          gh::crypto::cms_sign(file, pki.signer.cert, pki.signer.key, pki.signer.full_chain());
      if (!cms) return 0;  // OpenSSL signs no empty content
      auto b = gh::codec::verify_bundle(*cms, {pki.root.cert});
      if (b) {
        // What we read we write back the same.
        auto again = gh::codec::BootstrappingBundle::from_json(b->bundle.to_json());
        gh::fuzz::check(again.ok() && again->devices.size() == b->bundle.devices.size());
      }
      (void)gh::codec::bundle_embedded_root(*cms);
      break;
    }
  }
  return 0;
}
