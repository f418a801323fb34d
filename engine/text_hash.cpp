#include "engine/text_hash.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <fstream>
#include <vector>

#include "engine/error.hpp"

namespace impactsim {
namespace {

constexpr uint64_t kOffset = 14695981039346656037ull, kPrime = 1099511628211ull;

uint64_t fnv1a(uint64_t h, const char* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= kPrime;
  }
  return h;
}

}  // namespace

std::string fnv1a_hex(const std::string& text) { return fmt::format("{:016x}", fnv1a(kOffset, text.data(), text.size())); }

std::string fnv1a_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file to hash it");
  std::vector<char> block(size_t{1} << 20);
  uint64_t h = kOffset;
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    h = fnv1a(h, block.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw InputError(path + ": read error while hashing the file");
  return fmt::format("{:016x}", h);
}

}  // namespace impactsim
