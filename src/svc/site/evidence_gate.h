// What a peer can make the evidence log hold is bounded: each peer (a device by its verified
// serial, else its address) writes at most a burst and then a steady rate of events; beyond that
// its events are dropped and counted, and the counts go into the log as one summary a minute.
// Requests from peers that proved no identity write nothing at all: they are only counted.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace gh::svc {

class EvidenceGate {
 public:
  struct Options {
    double per_peer_per_s = 1;  // steady rate per peer
    double burst = 20;          // what a peer may write at once
    size_t max_peers = 4096;    // peers remembered (the least recently seen are forgotten)
    double summary_every_s = 60;
  };
  EvidenceGate() : EvidenceGate(Options{}) {}
  explicit EvidenceGate(Options o) : o_(o) {}

  // May peer write one more event at now_s? A refusal is counted.
  bool admit(const std::string& peer, double now_s);
  // A request that proved no identity: counted, never written.
  void count_unauthenticated();
  // Counts since the last summary, and whether a summary is due (then resets them).
  struct Summary {
    uint64_t dropped = 0;
    uint64_t unauthenticated = 0;
  };
  bool summary_due(double now_s, Summary* out);
  uint64_t dropped_total() const;
  uint64_t unauthenticated_total() const;

 private:
  struct Bucket {
    double tokens = 0;
    double at = 0;
  };
  Options o_;
  mutable std::mutex mu_;
  std::map<std::string, Bucket> peers_;
  Summary since_;
  uint64_t dropped_total_ = 0, unauthenticated_total_ = 0;
  double last_summary_ = 0;
};

// A peer's free text (a reported reason) as the evidence log keeps it: at most max bytes, and
// every byte outside printable ASCII written as \xNN, so that it can neither grow the log nor
// forge lines in a viewer.
std::string sanitize_peer_text(std::string_view text, size_t max = 1024);

}  // namespace gh::svc
