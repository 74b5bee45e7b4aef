// Small statistics for benchmarks.
#pragma once

#include <algorithm>
#include <vector>

namespace gh::stats {

// The p-quantile (0..1) of v, nearest rank; 0 for an empty sample.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace gh::stats
