// The two filters of HDF5's default pipeline, applied outside the library so
// that chunks can be (de)compressed on all cores: HDF5 runs its filters on
// one thread, and inflate alone tops out near 240 MB/s there.
//   shuffle: HDF5's H5Z_FILTER_SHUFFLE byte transposition (byte j of element
//            i goes to position j * n + i);
//   deflate: H5Z_FILTER_DEFLATE, i.e. a zlib stream (compress2/uncompress).
// Chunks written with these are read back by any HDF5 reader, and chunks
// written by the library with the same filters are read back by these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace impactsim {

void shuffle_bytes(const uint8_t* in, uint8_t* out, size_t num_elements, size_t element_size);
void unshuffle_bytes(const uint8_t* in, uint8_t* out, size_t num_elements, size_t element_size);

// zlib stream of `in` at `level` (1..9).
std::vector<uint8_t> deflate_bytes(std::span<const uint8_t> in, int level);
// Inflates a zlib stream into exactly out.size() bytes; false if the stream is
// corrupt or has another length.
bool inflate_bytes(std::span<const uint8_t> in, std::span<uint8_t> out);

}  // namespace impactsim
