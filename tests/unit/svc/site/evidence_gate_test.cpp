// What a peer can make the evidence log hold is bounded: a burst, then a steady rate per peer; the
// rest counted. A peer's text is capped and escaped.
#include "svc/site/evidence_gate.h"

#include <gtest/gtest.h>

namespace gh::svc {
namespace {

TEST(EvidenceGate, ABurstThenTheSteadyRate) {
  EvidenceGate g({/*per_peer_per_s=*/1, /*burst=*/5, /*max_peers=*/100, /*summary_every_s=*/60});
  int admitted = 0;
  for (int i = 0; i < 50; ++i) admitted += g.admit("SN-1", 100.0);
  EXPECT_EQ(admitted, 5);
  EXPECT_EQ(g.dropped_total(), 45u);
  EXPECT_TRUE(g.admit("SN-2", 100.0));  // another peer has its own bucket
  EXPECT_FALSE(g.admit("SN-1", 100.5));
  EXPECT_TRUE(g.admit("SN-1", 101.6));  // one token a second
  EvidenceGate::Summary s;
  ASSERT_TRUE(g.summary_due(200, &s));
  EXPECT_EQ(s.dropped, 46u);
  EXPECT_FALSE(g.summary_due(210, &s));  // nothing new
}

TEST(EvidenceGate, ManyPeersDoNotGrowItWithoutBound) {
  EvidenceGate g({1, 2, 10, 60});
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(g.admit("peer-" + std::to_string(i), i));
  g.count_unauthenticated();
  EXPECT_EQ(g.unauthenticated_total(), 1u);
}

TEST(EvidenceGate, PeerTextIsCappedAndEscaped) {
  EXPECT_EQ(sanitize_peer_text("ok reason"), "ok reason");
  EXPECT_EQ(sanitize_peer_text("a\nb\\c\x01"), "a\\x0ab\\x5cc\\x01");
  EXPECT_EQ(sanitize_peer_text(std::string(5000, 'z')).size(), 1024u);
  EXPECT_LE(sanitize_peer_text(std::string(5000, '\n'), 10).size(), 10u);
}

}  // namespace
}  // namespace gh::svc
