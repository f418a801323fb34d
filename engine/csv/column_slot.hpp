// Step 1 of the CSV reader: one parse, each field stored in its chunk's
// column slot as the column looks so far. Inference is speculative: a
// chunk's column stores ints until it meets a decimal number (then
// doubles), and so on along R's type lattice; a column that turns out to be
// text in the end is re-read as text only in the chunks that stored it
// otherwise. Columns whose type is forced are parsed strictly, with errors
// at once. Header-only: the writer runs once per field, inlined into the
// tokeniser's loop. Internal to the CSV reader.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "engine/csv/tokenizer.hpp"
#include "engine/csv/values.hpp"

namespace impactsim::csv {

// The NA tokens, with the lengths they have for a quick "no".
class NaTokens {
 public:
  explicit NaTokens(const std::vector<std::string>& tokens) : tokens_(tokens) {
    for (const auto& t : tokens_) {
      if (t.size() < 64) lengths_ |= uint64_t{1} << t.size();
      else long_ = true;
    }
  }
  // A handful of tokens: a linear scan beats hashing each field. Inlined
  // into the per-field loop, as infer_and_store (GCC would not: they are
  // header functions, and it weighs them as if called from many places).
  [[gnu::always_inline]] bool match(const Field& f) const {
    if (f.escaped) {
      const std::string s = unescape(f);
      return std::find(tokens_.begin(), tokens_.end(), s) != tokens_.end();
    }
    if (!long_ && (f.text.size() >= 64 || !(lengths_ >> f.text.size() & 1))) return false;  // no token that long
    for (const auto& t : tokens_) {
      if (f.text.size() != t.size()) continue;
      size_t i = 0;  // tokens are a few bytes: a loop, not a call to memcmp
      while (i < t.size() && t[i] == f.text[i]) ++i;
      if (i == t.size()) return true;
    }
    return false;
  }

 private:
  std::vector<std::string> tokens_;
  uint64_t lengths_ = 0;  // bit L set: some NA token has length L
  bool long_ = false;     // some NA token is 64 bytes or longer
};

// A column's values within one chunk.
enum class Mode : uint8_t { Empty, Bool, Int, Float, Text, NeedsText };
struct Slot {
  Mode mode = Mode::Empty;
  uint8_t seen = 0;
  size_t leading_missing = 0;  // missing values before the first value (mode Empty)
  size_t capacity = 0;         // expected rows, reserved when storage starts
  std::vector<uint8_t> b8;
  std::vector<int64_t> i64;
  std::vector<double> f64;
  std::vector<int32_t> codes;
  LevelIndex index;
  std::vector<std::string> levels;
  // Short texts (<= 7 bytes: sex, department, codes) packed into one word and
  // found by a linear scan, which beats hashing for a few dozen levels.
  std::vector<std::pair<uint64_t, int32_t>> short_codes;
  std::optional<ParseFailure> non_finite;  // first NaN/Inf: an error if the column ends up float64
  bool exact = true;  // bool tokens or ints stored so far write back as their raw text
};

struct Parsed {
  uint8_t kind;  // one of the Seen bits
  int64_t i = 0;
  double d = 0;
  uint8_t token = 0;     // kBoolTokens index
  bool exact = true;     // the raw text is what the value writes back as (no spaces, signs, zeros)
};

// Stores a chunk's fields into its column slots.
class SlotWriter {
 public:
  SlotWriter(const NaTokens& na, char decimal, const std::vector<std::string>& names,
             const std::vector<std::optional<ColumnType>>& forced)
      : na_(na), decimal_(decimal), names_(names), forced_(forced) {}

  // What a field holds; tries first what the column held so far.
  Parsed classify(const Field& f, Mode mode) const {
    if (f.escaped) return {kSeenText};
    const std::string_view v = trim(f.text);
    Parsed p{kSeenInt};
    if (mode == Mode::Float && parse_double(v, decimal_, p.d)) {
      p.kind = kSeenFloat;  // ints included: in a float column their text no longer matters
      return p;
    }
    if (mode == Mode::Bool) {
      if (const int t = bool_token_index(v); t >= 0) {
        p.kind = kSeenBool;
        p.token = static_cast<uint8_t>(t);
        p.exact = v.size() == f.text.size();
        return p;
      }
    }
    p.exact = v.size() == f.text.size();
    switch (parse_int(v, p.i)) {
      case IntParse::Ok:
        // "+5", "007" and "-0" read as numbers but do not write back as themselves.
        p.exact = p.exact && v[0] != '+' && !(v[0] == '0' && v.size() > 1) && !(v[0] == '-' && v.size() > 1 && v[1] == '0');
        return p;
      case IntParse::Overflow:
        p.kind = kSeenFloat;
        parse_double(v, decimal_, p.d);
        return p;
      case IntParse::NotInteger: break;
    }
    if (parse_double(v, decimal_, p.d)) {
      p.kind = kSeenFloat;
      return p;
    }
    if (const int t = bool_token_index(v); t >= 0) {
      p.kind = kSeenBool;
      p.token = static_cast<uint8_t>(t);
      return p;
    }
    return {kSeenText};
  }

  static void push_missing(Slot& s) {
    switch (s.mode) {
      case Mode::Empty: ++s.leading_missing; return;
      case Mode::Bool: s.b8.push_back(kMissingBool); return;
      case Mode::Int: s.i64.push_back(kMissingInt64); return;
      case Mode::Float: s.f64.push_back(kMissingFloat64); return;
      case Mode::Text: s.codes.push_back(kMissingCode); return;
      case Mode::NeedsText: return;
    }
  }

  static constexpr size_t kShortCodes = 32;

  static void push_text(Slot& s, const Field& f) {
    if (!f.escaped && f.text.size() <= 7) {
      uint64_t key = f.text.size();
      std::memcpy(reinterpret_cast<char*>(&key) + 1, f.text.data(), f.text.size());
      for (const auto& [k, code] : s.short_codes) {
        if (k == key) {
          s.codes.push_back(code);
          return;
        }
      }
      auto it = s.index.find(f.text);
      if (it == s.index.end()) {
        it = s.index.emplace(std::string(f.text), static_cast<int32_t>(s.levels.size())).first;
        s.levels.emplace_back(f.text);
      }
      if (s.short_codes.size() < kShortCodes) s.short_codes.emplace_back(key, it->second);
      s.codes.push_back(it->second);
      return;
    }
    if (!f.escaped) {
      if (auto it = s.index.find(f.text); it != s.index.end()) {
        s.codes.push_back(it->second);
        return;
      }
      const auto code = static_cast<int32_t>(s.levels.size());
      s.index.emplace(std::string(f.text), code);
      s.levels.emplace_back(f.text);
      s.codes.push_back(code);
      return;
    }
    std::string text = unescape(f);
    auto [it, inserted] = s.index.emplace(text, static_cast<int32_t>(s.levels.size()));
    if (inserted) s.levels.push_back(std::move(text));
    s.codes.push_back(it->second);
  }

  // Starts storing in `mode`, with the missing values seen so far.
  static void begin_mode(Slot& s, Mode mode) {
    s.mode = mode;
    const size_t n = s.leading_missing;
    switch (mode) {
      case Mode::Bool: s.b8.reserve(s.capacity); s.b8.assign(n, kMissingBool); break;
      case Mode::Int: s.i64.reserve(s.capacity); s.i64.assign(n, kMissingInt64); break;
      case Mode::Float: s.f64.reserve(s.capacity); s.f64.assign(n, kMissingFloat64); break;
      case Mode::Text: s.codes.reserve(s.capacity); s.codes.assign(n, kMissingCode); break;
      default: break;
    }
  }

  // The column is text after all. Bool tokens and plain integers stored so
  // far are turned back into their text when that is exact; otherwise the
  // chunk's column is re-read as text at the end.
  static void switch_to_text(Slot& s) {
    if (s.exact && (s.mode == Mode::Bool || s.mode == Mode::Int)) {
      const bool is_bool = s.mode == Mode::Bool;
      const size_t n = is_bool ? s.b8.size() : s.i64.size();
      s.codes.reserve(s.capacity);
      s.codes.resize(n);
      s.mode = Mode::Text;
      char buf[24];
      for (size_t i = 0; i < n; ++i) {
        std::string_view text;
        if (is_bool) {
          if (s.b8[i] == kMissingBool) {
            s.codes[i] = kMissingCode;
            continue;
          }
          text = kBoolTokens[s.b8[i]];
        } else {
          if (s.i64[i] == kMissingInt64) {
            s.codes[i] = kMissingCode;
            continue;
          }
          text = std::string_view(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, s.i64[i]).ptr - buf));
        }
        auto it = s.index.find(text);
        if (it == s.index.end()) {
          it = s.index.emplace(std::string(text), static_cast<int32_t>(s.levels.size())).first;
          s.levels.emplace_back(text);
        }
        s.codes[i] = it->second;
      }
    } else {
      s.mode = Mode::NeedsText;
    }
    s.b8 = {};
    s.i64 = {};
    s.f64 = {};
  }

  [[gnu::always_inline]] void infer_and_store(Slot& s, const Field& f) const {
    if (s.mode == Mode::NeedsText) return;
    if (na_.match(f)) {
      push_missing(s);
      return;
    }
    // Fast paths: the value is of the kind the column held so far, written
    // plainly (the common case once a chunk is under way).
    switch (s.mode) {
      case Mode::Text:
        s.seen |= kSeenText;
        push_text(s, f);
        return;
      case Mode::Int: {
        int64_t v;
        if (!f.escaped && parse_plain_int(f.text, v)) {
          s.i64.push_back(v);
          return;
        }
        break;
      }
      case Mode::Float: {
        double d;
        if (!f.escaped && parse_double(f.text, decimal_, d) && std::isfinite(d)) {
          s.f64.push_back(d);
          return;
        }
        break;
      }
      case Mode::Bool: {
        const int t = f.escaped ? -1 : bool_token_index(f.text);
        if (t >= 0) {
          s.b8.push_back(static_cast<uint8_t>(t));
          return;
        }
        break;
      }
      default: break;
    }
    const Parsed p = classify(f, s.mode);
    s.seen |= p.kind;
    if (p.kind == kSeenFloat && !std::isfinite(p.d) && !s.non_finite) {
      s.non_finite = ParseFailure{f.line, f.column, ""};
    }
    if (s.mode == Mode::Empty) {
      begin_mode(s, p.kind == kSeenBool ? Mode::Bool : p.kind == kSeenInt ? Mode::Int
                    : p.kind == kSeenFloat ? Mode::Float : Mode::Text);
    }
    if (!p.exact) s.exact = false;
    switch (s.mode) {
      case Mode::Bool:
        if (p.kind == kSeenBool) {
          s.b8.push_back(p.token);
          return;
        }
        break;
      case Mode::Int:
        if (p.kind == kSeenInt) {
          s.i64.push_back(p.i);
          return;
        }
        if (p.kind == kSeenFloat) {  // widen what was stored so far
          s.f64.reserve(s.capacity);
          s.f64.resize(s.i64.size());
          for (size_t i = 0; i < s.i64.size(); ++i) {
            s.f64[i] = s.i64[i] == kMissingInt64 ? kMissingFloat64 : static_cast<double>(s.i64[i]);
          }
          s.i64 = {};
          s.mode = Mode::Float;
          s.f64.push_back(p.d);
          return;
        }
        break;
      case Mode::Float:
        if (p.kind == kSeenInt) {
          s.f64.push_back(static_cast<double>(p.i));
          return;
        }
        if (p.kind == kSeenFloat) {
          s.f64.push_back(p.d);
          return;
        }
        break;
      case Mode::Text: push_text(s, f); return;
      default: return;
    }
    switch_to_text(s);
    if (s.mode == Mode::Text) push_text(s, f);
  }

  std::string value_error(size_t col, const Field& f, std::string_view what) const {
    return "column \"" + names_[col] + "\": cannot read " + quote_text(f.text) + " as " + std::string(what);
  }

  // A column whose type was forced: parsed strictly, errors at once.
  void store_forced(Slot& s, size_t col, const Field& f) const {
    const bool na = na_.match(f);
    switch (*forced_[col]) {
      case ColumnType::Float64: {
        if (na) {
          s.f64.push_back(kMissingFloat64);
          return;
        }
        double d;
        const std::string_view v = trim(f.text);
        if (!parse_double(v, decimal_, d)) {
          fail(f.line, f.column,
               value_error(col, f, "a number") +
                   (decimal_ == '.' && v.find(',') != std::string_view::npos
                        ? "; for decimal commas use --decimal ,"
                        : "; fix the value, add it to the NA tokens (--na), or read the column as categorical"));
        }
        if (!std::isfinite(d)) fail(f.line, f.column, non_finite_message(col, f.text));
        s.f64.push_back(d);
        return;
      }
      case ColumnType::Int64: {
        if (na) {
          s.i64.push_back(kMissingInt64);
          return;
        }
        int64_t v;
        if (parse_int(trim(f.text), v) != IntParse::Ok || v == kMissingInt64) {
          fail(f.line, f.column, value_error(col, f, "a 64-bit integer") + "; read the column as float64 or categorical instead");
        }
        s.i64.push_back(v);
        return;
      }
      case ColumnType::Bool: {
        if (na) {
          s.b8.push_back(kMissingBool);
          return;
        }
        const std::string_view v = trim(f.text);
        auto b = parse_bool_token(v);
        if (!b && (v == "0" || v == "1")) b = (v == "1");
        if (!b) fail(f.line, f.column, value_error(col, f, "TRUE/FALSE") + "; read the column as categorical instead");
        s.b8.push_back(*b ? 1 : 0);
        return;
      }
      case ColumnType::Categorical:
        if (na) s.codes.push_back(kMissingCode);
        else push_text(s, f);
        return;
    }
  }

  std::string non_finite_message(size_t col, std::string_view text) const {
    return "column \"" + names_[col] + "\": cannot read " + quote_text(text) +
           " as a finite number; non-finite values are not allowed, add the token to --na if it means missing";
  }

  static Mode mode_of(ColumnType t) {
    switch (t) {
      case ColumnType::Float64: return Mode::Float;
      case ColumnType::Int64: return Mode::Int;
      case ColumnType::Bool: return Mode::Bool;
      case ColumnType::Categorical: return Mode::Text;
    }
    return Mode::Empty;
  }

 private:
  NaTokens na_;
  char decimal_;
  const std::vector<std::string>& names_;
  const std::vector<std::optional<ColumnType>>& forced_;
};

}  // namespace impactsim::csv
