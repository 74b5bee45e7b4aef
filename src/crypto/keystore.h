// Where private keys live. Callers name keys by label and get a PrivateKey handle that can sign;
// with PKCS#11 and TPM the key material never enters this process.
#pragma once

#include <memory>
#include <string>

#include "common/log.h"
#include "common/result.h"
#include "crypto/key.h"

namespace gh::crypto {

// Key labels name files and PKCS#11 objects: 1-64 of [A-Za-z0-9._-], not starting with '.'.
bool valid_key_label(const std::string& label);

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  virtual std::string kind() const = 0;  // "file", "pkcs11", "tpm"
  // Generates a key inside the store; refuses if the label exists (keys are never overwritten).
  virtual Result<PrivateKey> generate(const std::string& label, Curve curve) = 0;
  virtual Result<PrivateKey> load(const std::string& label) = 0;
  virtual bool has(const std::string& label) = 0;
  virtual Status remove(const std::string& label) = 0;
};

// PEM PKCS#8 files DIR/<label>.key, mode 0600, directory 0700.
Result<std::unique_ptr<KeyStore>> open_file_keystore(const std::string& dir);

struct Pkcs11Config {
  std::string module;  // e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string token;   // token label
  SecretString pin;    // user PIN
};
// Keys generated on the token (CKA_SENSITIVE, not extractable) and used through OpenSSL's pkcs11
// engine.
Result<std::unique_ptr<KeyStore>> open_pkcs11_keystore(const Pkcs11Config& config);

// TPM 2.0 keys through the tpm2-openssl provider. tcti: e.g. "swtpm:host=127.0.0.1,port=2321".
// DIR/<label>.tss holds the TPM-wrapped key blob (useless without that TPM).
Result<std::unique_ptr<KeyStore>> open_tpm_keystore(const std::string& dir,
                                                    const std::string& tcti);

}  // namespace gh::crypto
