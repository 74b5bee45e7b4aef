// A software TPM 2.0 (swtpm) for one device image: the device's own "chip", state kept in a
// directory of the image, reached over TCP on loopback. swtpm serves one connection at a time,
// and the device's keystore (tpm2-openssl) holds its connection for as long as it is open; so the
// TPM is reached through a small access broker on the ports tcti() names, which passes whole
// commands from any of its clients to swtpm one at a time (what a kernel's /dev/tpmrm0 does).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"

namespace gh::svc {

class Swtpm {
 public:
  // Starts swtpm on free loopback ports with its state in state_dir (created if missing).
  static Result<std::unique_ptr<Swtpm>> start(const std::string& state_dir);
  ~Swtpm();
  Status stop();
  // TCTI configuration string for tpm2-openssl / tpm2-tss.
  std::string tcti() const { return "swtpm:host=127.0.0.1,port=" + std::to_string(port_); }

 private:
  Swtpm() = default;
  bool start_broker();
  void broker();
  bool relay_command(int client);
  int pid_ = -1;
  int port_ = 0;           // the broker's command port (its control port is the next one)
  int upstream_port_ = 0;  // swtpm's
  int listen_[2] = {-1, -1};
  int wake_[2] = {-1, -1};
  int upstream_ = -1;
  std::thread thread_;
};

}  // namespace gh::svc
