#include "engine/csv/chunks.hpp"

#include <algorithm>
#include <cstdint>

#include "engine/parallel.hpp"

namespace impactsim::csv {

std::vector<Chunk> plan_chunks(const char* body, const char* end, size_t body_line, size_t chunk_bytes) {
  const size_t size = static_cast<size_t>(end - body);
  const size_t step = std::max<size_t>(chunk_bytes, 1);
  const size_t n = std::max<size_t>(1, (size + step - 1) / step);
  std::vector<size_t> quotes(n), newlines(n);
  parallel_for_blocks(n, 1, [&](size_t k, size_t, size_t) {
    const char* a = body + k * step;
    const char* b = std::min(end, a + step);
    // One pass, two counts; blocks of 255 bytes keep byte counters from overflowing
    // and let the compiler vectorise.
    size_t q = 0, nl = 0;
    for (const char* p = a; p < b;) {
      const char* e = std::min(b, p + 255);
      uint8_t bq = 0, bn = 0;
      for (; p < e; ++p) {
        bq = static_cast<uint8_t>(bq + (*p == '"'));
        bn = static_cast<uint8_t>(bn + (*p == '\n'));
      }
      q += bq;
      nl += bn;
    }
    quotes[k] = q;
    newlines[k] = nl;
  });
  std::vector<Chunk> chunks(n);
  for (size_t k = 0; k < n; ++k) chunks[k].expected_rows = newlines[k] + 1;
  size_t quote_prefix = 0, line_prefix = body_line;
  std::vector<size_t> parity(n), line_at(n);
  for (size_t k = 0; k < n; ++k) {
    parity[k] = quote_prefix & 1;
    line_at[k] = line_prefix;
    quote_prefix += quotes[k];
    line_prefix += newlines[k];
  }
  parallel_for_blocks(n, 1, [&](size_t k, size_t, size_t) {
    const char* a = body + k * step;
    if (k == 0) {
      chunks[k].begin = body;
      chunks[k].first_line = body_line;
      return;
    }
    bool quoted = parity[k] != 0;
    size_t line = line_at[k];
    // The record starting in this chunk begins after the first newline outside quotes.
    const char* p = a;
    const char* limit = std::min(end, a + step);
    if (a > body && a[-1] == '\n' && !quoted) {  // chunk starts exactly at a record
      chunks[k].begin = a;
      chunks[k].first_line = line;
      return;
    }
    bool found = false;
    for (; p < limit; ++p) {
      if (*p == '"') quoted = !quoted;
      if (*p == '\n') {
        ++line;
        if (!quoted) {
          ++p;
          found = true;
          break;
        }
      }
    }
    chunks[k].begin = found ? p : nullptr;  // nullptr: no record starts in this chunk
    chunks[k].first_line = line;
  });
  // A chunk with no record start of its own is empty: it begins where the
  // next one does, and the record crossing it belongs to an earlier chunk.
  for (size_t k = n; k-- > 0;) {
    const char* next = (k + 1 < n) ? chunks[k + 1].begin : end;
    if (chunks[k].begin == nullptr) chunks[k].begin = next;
    chunks[k].stop = next;
  }
  return chunks;
}

char detect_delimiter(const char* p, const char* end, char decimal) {
  size_t counts[3] = {0, 0, 0};  // ',', ';', '\t'
  bool quoted = false;
  for (; p < end; ++p) {
    const char c = *p;
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n') break;
    if (c == ',') ++counts[0];
    if (c == ';') ++counts[1];
    if (c == '\t') ++counts[2];
  }
  if (decimal == ',') counts[0] = 0;
  const char candidates[3] = {',', ';', '\t'};
  size_t best = decimal == ',' ? 1 : 0;
  for (size_t i = 0; i < 3; ++i) {
    if (counts[i] > counts[best]) best = i;
  }
  return candidates[best];
}

}  // namespace impactsim::csv
