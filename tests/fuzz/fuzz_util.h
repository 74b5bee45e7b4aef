// Shared by the fuzz targets: the input as text or bytes, and a small PKI made once per process
// for the targets that sign what the fuzzer wrote and then verify it, so that the parsing behind a
// signature check is reached too (a mutated signature never verifies).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "common/encoding.h"
#include "crypto/key.h"
#include "crypto/x509.h"
#include "pki/profiles.h"

namespace gh::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

inline Bytes bytes(const uint8_t* data, size_t size) {
  return Bytes(data, data + size);
}

// Fixed keys (made for the fuzz targets, used nowhere else), so that the seeds tests/fuzz/seeds
// signs verify in every fuzzing process: tests/data/fuzz/{root,signer}.key.pem, found through
// GH_FUZZ_KEYS_DIR (set by the build).
inline std::string fuzz_key_pem(const char* name) {
  std::ifstream in(std::string(GH_FUZZ_KEYS_DIR) + "/" + name, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) std::abort();  // run from a checkout: the keys are test data
  return text;
}

// A root CA and one end-entity signer under it (P-256); the signer carries id-kp-cmcRA, so it can
// stand for a registrar too.
struct Pki {
  pki::Identity root;
  pki::Identity signer;
};

inline const Pki& test_pki() {
  static const Pki pki = [] {
    Pki p;
    auto rk = crypto::PrivateKey::from_pem(fuzz_key_pem("root.key.pem"));
    auto sk = crypto::PrivateKey::from_pem(fuzz_key_pem("signer.key.pem"));
    if (!rk || !sk) std::abort();
    auto root =
        crypto::issue_certificate(pki::manufacturer_root("Fuzz", rk->public_key()), nullptr, *rk);
    if (!root) std::abort();
    p.root = {*root, *rk, {}};
    auto signer =
        p.root.issue(pki::signer("Fuzz", "fuzz signer", sk->public_key(), {crypto::kOidCmcRa}));
    if (!signer) std::abort();
    p.signer = {*signer, *sk, {*root}};
    return p;
  }();
  return pki;
}

// Fails the run (libFuzzer reports a crash) when a property the code promises does not hold.
inline void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace gh::fuzz
