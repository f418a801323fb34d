// The positions 0..n-1 of a sorted array, some removed: the nearest position
// still present at or after / at or before a given one, in amortised
// near-constant time (union-find with path halving; Tarjan 1975). Matching
// uses it to skip controls already used without visiting them again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace impactsim {

class AvailableSet {
 public:
  explicit AvailableSet(size_t n) : n_(n), right_(n + 1), left_(n + 1), present_(n) {
    std::iota(right_.begin(), right_.end(), size_t{0});
    std::iota(left_.begin(), left_.end(), size_t{0});
    present_ = n;
  }
  size_t size() const { return n_; }
  size_t present() const { return present_; }

  // Smallest present position >= i; size() when none.
  size_t at_or_after(size_t i) {
    while (right_[i] != i) {
      right_[i] = right_[right_[i]];
      i = right_[i];
    }
    return i;
  }
  // Largest present position <= i (i may be -1); -1 when none.
  int64_t at_or_before(int64_t i) {
    size_t j = static_cast<size_t>(i + 1);  // left_ is shifted by one: slot 0 is the "none" sentinel
    while (left_[j] != j) {
      left_[j] = left_[left_[j]];
      j = left_[j];
    }
    return static_cast<int64_t>(j) - 1;
  }
  // Removes a present position.
  void remove(size_t i) {
    right_[i] = i + 1;
    left_[i + 1] = i;
    --present_;
  }

 private:
  size_t n_;
  std::vector<size_t> right_, left_;
  size_t present_;
};

}  // namespace impactsim
