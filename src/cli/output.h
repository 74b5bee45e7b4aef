// What the CLI prints for people: tables with a header row, times without a local zone, text
// from peers made safe for a terminal, and a progress line on a terminal only.
#pragma once

#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/progress.h"
#include "common/result.h"
#include "common/time.h"

namespace gh::cli {

// "2026-12-06 04:05:06Z": UTC, the same on every machine; "-" for 0 (never).
std::string readable_time(time::Seconds t);

// Text a device, a peer or an operator supplied, for a terminal: control characters (C0, DEL,
// C1, so no escape sequence) shown as \xNN instead of being sent.
std::string terminal_safe(std::string_view text);

// Columns separated by two spaces, padded to the widest cell, under a header row (upper case).
// Cells are made terminal-safe. rows() are printed at once; a stream (site events --follow)
// prints further rows later in the widths the first ones set.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void add(std::vector<std::string> row);
  // The header and the rows added so far.
  void print(std::ostream& out);
  // One more row, in the widths print() used (a longer cell pushes its line only).
  void print_row(std::ostream& out, const std::vector<std::string>& row) const;
  size_t size() const { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> widths_;
};

// Parses a --since value: an RFC 3339 time, or a duration before now ("90s", "10m", "2h",
// "1d", "1h30m"). Error code "usage".
Result<time::Seconds> parse_since(const std::string& text, time::Seconds now);

// A line on stderr saying how far long work has come ("making devices: 120/1000 (12%),
// 34.5/s, ETA 26 s"), redrawn at most five times a second, only when stderr is a terminal.
// Thread-safe; cleared by done() or the destructor.
class Progress {
 public:
  // wanted: false for output that cannot share the terminal with it (a JSON stream on stdout).
  explicit Progress(bool wanted = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(std::string_view phase, int64_t done, int64_t total);
  // Writes text (whole lines) to out, flushed, and, when out shares the terminal, above the
  // progress line rather than into it.
  void write_above(std::ostream& out, const std::string& text);
  void done();
  // update() as a callback for the services' long work.
  ProgressFn fn() {
    return [this](std::string_view p, int64_t d, int64_t t) { update(p, d, t); };
  }
  bool active() const { return active_; }

 private:
  bool active_;
  std::mutex mu_;
  void erase();  // with mu_ held
  bool stdout_tty_;
  std::string phase_, text_;
  double phase_start_ = 0, last_draw_ = 0;
  size_t drawn_ = 0;  // the length of the line on screen
};

}  // namespace gh::cli
