// Starting the device's application: the release's "app" component, run with --health so that the
// update agent can decide whether a trial release is confirmed or rolled back.
#pragma once

#include <string>

#include "common/result.h"

namespace gh::device {

// What start_application keeps of one run.
inline constexpr size_t kMaxAppOutputBytes = 4096;

struct AppRun {
  bool healthy = false;    // exit code 0
  int exit_code = -1;      // -1 when killed by a signal
  std::string first_line;  // of its standard output, without the newline
  std::string version;     // the release's version
};

// Reads firmware/release.json and runs `/bin/sh DEVDIR/firmware/<app file> --health` with cwd
// DEVDIR, GATEHOUSE_DEVICE_DIR=DEVDIR and GATEHOUSE_APP_VERSION=<version> added to the environment,
// stderr discarded and at most kMaxAppOutputBytes of stdout kept. Refuses "app.missing" when the
// release has no "app" component or its file is absent, "app.timeout" when it runs longer than
// timeout_s seconds (at least 1; it and its process group are killed), "app.exec" when it cannot
// be started. The run ends when the app exits: a process it leaves behind is not waited for.
Result<AppRun> start_application(const std::string& devdir, int timeout_s);

}  // namespace gh::device
