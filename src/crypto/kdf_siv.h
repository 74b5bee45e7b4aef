// HKDF (RFC 5869) and AES-SIV (RFC 5297): the key derivation and key-wrapping primitives of
// Wi-Fi Easy Connect (DPP), on OpenSSL 3's EVP_KDF and its AES-SIV ciphers.
#pragma once

#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"

namespace gh::crypto {

// hash: "SHA256", "SHA384" or "SHA512" (DPP uses the curve's hash).
Result<Bytes> hkdf_extract(const std::string& hash, const Bytes& salt, const Bytes& ikm);
Result<Bytes> hkdf_expand(const std::string& hash, const Bytes& prk, const Bytes& info,
                          size_t length);
Result<Bytes> hkdf(const std::string& hash, const Bytes& salt, const Bytes& ikm, const Bytes& info,
                   size_t length);

// AES-SIV with a 32-, 48- or 64-octet key (AES-128/192/256-SIV). Each element of ad is one S2V
// associated-data component, in order (RFC 5297 2.4; a nonce is just the last component).
// Output: V (16 octets) || ciphertext.
Result<Bytes> aes_siv_encrypt(const Bytes& key, const std::vector<Bytes>& ad,
                              const Bytes& plaintext);
// Refuses with "crypto.siv" when the synthetic IV does not verify (wrong key, AD or data).
Result<Bytes> aes_siv_decrypt(const Bytes& key, const std::vector<Bytes>& ad,
                              const Bytes& v_and_ciphertext);

}  // namespace gh::crypto
