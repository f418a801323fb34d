// Recognising CSV values as R's read.csv does (type.convert): logical
// tokens, integers, decimal numbers (fast_float, '.' or ',' decimal mark),
// and the type lattice of inference. Internal to the CSV reader.
#pragma once

#include <fast_float/fast_float.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/column.hpp"

namespace impactsim::csv {

// ---- value recognition -------------------------------------------------------

inline std::string_view trim(std::string_view s) {
  if (s.empty() || (s.front() != ' ' && s.front() != '\t' && s.back() != ' ' && s.back() != '\t')) return s;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// R's logical tokens (type.convert): TRUE spellings first, then FALSE ones.
inline constexpr std::string_view kBoolTokens[8] = {"TRUE", "true", "True", "T", "FALSE", "false", "False", "F"};

// Index into kBoolTokens, or -1.
inline int bool_token_index(std::string_view s) {
  if (s.empty() || s.size() > 5) return -1;
  for (int i = 0; i < 8; ++i) {
    if (s == kBoolTokens[i]) return i;
  }
  return -1;
}

inline std::optional<bool> parse_bool_token(std::string_view s) {
  const int i = bool_token_index(s);
  if (i < 0) return std::nullopt;
  return i < 4;
}

// An integer as it writes back: optional '-', 1 to 18 digits, no leading
// zero. Anything else (signs, spaces, zeros, overflow) takes the general path.
inline bool parse_plain_int(std::string_view s, int64_t& out) {
  const char* p = s.data();
  const char* end = p + s.size();
  const bool negative = p < end && *p == '-';
  p += negative;
  const size_t digits = static_cast<size_t>(end - p);
  if (digits == 0 || digits > 18 || (*p == '0' && (digits > 1 || negative))) return false;
  int64_t v = 0;
  for (; p < end; ++p) {
    const unsigned d = static_cast<unsigned>(*p - '0');
    if (d > 9) return false;
    v = v * 10 + static_cast<int64_t>(d);
  }
  out = negative ? -v : v;
  return true;
}

enum class IntParse { Ok, NotInteger, Overflow };

inline IntParse parse_int(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return IntParse::NotInteger;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ptr != s.data() + s.size()) return IntParse::NotInteger;
  if (r.ec == std::errc::result_out_of_range) return IntParse::Overflow;
  if (r.ec != std::errc()) return IntParse::NotInteger;
  return IntParse::Ok;
}

inline bool parse_double(std::string_view s, char decimal, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return false;
  auto r = fast_float::from_chars_advanced(s.data(), s.data() + s.size(), out,
                                           fast_float::parse_options{fast_float::chars_format::general, decimal});
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Type lattice of inference, as bits of what a column's values looked like.
enum Seen : uint8_t { kSeenBool = 1, kSeenInt = 2, kSeenFloat = 4, kSeenText = 8 };

inline ColumnType resolve_type(uint8_t seen) {
  if ((seen & kSeenText) || ((seen & kSeenBool) && (seen & (kSeenInt | kSeenFloat)))) return ColumnType::Categorical;
  if (seen & kSeenFloat) return ColumnType::Float64;
  if (seen & kSeenInt) return ColumnType::Int64;
  return ColumnType::Bool;  // only logical values, or none at all (as R)
}

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using LevelIndex = std::unordered_map<std::string, int32_t, TransparentHash, std::equal_to<>>;

}  // namespace impactsim::csv
