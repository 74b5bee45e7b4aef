#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "crypto/keystore.h"

namespace gh::crypto {
namespace {

class FileKeyStore final : public KeyStore {
 public:
  explicit FileKeyStore(std::string dir) : dir_(std::move(dir)) {}
  std::string kind() const override { return "file"; }

  Result<PrivateKey> generate(const std::string& label, Curve curve) override {
    if (!valid_key_label(label))
      return make_error("keystore.label", "invalid key label '" + label + "'");
    auto key = TRY(PrivateKey::generate(curve));
    auto pem = TRY(key.export_pkcs8_pem());
    TRY_CTX(fs::write_file_exclusive(path(label), pem.reveal(), 0600), "keystore");
    return key;
  }

  Result<PrivateKey> load(const std::string& label) override {
    if (!valid_key_label(label))
      return make_error("keystore.label", "invalid key label '" + label + "'");
    auto text = fs::read_file(path(label));
    if (!text) return make_error("keystore.missing", "no key '" + label + "' in " + dir_);
    SecretString pem(std::move(*text));
    return TRY_CTX(PrivateKey::from_pem(pem.reveal()), "keystore " + label);
  }

  bool has(const std::string& label) override {
    return valid_key_label(label) && fs::exists(path(label));
  }

  Status remove(const std::string& label) override {
    if (!valid_key_label(label))
      return make_error("keystore.label", "invalid key label '" + label + "'");
    if (::unlink(path(label).c_str()) != 0 && errno != ENOENT)
      return make_error("io", "remove key " + label);
    return ok_status();
  }

 private:
  std::string path(const std::string& label) const { return fs::join(dir_, label + ".key"); }
  std::string dir_;
};

}  // namespace

bool valid_key_label(const std::string& label) {
  if (label.empty() || label.size() > 64 || label[0] == '.') return false;
  for (char c : label)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

Result<std::unique_ptr<KeyStore>> open_file_keystore(const std::string& dir) {
  TRY(fs::make_dirs(dir, 0700));
  return std::unique_ptr<KeyStore>(new FileKeyStore(dir));
}

}  // namespace gh::crypto
