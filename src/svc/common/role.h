// What every role's service shares, and nothing more: its state directory (created with its
// config, opened with a role check, locked against a second writer), its CA keystore, its signing
// identities, and waiting to be told to stop.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/config.h"
#include "crypto/keystore.h"
#include "pki/profiles.h"

namespace gh::svc {

// Creates DIR (0700) and DIR/pki (0755) and returns an unsaved config naming the role and name;
// refuses a directory that already holds a role's state. The caller saves the config last, so a
// half-made state has none and can be removed and made again.
Result<Config> init_state_dir(const std::string& state_dir, const std::string& role,
                              const std::string& name);
// Loads DIR/config.json and checks that it belongs to role ("state.role" otherwise).
Result<Config> open_state_dir(const std::string& state_dir, const std::string& role);

// An exclusive lock on DIR/<role>.lock, held while the object lives: a second command that
// writes the same state is refused ("state.busy") instead of interleaving with the first.
class StateLock {
 public:
  static Result<StateLock> take(const std::string& state_dir, const std::string& role);
  StateLock() = default;
  StateLock(StateLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  StateLock& operator=(StateLock&& o) noexcept;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Opens the CA keystore named by a role's config ("file" under DIR/keys, or "pkcs11").
Result<std::unique_ptr<crypto::KeyStore>> open_ca_keystore(const std::string& state_dir,
                                                           const Config& config);

// Loads a signing identity from a role's state: DIR/pki/<label>.pem and the key <label>.
Result<pki::Identity> load_identity(crypto::KeyStore& keystore, const std::string& pki_dir,
                                    const std::string& label,
                                    const std::vector<crypto::Certificate>& chain);

// Waits for SIGINT or SIGTERM (servers run until told to stop).
void wait_for_stop_signal();
// The same with a limit: true when SIGINT or SIGTERM arrived within ms.
bool wait_for_stop_signal_for(int ms);

}  // namespace gh::svc
