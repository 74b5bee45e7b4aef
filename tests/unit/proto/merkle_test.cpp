// The RFC 9162 Merkle tree: roots against Certificate Transparency's published test tree, and the
// fast tree's proofs against the RFC's recursive definitions for every size and index up to 70.
#include "proto/merkle.h"

#include <gtest/gtest.h>

#include <string>

namespace gh::merkle {
namespace {

// The eight inputs and tree heads of the certificate-transparency project's merkle tree tests
// (RFC 6962 trees: the same hashing as RFC 9162).
const char* kInputs[] = {"",
                         "00",
                         "10",
                         "2021",
                         "3031",
                         "40414243",
                         "5051525354555657",
                         "606162636465666768696a6b6c6d6e6f"};
const char* kRoots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

std::string unhex(const char* h) {
  auto b = hex_decode(h);
  return std::string(b->begin(), b->end());
}

// RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1 as written.
uint64_t split(uint64_t n) {
  uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}
Hash mth(const std::vector<Hash>& d, uint64_t b, uint64_t e) {
  if (e == b) return empty_root();
  if (e - b == 1) return d[b];
  uint64_t k = split(e - b);
  return node_hash(mth(d, b, b + k), mth(d, b + k, e));
}
std::vector<Hash> path(const std::vector<Hash>& d, uint64_t m, uint64_t b, uint64_t e) {
  if (e - b <= 1) return {};
  uint64_t k = split(e - b);
  std::vector<Hash> p;
  if (m < k) {
    p = path(d, m, b, b + k);
    p.push_back(mth(d, b + k, e));
  } else {
    p = path(d, m - k, b + k, e);
    p.push_back(mth(d, b, b + k));
  }
  return p;
}
std::vector<Hash> subproof(const std::vector<Hash>& d, uint64_t m, uint64_t b, uint64_t e,
                           bool whole) {
  uint64_t n = e - b;
  if (m == n) return whole ? std::vector<Hash>{} : std::vector<Hash>{mth(d, b, e)};
  uint64_t k = split(n);
  std::vector<Hash> p;
  if (m <= k) {
    p = subproof(d, m, b, b + k, whole);
    p.push_back(mth(d, b + k, e));
  } else {
    p = subproof(d, m - k, b + k, e, false);
    p.push_back(mth(d, b, b + k));
  }
  return p;
}

TEST(Merkle, RootsOfTheCertificateTransparencyTestTree) {
  Tree t;
  EXPECT_EQ(hex_encode(t.root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  for (int i = 0; i < 8; ++i) {
    t.append(leaf_hash(unhex(kInputs[i])));
    EXPECT_EQ(hex_encode(t.root()), kRoots[i]) << "tree size " << i + 1;
  }
  for (int i = 0; i < 8; ++i) EXPECT_EQ(hex_encode(t.root(i + 1)), kRoots[i]);
}

TEST(Merkle, ProofsMatchTheRfcAndVerify) {
  Tree t;
  std::vector<Hash> leaves;
  for (int i = 0; i < 70; ++i) {
    leaves.push_back(leaf_hash("entry " + std::to_string(i)));
    t.append(leaves.back());
  }
  for (uint64_t n = 1; n <= 70; ++n) {
    Hash root = mth(leaves, 0, n);
    ASSERT_EQ(t.root(n), root) << n;
    for (uint64_t m = 0; m < n; ++m) {
      auto p = t.inclusion_proof(m, n);
      ASSERT_EQ(p, path(leaves, m, 0, n)) << m << "/" << n;
      ASSERT_TRUE(verify_inclusion(leaves[m], m, n, p, root)) << m << "/" << n;
      // Another leaf, another index or another root does not verify.
      EXPECT_FALSE(verify_inclusion(leaf_hash("other"), m, n, p, root));
      if (n > 1) {
        EXPECT_FALSE(verify_inclusion(leaves[m], (m + 1) % n, n, p, root));
      }
      if (!p.empty()) {
        auto bad = p;
        bad[0][0] ^= 1;
        EXPECT_FALSE(verify_inclusion(leaves[m], m, n, bad, root));
      }
    }
    for (uint64_t m = 1; m <= n; ++m) {
      auto c = t.consistency_proof(m, n);
      ASSERT_EQ(c, subproof(leaves, m, 0, n, true)) << m << "->" << n;
      Hash old_root = mth(leaves, 0, m);
      ASSERT_TRUE(verify_consistency(m, n, old_root, root, c)) << m << "->" << n;
      if (m < n) {
        // A rewritten old tree is not consistent with the new one.
        EXPECT_FALSE(verify_consistency(m, n, leaf_hash("forged"), root, c));
        EXPECT_FALSE(verify_consistency(m, n, old_root, leaf_hash("forged"), c));
      }
    }
  }
}

}  // namespace
}  // namespace gh::merkle
