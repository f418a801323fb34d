#include "engine/chunk_codec.hpp"

#include <zlib.h>

#include <cstring>

#include "engine/error.hpp"

namespace impactsim {

void shuffle_bytes(const uint8_t* in, uint8_t* out, size_t n, size_t size) {
  if (size <= 1 || n <= 1) {
    std::memcpy(out, in, n * size);
    return;
  }
  for (size_t j = 0; j < size; ++j) {
    uint8_t* dst = out + j * n;
    const uint8_t* src = in + j;
    for (size_t i = 0; i < n; ++i) dst[i] = src[i * size];
  }
}

void unshuffle_bytes(const uint8_t* in, uint8_t* out, size_t n, size_t size) {
  if (size <= 1 || n <= 1) {
    std::memcpy(out, in, n * size);
    return;
  }
  // Element-size specialisations let the compiler unroll the inner loop.
  auto run = [&](auto kSize) {
    constexpr size_t S = decltype(kSize)::value;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < S; ++j) out[i * S + j] = in[j * n + i];
    }
  };
  switch (size) {
    case 8: run(std::integral_constant<size_t, 8>{}); return;
    case 4: run(std::integral_constant<size_t, 4>{}); return;
    case 2: run(std::integral_constant<size_t, 2>{}); return;
    default:
      for (size_t j = 0; j < size; ++j) {
        const uint8_t* src = in + j * n;
        for (size_t i = 0; i < n; ++i) out[i * size + j] = src[i];
      }
  }
}

std::vector<uint8_t> deflate_bytes(std::span<const uint8_t> in, int level) {
  uLongf bound = compressBound(static_cast<uLong>(in.size()));
  std::vector<uint8_t> out(bound);
  if (compress2(out.data(), &bound, in.data(), static_cast<uLong>(in.size()), level) != Z_OK) {
    throw InputError("deflate: compression failed (level " + std::to_string(level) + " must be 1..9)");
  }
  out.resize(bound);
  return out;
}

bool inflate_bytes(std::span<const uint8_t> in, std::span<uint8_t> out) {
  uLongf size = static_cast<uLongf>(out.size());
  const int rc = uncompress(out.data(), &size, in.data(), static_cast<uLong>(in.size()));
  return rc == Z_OK && size == out.size();
}

}  // namespace impactsim
