#include "engine/csv/assemble.hpp"

#include <algorithm>

#include "engine/parallel.hpp"

namespace impactsim::csv {

Column assemble_column(const std::string& name, ColumnType type, bool forced, const std::vector<Chunk>& chunks,
                       std::vector<std::vector<Slot>>& slots, size_t j) {
  size_t n = 0;
  for (const Chunk& c : chunks) n += c.rows;
  switch (type) {
    case ColumnType::Float64: {
      std::vector<double> v(n);
      parallel_for_blocks(chunks.size(), 1, [&](size_t k, size_t, size_t) {
        Slot& s = slots[k][j];
        double* out = v.data() + chunks[k].row_offset;
        const size_t rows = chunks[k].rows;
        if (s.mode == Mode::Float) std::copy(s.f64.begin(), s.f64.end(), out);
        else if (s.mode == Mode::Int) {
          for (size_t i = 0; i < rows; ++i) out[i] = s.i64[i] == kMissingInt64 ? kMissingFloat64 : static_cast<double>(s.i64[i]);
        } else std::fill_n(out, rows, kMissingFloat64);
        s = Slot{};
      });
      return Column::float64(name, std::move(v));
    }
    case ColumnType::Int64: {
      std::vector<int64_t> v(n);
      parallel_for_blocks(chunks.size(), 1, [&](size_t k, size_t, size_t) {
        Slot& s = slots[k][j];
        int64_t* out = v.data() + chunks[k].row_offset;
        if (s.mode == Mode::Int) std::copy(s.i64.begin(), s.i64.end(), out);
        else std::fill_n(out, chunks[k].rows, kMissingInt64);
        s = Slot{};
      });
      return Column::int64(name, std::move(v));
    }
    case ColumnType::Bool: {
      std::vector<uint8_t> v(n);
      parallel_for_blocks(chunks.size(), 1, [&](size_t k, size_t, size_t) {
        Slot& s = slots[k][j];
        uint8_t* out = v.data() + chunks[k].row_offset;
        if (s.mode == Mode::Bool && forced) {
          std::copy(s.b8.begin(), s.b8.end(), out);
        } else if (s.mode == Mode::Bool) {  // inferred: token index -> FALSE/TRUE
          for (size_t i = 0; i < s.b8.size(); ++i) out[i] = s.b8[i] == kMissingBool ? kMissingBool : (s.b8[i] < 4 ? 1 : 0);
        } else {
          std::fill_n(out, chunks[k].rows, kMissingBool);
        }
        s = Slot{};
      });
      return Column::boolean(name, std::move(v));
    }
    case ColumnType::Categorical: break;
  }
  // Levels in byte order, then each chunk's codes remapped.
  std::vector<std::string> levels;
  for (const auto& slots : slots) levels.insert(levels.end(), slots[j].levels.begin(), slots[j].levels.end());
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  std::vector<int32_t> codes(n);
  parallel_for_blocks(chunks.size(), 1, [&](size_t k, size_t, size_t) {
    Slot& s = slots[k][j];
    int32_t* out = codes.data() + chunks[k].row_offset;
    if (s.mode != Mode::Text) {
      std::fill_n(out, chunks[k].rows, kMissingCode);
    } else {
      std::vector<int32_t> remap(s.levels.size());
      for (size_t i = 0; i < s.levels.size(); ++i) {
        remap[i] = static_cast<int32_t>(std::lower_bound(levels.begin(), levels.end(), s.levels[i]) - levels.begin());
      }
      for (size_t r = 0; r < chunks[k].rows; ++r) out[r] = s.codes[r] == kMissingCode ? kMissingCode : remap[static_cast<size_t>(s.codes[r])];
    }
    s = Slot{};
  });
  return Column::categorical(name, std::move(codes), std::move(levels));
}

}  // namespace impactsim::csv
