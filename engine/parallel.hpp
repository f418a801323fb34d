// Deterministic parallelism over row blocks (OpenMP).
//
// Rows are cut into blocks of a fixed size that does not depend on the thread
// count; each block is reduced by one thread, in row order, and the block
// results are combined in block order. The floating-point operations are
// therefore the same whatever the number of threads, so results are
// bit-identical with 1, 2 or 7 threads (DESIGN.md, "Numbers").
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <vector>

namespace impactsim {

// Default rows per block: large enough to amortise scheduling, small enough
// that a block's working set stays in cache for a handful of columns.
inline constexpr size_t kDefaultBlockRows = 1 << 14;

// Threads used by the parallel helpers (OpenMP's setting).
inline int thread_count() { return omp_get_max_threads(); }
// Sets the threads used by later parallel regions; n <= 0 restores all cores.
inline void set_thread_count(int n) { omp_set_num_threads(n > 0 ? n : omp_get_num_procs()); }

inline size_t block_count(size_t n, size_t block_rows) { return (n + block_rows - 1) / block_rows; }

// Calls fn(block, begin, end) for each block of [0, n), in parallel. An
// exception thrown by fn is rethrown on the calling thread (the one from the
// lowest block, so the error reported does not depend on scheduling).
template <class Fn>
void parallel_for_blocks(size_t n, size_t block_rows, Fn&& fn) {
  const size_t nb = block_count(n, block_rows);
  std::exception_ptr first_error;
  size_t first_block = nb;
  std::mutex mu;
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t b = 0; b < nb; ++b) {
    try {
      const size_t begin = b * block_rows;
      fn(b, begin, std::min(n, begin + block_rows));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (b < first_block) {
        first_block = b;
        first_error = std::current_exception();
      }
    }
  }
  if (first_error) std::rethrow_exception(first_error);
}

// Reduces [0, n) deterministically: block_fn(begin, end) -> T for each block,
// then combine(accumulator, block_result) in block order starting from
// `identity`.
template <class T, class BlockFn, class Combine>
T deterministic_reduce(size_t n, size_t block_rows, T identity, BlockFn&& block_fn, Combine&& combine) {
  std::vector<T> partial(block_count(n, block_rows), identity);
  parallel_for_blocks(n, block_rows, [&](size_t b, size_t begin, size_t end) { partial[b] = block_fn(begin, end); });
  T acc = std::move(identity);
  for (const T& p : partial) combine(acc, p);
  return acc;
}

}  // namespace impactsim
