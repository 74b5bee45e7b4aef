#include "svc/common/role.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>

#include "common/fs.h"

namespace gh::svc {

Result<Config> init_state_dir(const std::string& state_dir, const std::string& role,
                              const std::string& name) {
  if (name.empty()) return make_error("usage", "--name is required");
  if (Config::exists(state_dir))
    return make_error("state.exists", state_dir + " already holds a " + role);
  TRY(fs::make_dirs(state_dir, 0700));
  TRY(fs::make_dirs(fs::join(state_dir, "pki"), 0755));
  Config cfg;
  cfg.path = fs::join(state_dir, "config.json");
  cfg.set("role", role);
  cfg.set("name", name);
  return cfg;
}

Result<Config> open_state_dir(const std::string& state_dir, const std::string& role) {
  auto cfg = TRY(Config::load(state_dir));
  if (cfg.get("role") != role)
    return make_error("state.role", state_dir + " is not a " + role + " state");
  return cfg;
}

Result<StateLock> StateLock::take(const std::string& state_dir, const std::string& role) {
  std::string path = fs::join(state_dir, role + ".lock");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return make_error("io", "open " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return make_error("state.busy", "another gatehouse " + role + " command is using " + state_dir);
  }
  return StateLock(fd);
}

StateLock& StateLock::operator=(StateLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<crypto::KeyStore>> open_ca_keystore(const std::string& state_dir,
                                                           const Config& config) {
  std::string kind = config.get("keystore", "file");
  if (kind == "file") return crypto::open_file_keystore(fs::join(state_dir, "keys"));
  if (kind == "pkcs11") {
    const char* pin = std::getenv("GATEHOUSE_PKCS11_PIN");
    if (!pin) return make_error("pkcs11.pin", "set GATEHOUSE_PKCS11_PIN to the token's user PIN");
    crypto::Pkcs11Config p{config.get("pkcs11_module"), config.get("pkcs11_token"),
                           SecretString(pin)};
    return crypto::open_pkcs11_keystore(p);
  }
  return make_error("config.keystore", "unknown CA keystore '" + kind + "' (file or pkcs11)");
}

Result<pki::Identity> load_identity(crypto::KeyStore& ks, const std::string& pki_dir,
                                    const std::string& label,
                                    const std::vector<crypto::Certificate>& chain) {
  auto pem = TRY(fs::read_file(fs::join(pki_dir, label + ".pem")));
  pki::Identity id;
  id.cert = TRY_CTX(crypto::Certificate::from_pem(pem), label);
  id.key = TRY_CTX(ks.load(label), label);
  id.chain = chain;
  return id;
}

namespace {
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}
}  // namespace

void wait_for_stop_signal() {
  sigset_t set = stop_signals();
  int sig = 0;
  sigwait(&set, &sig);
}

bool wait_for_stop_signal_for(int ms) {
  sigset_t set = stop_signals();
  timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
  return sigtimedwait(&set, nullptr, &ts) > 0;
}

}  // namespace gh::svc
