// A software TPM 2.0 (swtpm) for one device image: the device's own "chip", state kept in a
// directory of the image, reached over TCP on loopback.
#pragma once

#include <memory>
#include <string>

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
  int pid_ = -1;
  int port_ = 0;
};

}  // namespace gh::svc
