#include "proto/merkle.h"

#include <string>

#include "crypto/digest.h"

namespace gh::merkle {

namespace {

bool power_of_two(uint64_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

int log2_exact(uint64_t n) {
  int k = 0;
  while ((uint64_t{1} << k) < n) ++k;
  return k;
}

Hash sha256_parts(uint8_t prefix, const uint8_t* a, size_t alen, const uint8_t* b, size_t blen) {
  std::string buf;
  buf.reserve(1 + alen + blen);
  buf.push_back(static_cast<char>(prefix));
  buf.append(reinterpret_cast<const char*>(a), alen);
  buf.append(reinterpret_cast<const char*>(b), blen);
  return crypto::sha256(std::string_view(buf));
}

}  // namespace

Hash leaf_hash(std::string_view entry) {
  return sha256_parts(0x00, reinterpret_cast<const uint8_t*>(entry.data()), entry.size(), nullptr,
                      0);
}

Hash node_hash(const Hash& left, const Hash& right) {
  return sha256_parts(0x01, left.data(), left.size(), right.data(), right.size());
}

uint64_t split_point(uint64_t n) {
  uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

Hash empty_root() {
  return crypto::sha256(std::string_view());
}

void Tree::append(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  // Each completed pair makes the subtree one level up.
  for (size_t k = 0; levels_[k].size() % 2 == 0; ++k) {
    if (levels_.size() == k + 1) levels_.emplace_back();
    const auto& lv = levels_[k];
    levels_[k + 1].push_back(node_hash(lv[lv.size() - 2], lv[lv.size() - 1]));
  }
}

Hash Tree::range(uint64_t begin, uint64_t end) const {
  uint64_t n = end - begin;
  if (power_of_two(n) && begin % n == 0) return levels_[log2_exact(n)][begin / n];
  uint64_t k = split_point(n);
  return node_hash(range(begin, begin + k), range(begin + k, end));
}

Hash Tree::root(uint64_t n) const {
  if (n == 0) return empty_root();
  return range(0, n);
}

std::vector<Hash> Tree::path(uint64_t m, uint64_t begin, uint64_t end) const {
  uint64_t n = end - begin;
  if (n <= 1) return {};
  uint64_t k = split_point(n);
  std::vector<Hash> p;
  if (m - begin < k) {
    p = path(m, begin, begin + k);
    p.push_back(range(begin + k, end));
  } else {
    p = path(m, begin + k, end);
    p.push_back(range(begin, begin + k));
  }
  return p;
}

std::vector<Hash> Tree::inclusion_proof(uint64_t m, uint64_t n) const {
  if (m >= n || n > size()) return {};
  return path(m, 0, n);
}

// SUBPROOF(m, D[begin:end], whole) of RFC 9162 2.1.4.1; m counts from begin.
std::vector<Hash> Tree::subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole) const {
  uint64_t n = end - begin;
  if (m == n) {
    if (whole) return {};
    return {range(begin, end)};
  }
  uint64_t k = split_point(n);
  std::vector<Hash> p;
  if (m <= k) {
    p = subproof(m, begin, begin + k, whole);
    p.push_back(range(begin + k, end));
  } else {
    p = subproof(m - k, begin + k, end, false);
    p.push_back(range(begin, begin + k));
  }
  return p;
}

std::vector<Hash> Tree::consistency_proof(uint64_t m, uint64_t n) const {
  if (m == 0 || m > n || n > size()) return {};
  return subproof(m, 0, n, true);
}

bool verify_inclusion(const Hash& leaf, uint64_t m, uint64_t n, const std::vector<Hash>& proof,
                      const Hash& root) {
  if (m >= n) return false;
  uint64_t fn = m, sn = n - 1;
  Hash r = leaf;
  for (const auto& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0)
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(uint64_t m, uint64_t n, const Hash& root1, const Hash& root2,
                        const std::vector<Hash>& proof_in) {
  if (m == n) return proof_in.empty() && root1 == root2;
  if (m == 0 || m > n || proof_in.empty()) return false;
  std::vector<Hash> proof = proof_in;
  if (power_of_two(m)) proof.insert(proof.begin(), root1);
  uint64_t fn = m - 1, sn = n - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = proof[0], sr = proof[0];
  for (size_t i = 1; i < proof.size(); ++i) {
    const Hash& c = proof[i];
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if ((fn & 1) == 0)
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == root1 && sr == root2;
}

}  // namespace gh::merkle
