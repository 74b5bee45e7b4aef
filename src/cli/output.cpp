#include "cli/output.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace gh::cli {

std::string readable_time(time::Seconds t) {
  if (t == 0) return "-";
  std::string s = time::format_rfc3339(t);  // 2026-12-06T04:05:06Z
  if (auto at = s.find('T'); at != std::string::npos) s[at] = ' ';
  return s;
}

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  auto hex = [&out](unsigned char c) {
    static const char* digits = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 15];
  };
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      hex(c);
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      hex(static_cast<unsigned char>(text[++i]));  // a C1 control (U+0080..U+009F) in UTF-8
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {
// Characters on screen (UTF-8 continuation bytes take none).
size_t display_width(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

Table::Table(std::vector<std::string> header) : header_(std::move(header)) {
  for (auto& h : header_) h = upper(h);
}

void Table::add(std::vector<std::string> row) {
  row.resize(header_.size());
  for (auto& cell : row) cell = terminal_safe(cell.empty() ? "-" : cell);
  rows_.push_back(std::move(row));
}

void Table::print_row(std::ostream& out, const std::vector<std::string>& row) const {
  std::string line;
  for (size_t i = 0; i < header_.size(); ++i) {
    // (terminal_safe is idempotent: rows add() made safe come through unchanged)
    std::string cell = terminal_safe(i < row.size() && !row[i].empty() ? row[i] : "-");
    line += cell;
    if (i + 1 < header_.size()) {
      size_t w = display_width(cell);
      size_t want = i < widths_.size() ? widths_[i] : 0;
      line += std::string(w < want ? want - w : 0, ' ') + "  ";
    }
  }
  out << line << "\n";
}

void Table::print(std::ostream& out) {
  widths_.assign(header_.size(), 0);
  for (size_t i = 0; i < header_.size(); ++i) widths_[i] = display_width(header_[i]);
  for (const auto& r : rows_)
    for (size_t i = 0; i < r.size(); ++i) widths_[i] = std::max(widths_[i], display_width(r[i]));
  print_row(out, header_);
  for (const auto& r : rows_) print_row(out, r);
}

Result<time::Seconds> parse_since(const std::string& text, time::Seconds now) {
  if (auto t = time::parse_rfc3339(text)) return *t;
  // A duration: one or more NUMBER UNIT (s, m, h, d).
  int64_t total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i == text.size() || i - start > 9) break;
    int64_t n = std::stoll(text.substr(start, i - start));
    char unit = text[i++];
    int64_t mult = unit == 's'   ? 1
                   : unit == 'm' ? 60
                   : unit == 'h' ? 3600
                   : unit == 'd' ? 86400
                                 : 0;
    if (mult == 0) {
      any = false;
      break;
    }
    total += n * mult;
    any = true;
  }
  if (!any || i != text.size())
    return make_error("usage",
                      "--since takes an RFC 3339 time (2026-12-06T04:05:06Z) or a duration before "
                      "now (90s, 10m, 2h, 1d), not '" +
                          text + "'");
  return now - total;
}

Progress::Progress(bool wanted)
    : active_(wanted && ::isatty(2) == 1), stdout_tty_(::isatty(1) == 1) {}

Progress::~Progress() {
  done();
}

void Progress::update(std::string_view phase, int64_t done, int64_t total) {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(mu_);
  const double now = time::monotonic();
  if (phase != phase_) {
    phase_ = std::string(phase);
    phase_start_ = now;
    last_draw_ = 0;
  }
  // At most five times a second, but always the last unit.
  if (now - last_draw_ < 0.2 && done < total) return;
  last_draw_ = now;
  char line[200];
  const double elapsed = now - phase_start_;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  int n = std::snprintf(line, sizeof line, "%s: %lld/%lld", phase_.c_str(),
                        static_cast<long long>(done), static_cast<long long>(total));
  std::string text(line, static_cast<size_t>(std::max(0, n)));
  if (total > 0)
    text += " (" +
            std::to_string(
                static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total))) +
            "%)";
  if (rate > 0 && elapsed >= 0.5) {
    std::snprintf(line, sizeof line, ", %.1f/s", rate);
    text += line;
    if (done < total) {
      auto eta = static_cast<long long>(std::ceil(static_cast<double>(total - done) / rate));
      text += eta >= 120
                  ? ", ETA " + std::to_string(eta / 60) + " min " + std::to_string(eta % 60) + " s"
                  : ", ETA " + std::to_string(eta) + " s";
    }
  }
  text_ = terminal_safe(text);
  std::string out = "\r" + text_;
  if (text_.size() < drawn_) out += std::string(drawn_ - text_.size(), ' ');
  drawn_ = text_.size();
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

void Progress::write_above(std::ostream& out, const std::string& text) {
  if (!active_ || !stdout_tty_) {
    out << text << std::flush;
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  erase();
  out << text << std::flush;
  if (!text_.empty()) {
    std::fwrite(text_.data(), 1, text_.size(), stderr);
    std::fflush(stderr);
    drawn_ = text_.size();
  }
}

void Progress::erase() {
  if (drawn_ == 0) return;
  std::string blank = "\r" + std::string(drawn_, ' ') + "\r";
  std::fwrite(blank.data(), 1, blank.size(), stderr);
  std::fflush(stderr);
  drawn_ = 0;
}

void Progress::done() {
  if (!active_) return;
  std::lock_guard<std::mutex> lock(mu_);
  erase();
  text_.clear();
}

}  // namespace gh::cli
