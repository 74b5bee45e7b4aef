// Splits a byte stream (a log another process writes, a journal) into lines while holding at most
// max_line bytes of an unfinished one: a longer line is dropped whole and counted, so whoever
// writes the stream cannot make the reader hold unbounded memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gh {

class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line = 64 * 1024) : max_(max_line) {}

  // Calls on_line(std::string_view) for every complete line in data (without its '\n').
  template <class OnLine>
  void feed(std::string_view data, OnLine&& on_line) {
    size_t start = 0;
    for (size_t nl; (nl = data.find('\n', start)) != std::string_view::npos; start = nl + 1) {
      std::string_view piece = data.substr(start, nl - start);
      if (discarding_) {
        discarding_ = false;  // the end of the line that was too long
      } else if (partial_.size() + piece.size() > max_) {
        ++dropped_;
      } else if (partial_.empty()) {
        on_line(piece);
      } else {
        partial_.append(piece);
        on_line(std::string_view(partial_));
      }
      partial_.clear();
    }
    std::string_view rest = data.substr(start);
    if (discarding_) return;
    if (partial_.size() + rest.size() > max_) {
      partial_.clear();
      discarding_ = true;
      ++dropped_;
      return;
    }
    partial_.append(rest);
  }
  uint64_t dropped() const { return dropped_; }
  // Whether an unfinished line is held (or being dropped).
  bool mid_line() const { return discarding_ || !partial_.empty(); }
  // Forgets the unfinished line (the stream starts anew).
  void clear() {
    partial_.clear();
    discarding_ = false;
  }

 private:
  size_t max_;
  std::string partial_;
  bool discarding_ = false;
  uint64_t dropped_ = 0;
};

}  // namespace gh
