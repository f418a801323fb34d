// Step 0 of the CSV reader: the body cut into fixed-size byte chunks, and
// the first record starting in each. Counting the quotes and newlines of
// every chunk (in parallel) gives the quote parity before each one, so a
// chunk finds its first record, and that record's line number, without
// reading the others. Internal to the CSV reader.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "engine/csv/tokenizer.hpp"

namespace impactsim::csv {

struct Chunk {
  const char* begin = nullptr;  // first record starting in this chunk
  const char* stop = nullptr;   // first record of the next chunk
  size_t first_line = 0;
  size_t rows = 0;
  size_t expected_rows = 0;  // newlines in the chunk's bytes: a capacity hint
  size_t row_offset = 0;
  std::optional<ParseFailure> failure;
};

// Chunks of `chunk_bytes` over [body, end); `body_line` is the body's first line.
std::vector<Chunk> plan_chunks(const char* body, const char* end, size_t body_line, size_t chunk_bytes);

// The delimiter of a header line: the most frequent of ',', ';' and tab
// outside quotes (',' is never the delimiter with a decimal comma).
char detect_delimiter(const char* p, const char* end, char decimal);

}  // namespace impactsim::csv
