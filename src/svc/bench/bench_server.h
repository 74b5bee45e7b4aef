// What the load generators share: a gatehouse server started as a child process of its own, so
// that its CPU time is measured apart from the load generator's.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/process.h"

namespace gh::svc {

// Starts `exe args...`; its first line names the address it listens on ("... listening on URL"),
// put in *url.
inline Result<std::unique_ptr<process::Child>> start_server(const std::string& exe,
                                                            std::vector<std::string> args,
                                                            std::string* url) {
  args.insert(args.begin(), exe);
  std::string line;
  auto c = TRY(process::Child::start(args, "listening on ", &line));
  *url = line.substr(line.find("listening on ") + 13);
  return std::make_unique<process::Child>(std::move(c));
}

}  // namespace gh::svc
