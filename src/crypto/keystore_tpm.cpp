// TPM 2.0 keystore through the tpm2-openssl provider. Each keystore gets its own OpenSSL library
// context with the tpm2 provider bound to one TPM (TCTI), so a process can talk to several device
// TPMs and the default context never routes through a TPM. The key file DIR/<label>.tss is the
// TPM-wrapped blob ("TSS2 PRIVATE KEY"): it is useless without the TPM that made it.
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "common/fs.h"
#include "crypto/keystore.h"
#include "crypto/ossl.h"

namespace gh::crypto {
namespace {

std::mutex g_env_mu;  // TPM2OPENSSL_TCTI is read from the environment when the provider starts

class TpmKeyStore final : public KeyStore {
 public:
  Status open(const std::string& dir, const std::string& tcti) {
    if (tcti.empty()) return make_error("tpm.tcti", "no TPM given (TCTI)");
    TRY(fs::make_dirs(dir, 0700));
    dir_ = std::filesystem::absolute(dir).string();  // OSSL_STORE file: URIs need absolute paths
    ctx_.reset(OSSL_LIB_CTX_new());
    std::lock_guard<std::mutex> lock(g_env_mu);
    ::setenv("TPM2OPENSSL_TCTI", tcti.c_str(), 1);
    tpm_.reset(OSSL_PROVIDER_load(ctx_.get(), "tpm2"));
    ::unsetenv("TPM2OPENSSL_TCTI");
    if (!tpm_)
      return ossl::error("tpm.provider",
                         "cannot load the tpm2 OpenSSL provider (tpm2-openssl) for " + tcti);
    def_.reset(OSSL_PROVIDER_load(ctx_.get(), "default"));
    if (!def_) return ossl::error("tpm.provider", "cannot load the default provider");
    return ok_status();
  }

  std::string kind() const override { return "tpm"; }

  Result<PrivateKey> generate(const std::string& label, Curve curve) override {
    if (!valid_key_label(label))
      return make_error("keystore.label", "invalid key label '" + label + "'");
    if (fs::exists(path(label))) return make_error("keystore.exists", "key '" + label + "' exists");
    ossl::PkeyCtxPtr gen(EVP_PKEY_CTX_new_from_name(ctx_.get(), "EC", "provider=tpm2"));
    if (!gen || EVP_PKEY_keygen_init(gen.get()) != 1)
      return ossl::error("tpm.keygen", "TPM keygen init");
    char group[16];
    std::snprintf(group, sizeof group, "%s", curve_name(curve));
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
                           OSSL_PARAM_construct_end()};
    EVP_PKEY* k = nullptr;
    if (EVP_PKEY_CTX_set_params(gen.get(), params) != 1 || EVP_PKEY_generate(gen.get(), &k) != 1)
      return ossl::error("tpm.keygen", "TPM key generation");
    PrivateKey key = PrivateKey::adopt(ossl::PkeyPtr(k), ctx_.get());
    ossl::Ptr<OSSL_ENCODER_CTX> enc(OSSL_ENCODER_CTX_new_for_pkey(
        key.raw(), OSSL_KEYMGMT_SELECT_ALL, "PEM", nullptr, "provider=tpm2"));
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!enc || OSSL_ENCODER_CTX_get_num_encoders(enc.get()) == 0 ||
        OSSL_ENCODER_to_bio(enc.get(), bio.get()) != 1)
      return ossl::error("tpm.encode", "cannot encode the TPM key blob");
    TRY(fs::write_file_exclusive(path(label), ossl::bio_string(bio.get()), 0600));
    return key;
  }

  Result<PrivateKey> load(const std::string& label) override {
    if (!valid_key_label(label))
      return make_error("keystore.label", "invalid key label '" + label + "'");
    if (!fs::exists(path(label)))
      return make_error("keystore.missing", "no key '" + label + "' in " + dir_);
    std::string uri = "file:" + path(label);
    ossl::Ptr<OSSL_STORE_CTX> store(OSSL_STORE_open_ex(
        uri.c_str(), ctx_.get(), "?provider=tpm2", nullptr, nullptr, nullptr, nullptr, nullptr));
    if (!store) return ossl::error("tpm.load", "cannot open " + uri);
    while (!OSSL_STORE_eof(store.get())) {
      ossl::Ptr<OSSL_STORE_INFO> info(OSSL_STORE_load(store.get()));
      if (!info) break;
      if (OSSL_STORE_INFO_get_type(info.get()) == OSSL_STORE_INFO_PKEY)
        return PrivateKey::adopt(ossl::PkeyPtr(OSSL_STORE_INFO_get1_PKEY(info.get())), ctx_.get());
    }
    return ossl::error("tpm.load",
                       "no TPM key in " + path(label) + " (is this the TPM that made it?)");
  }

  bool has(const std::string& label) override {
    return valid_key_label(label) && fs::exists(path(label));
  }

  Status remove(const std::string& label) override {
    if (!valid_key_label(label))
      return make_error("keystore.label", "invalid key label '" + label + "'");
    return fs::remove_all(path(label));
  }

 private:
  std::string path(const std::string& label) const { return fs::join(dir_, label + ".tss"); }
  std::string dir_;
  // Destroyed bottom up: the providers are unloaded before their library context is freed.
  ossl::Ptr<OSSL_LIB_CTX> ctx_;
  ossl::Ptr<OSSL_PROVIDER> def_;
  ossl::Ptr<OSSL_PROVIDER> tpm_;
};

}  // namespace

Result<std::unique_ptr<KeyStore>> open_tpm_keystore(const std::string& dir,
                                                    const std::string& tcti) {
  auto ks = std::make_unique<TpmKeyStore>();
  TRY_CTX(ks->open(dir, tcti), "tpm keystore");
  return std::unique_ptr<KeyStore>(std::move(ks));
}

}  // namespace gh::crypto
