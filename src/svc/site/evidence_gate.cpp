#include "svc/site/evidence_gate.h"

#include <algorithm>

namespace gh::svc {

bool EvidenceGate::admit(const std::string& peer, double now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(peer);
  if (it == peers_.end()) {
    if (peers_.size() >= o_.max_peers) {
      // Forget the peer seen longest ago: a flood of new addresses cannot grow the map.
      auto oldest =
          std::min_element(peers_.begin(), peers_.end(),
                           [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
      peers_.erase(oldest);
    }
    it = peers_.emplace(peer, Bucket{o_.burst, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(o_.burst, b.tokens + std::max(0.0, now - b.at) * o_.per_peer_per_s);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  ++since_.dropped;
  ++dropped_total_;
  return false;
}

void EvidenceGate::count_unauthenticated() {
  std::lock_guard<std::mutex> lock(mu_);
  ++since_.unauthenticated;
  ++unauthenticated_total_;
}

bool EvidenceGate::summary_due(double now, Summary* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (since_.dropped == 0 && since_.unauthenticated == 0) return false;
  if (now - last_summary_ < o_.summary_every_s) return false;
  *out = since_;
  since_ = Summary{};
  last_summary_ = now;
  return true;
}

uint64_t EvidenceGate::dropped_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_total_;
}

uint64_t EvidenceGate::unauthenticated_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unauthenticated_total_;
}

std::string sanitize_peer_text(std::string_view text, size_t max) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), max));
  for (unsigned char c : text) {
    std::string piece;
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      piece = static_cast<char>(c);
    } else {
      piece = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
    }
    if (out.size() + piece.size() > max) break;
    out += piece;
  }
  return out;
}

}  // namespace gh::svc
