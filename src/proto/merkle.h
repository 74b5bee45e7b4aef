// The Merkle tree of RFC 9162 (Certificate Transparency 2.0, section 2.1) over the site's evidence
// log: leaf hash SHA-256(0x00 || entry), interior node SHA-256(0x01 || left || right), a tree of
// n leaves split at the largest power of two smaller than n. Inclusion proofs (2.1.3) show an
// entry is in the tree a checkpoint signs; consistency proofs (2.1.4) show a later tree extends an
// earlier one, so no entry can be rewritten, removed or reordered unseen. No I/O.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"

namespace gh::merkle {

using Hash = Bytes;  // 32 bytes

Hash leaf_hash(std::string_view entry);
Hash node_hash(const Hash& left, const Hash& right);
Hash empty_root();  // SHA-256 of nothing: the tree of no leaves
// Where RFC 9162 splits a tree of n > 1 leaves: the largest power of two smaller than n.
uint64_t split_point(uint64_t n);

// An append-only tree that keeps every complete aligned subtree's hash (about two hashes per
// leaf), so that a root of any size and a proof of any leaf cost O(log n) lookups.
class Tree {
 public:
  void append(const Hash& leaf);
  uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // MTH(D[0:n]), n <= size().
  Hash root(uint64_t n) const;
  Hash root() const { return root(size()); }
  // PATH(m, D[0:n]) (RFC 9162 2.1.3.1), m < n <= size().
  std::vector<Hash> inclusion_proof(uint64_t m, uint64_t n) const;
  // PROOF(m, D[0:n]) (2.1.4.1), 0 < m <= n <= size().
  std::vector<Hash> consistency_proof(uint64_t m, uint64_t n) const;

 private:
  // MTH(D[begin:end]), where begin is a multiple of the largest power of two < end - begin.
  Hash range(uint64_t begin, uint64_t end) const;
  std::vector<Hash> path(uint64_t m, uint64_t begin, uint64_t end) const;
  std::vector<Hash> subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole) const;
  std::vector<std::vector<Hash>> levels_;  // levels_[k][i]: the subtree [i*2^k, (i+1)*2^k)
};

// RFC 9162 2.1.3.2: whether proof shows leaf at index m in the tree of size n with this root.
bool verify_inclusion(const Hash& leaf, uint64_t m, uint64_t n, const std::vector<Hash>& proof,
                      const Hash& root);
// RFC 9162 2.1.4.2: whether proof shows the tree of size n with root2 extends the one of size m
// with root1.
bool verify_consistency(uint64_t m, uint64_t n, const Hash& root1, const Hash& root2,
                        const std::vector<Hash>& proof);

}  // namespace gh::merkle
