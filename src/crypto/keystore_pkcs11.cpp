// PKCS#11 keystore (SoftHSM2 in tests, any token in production). Keys are generated on the token
// through the Cryptoki API (dlopen'd module) and used for signing through OpenSSL's pkcs11 engine,
// so the private key never leaves the token.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <dlfcn.h>
#include <openssl/engine.h>
#include <p11-kit/pkcs11.h>

#include <cstring>
#include <mutex>
#include <vector>

#include "crypto/keystore.h"
#include "crypto/ossl.h"

namespace gh::crypto {

// ENGINE's deleter lives here, with the only code that uses the ENGINE API. It releases the
// structural reference ENGINE_by_id hands out; ENGINE_init's functional one is released by
// ENGINE_finish (see Pkcs11KeyStore's destructor).
template <>
struct ossl::Free<ENGINE> : ossl::FreeWith<ENGINE_free> {};

namespace {

Error ck_error(const std::string& what, CK_RV rv) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%08lx", static_cast<unsigned long>(rv));
  return make_error("pkcs11", what + " failed (CKR " + buf + ")");
}

// DER OBJECT IDENTIFIERs of the named curves, for CKA_EC_PARAMS.
std::vector<CK_BYTE> ec_params(Curve c) {
  switch (c) {
    case Curve::kP384:
      return {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    case Curve::kP521:
      return {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
    default:
      return {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  }
}

class Pkcs11KeyStore final : public KeyStore {
 public:
  ~Pkcs11KeyStore() override {
    if (session_) fn_->C_CloseSession(session_);
    if (engine_initialized_) ENGINE_finish(engine_.get());
    // engine_ is freed after this. The module stays loaded: the engine holds its own reference and
    // C_Finalize would pull the rug from under it.
  }

  Status open(const Pkcs11Config& cfg) {
    if (!valid_key_label(cfg.token))
      return make_error("pkcs11.token", "token label must be [A-Za-z0-9._-]+");
    cfg_ = cfg;
    module_ = dlopen(cfg.module.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!module_) return make_error("pkcs11.module", "cannot load PKCS#11 module " + cfg.module);
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(module_, "C_GetFunctionList"));
    if (!get || get(&fn_) != CKR_OK)
      return make_error("pkcs11.module", "no C_GetFunctionList in " + cfg.module);
    CK_RV rv = fn_->C_Initialize(nullptr);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) return ck_error("C_Initialize", rv);
    CK_SLOT_ID slot = TRY(find_slot(cfg.token));
    rv = fn_->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session_);
    if (rv != CKR_OK) return ck_error("C_OpenSession", rv);
    std::string pin = cfg.pin.reveal();
    rv =
        fn_->C_Login(session_, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size());
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
      return rv == CKR_PIN_INCORRECT ? make_error("pkcs11.pin", "the token refused the PIN")
                                     : ck_error("C_Login", rv);
    return open_engine();
  }

  std::string kind() const override { return "pkcs11"; }

  Result<PrivateKey> generate(const std::string& label, Curve curve) override {
    if (!valid_key_label(label))
      return make_error("keystore.label", "invalid key label '" + label + "'");
    std::lock_guard<std::mutex> lock(mu_);
    if (find(label, CKO_PRIVATE_KEY))
      return make_error("keystore.exists", "key '" + label + "' exists on the token");
    CK_MECHANISM mech{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    auto params = ec_params(curve);
    std::string id = label;
    CK_ATTRIBUTE pub[] = {
        {CKA_TOKEN, &yes, sizeof yes},
        {CKA_VERIFY, &yes, sizeof yes},
        {CKA_EC_PARAMS, params.data(), params.size()},
        {CKA_LABEL, id.data(), id.size()},
        {CKA_ID, id.data(), id.size()},
    };
    CK_ATTRIBUTE priv[] = {
        {CKA_TOKEN, &yes, sizeof yes},     {CKA_PRIVATE, &yes, sizeof yes},
        {CKA_SENSITIVE, &yes, sizeof yes}, {CKA_EXTRACTABLE, &no, sizeof no},
        {CKA_SIGN, &yes, sizeof yes},      {CKA_LABEL, id.data(), id.size()},
        {CKA_ID, id.data(), id.size()},
    };
    CK_OBJECT_HANDLE hpub = 0, hpriv = 0;
    CK_RV rv = fn_->C_GenerateKeyPair(session_, &mech, pub, sizeof pub / sizeof pub[0], priv,
                                      sizeof priv / sizeof priv[0], &hpub, &hpriv);
    if (rv != CKR_OK) return ck_error("C_GenerateKeyPair", rv);
    return load_locked(label);
  }

  Result<PrivateKey> load(const std::string& label) override {
    if (!valid_key_label(label))
      return make_error("keystore.label", "invalid key label '" + label + "'");
    std::lock_guard<std::mutex> lock(mu_);
    return load_locked(label);
  }

  bool has(const std::string& label) override {
    std::lock_guard<std::mutex> lock(mu_);
    return valid_key_label(label) && find(label, CKO_PRIVATE_KEY) != 0;
  }

  Status remove(const std::string& label) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
      CK_OBJECT_HANDLE h = find(label, cls);
      if (h && fn_->C_DestroyObject(session_, h) != CKR_OK)
        return make_error("pkcs11", "cannot destroy " + label);
    }
    return ok_status();
  }

 private:
  Result<CK_SLOT_ID> find_slot(const std::string& token) {
    CK_ULONG n = 0;
    fn_->C_GetSlotList(CK_TRUE, nullptr, &n);
    std::vector<CK_SLOT_ID> slots(n);
    if (n && fn_->C_GetSlotList(CK_TRUE, slots.data(), &n) != CKR_OK)
      return make_error("pkcs11", "C_GetSlotList failed");
    for (CK_SLOT_ID s : slots) {
      CK_TOKEN_INFO info;
      if (fn_->C_GetTokenInfo(s, &info) != CKR_OK) continue;
      std::string label(reinterpret_cast<char*>(info.label), sizeof info.label);
      label.erase(label.find_last_not_of(' ') + 1);
      if (label == token) return s;
    }
    return make_error("pkcs11.token", "no token labelled '" + token + "' in " + cfg_.module);
  }

  CK_OBJECT_HANDLE find(const std::string& label, CK_OBJECT_CLASS cls) {
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
    if (fn_->C_FindObjectsInit(session_, tmpl, 2) != CKR_OK) return 0;
    CK_OBJECT_HANDLE h = 0;
    CK_ULONG count = 0;
    fn_->C_FindObjects(session_, &h, 1, &count);
    fn_->C_FindObjectsFinal(session_);
    return count ? h : 0;
  }

  Status open_engine() {
    ENGINE_load_builtin_engines();
    engine_.reset(ENGINE_by_id("pkcs11"));
    if (!engine_)
      return ossl::error("pkcs11.engine",
                         "OpenSSL pkcs11 engine not found (libengine-pkcs11-openssl)");
    std::string pin = cfg_.pin.reveal();
    if (ENGINE_ctrl_cmd_string(engine_.get(), "MODULE_PATH", cfg_.module.c_str(), 0) != 1 ||
        ENGINE_init(engine_.get()) != 1)
      return ossl::error("pkcs11.engine", "pkcs11 engine init");
    engine_initialized_ = true;
    if (ENGINE_ctrl_cmd_string(engine_.get(), "PIN", pin.c_str(), 0) != 1)
      return ossl::error("pkcs11.engine", "pkcs11 engine PIN");
    return ok_status();
  }

  Result<PrivateKey> load_locked(const std::string& label) {
    if (!find(label, CKO_PRIVATE_KEY))
      return make_error("keystore.missing", "no key '" + label + "' on the token");
    std::string uri = "pkcs11:token=" + cfg_.token + ";object=" + label + ";type=private";
    ossl::PkeyPtr k(ENGINE_load_private_key(engine_.get(), uri.c_str(), nullptr, nullptr));
    if (!k) return ossl::error("pkcs11.load", "engine cannot load " + uri);
    return PrivateKey::adopt(std::move(k));
  }

  Pkcs11Config cfg_;
  void* module_ = nullptr;
  CK_FUNCTION_LIST_PTR fn_ = nullptr;
  CK_SESSION_HANDLE session_ = 0;
  ossl::Ptr<ENGINE> engine_;
  bool engine_initialized_ = false;  // ENGINE_init succeeded: ENGINE_finish is owed
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<KeyStore>> open_pkcs11_keystore(const Pkcs11Config& config) {
  auto ks = std::make_unique<Pkcs11KeyStore>();
  TRY_CTX(ks->open(config), "pkcs11 keystore");
  return std::unique_ptr<KeyStore>(std::move(ks));
}

}  // namespace gh::crypto
