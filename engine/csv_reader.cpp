// CSV reader: three passes over the bytes, the last two parallel over chunks.
//
//   0. Cut the body into fixed-size byte chunks; count quotes and newlines in
//      each (parallel). The quote parity before a chunk tells whether its first
//      byte is inside a quoted field, so each chunk can find the first record
//      that starts in it, and its line number, without reading the others.
//   1. Tokenise each chunk's records and infer each column's type (parallel).
//   2. Tokenise again and parse values straight into the final columns at the
//      chunk's row offset (parallel); categorical levels are collected per
//      chunk, then merged and sorted, and the codes remapped.
// Errors are kept per chunk (the first one met) and the one from the earliest
// chunk is reported, so messages do not depend on the thread count.
#include <fast_float/fast_float.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <unordered_map>

#include "engine/csv.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace impactsim {
namespace {

// A field as it stands in the text: the bytes between the quotes for a quoted
// field (with "" still doubled when `escaped`).
struct Field {
  std::string_view text;
  bool quoted = false;
  bool escaped = false;
  size_t line = 0;    // 1-based physical line of the field's first byte
  size_t column = 0;  // 1-based byte column of the field's first byte
};

struct ParseFailure {
  size_t line = 0;
  size_t column = 0;
  std::string message;
};

class CsvFailure : public std::exception {
 public:
  explicit CsvFailure(ParseFailure f) : failure(std::move(f)) {}
  ParseFailure failure;
};

[[noreturn]] void fail(size_t line, size_t column, std::string message) {
  throw CsvFailure(ParseFailure{line, column, std::move(message)});
}

std::string quote_text(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  out += s.size() > kMax ? std::string(s.substr(0, kMax)) + "..." : std::string(s);
  out += "\"";
  return out;
}

std::string unescape(const Field& f) {
  if (!f.escaped) return std::string(f.text);
  std::string out;
  out.reserve(f.text.size());
  for (size_t i = 0; i < f.text.size(); ++i) {
    out += f.text[i];
    if (f.text[i] == '"') ++i;  // skip the second quote of a doubled pair
  }
  return out;
}

// Tokeniser over the records starting in [begin, stop); a record may run past
// `stop` up to `end`. Calls on_field(field_index, Field) for each field and
// on_record(field_count, line) at each record's end; blank lines are skipped.
class Tokenizer {
 public:
  Tokenizer(const char* begin, const char* stop, const char* end, char delim, size_t first_line)
      : p_(begin), stop_(stop), end_(end), delim_(delim), line_(first_line), line_start_(begin) {
    stops_field_[static_cast<unsigned char>(delim)] = true;
    stops_field_[static_cast<unsigned char>('\n')] = true;
    stops_field_[static_cast<unsigned char>('"')] = true;
  }

  template <class OnField, class OnRecord>
  void run(OnField&& on_field, OnRecord&& on_record) {
    while (p_ < stop_) {
      if (*p_ == '\n') {  // blank line
        next_line(p_ + 1);
        ++p_;
        continue;
      }
      if (*p_ == '\r' && p_ + 1 < end_ && p_[1] == '\n') {
        p_ += 2;
        next_line(p_);
        continue;
      }
      const size_t record_line = line_;
      size_t nfields = 0;
      for (;;) {
        Field f = next_field();
        on_field(nfields, f);
        ++nfields;
        if (p_ < end_ && *p_ == delim_) {
          ++p_;
          continue;
        }
        if (p_ < end_) {  // at '\n'
          ++p_;
          next_line(p_);
        }
        break;
      }
      on_record(nfields, record_line);
    }
  }

  // Parses only the first record (the header).
  std::vector<std::string> header(size_t& line_after, const char*& after) {
    std::vector<std::string> names;
    bool done = false;
    while (p_ < end_ && !done) {
      stop_ = p_ + 1;  // one record only
      run([&](size_t, const Field& f) { names.push_back(unescape(f)); }, [&](size_t, size_t) { done = true; });
    }
    line_after = line_;
    after = p_;
    return names;
  }

  size_t line() const { return line_; }

 private:
  void next_line(const char* start) {
    ++line_;
    line_start_ = start;
  }

  Field next_field() {
    Field f;
    f.line = line_;
    f.column = static_cast<size_t>(p_ - line_start_) + 1;
    if (p_ < end_ && *p_ == '"') {
      f.quoted = true;
      const char* content = ++p_;
      for (;;) {
        const char* q = static_cast<const char*>(std::memchr(p_, '"', static_cast<size_t>(end_ - p_)));
        if (q == nullptr) fail(f.line, f.column, "quoted field never closed; add the closing '\"'");
        for (const char* nl = p_; (nl = static_cast<const char*>(std::memchr(nl, '\n', static_cast<size_t>(q - nl)))) != nullptr;) {
          ++nl;
          next_line(nl);
        }
        if (q + 1 < end_ && q[1] == '"') {
          f.escaped = true;
          p_ = q + 2;
          continue;
        }
        f.text = std::string_view(content, static_cast<size_t>(q - content));
        p_ = q + 1;
        break;
      }
      if (p_ < end_ && *p_ != delim_ && *p_ != '\n' && !(*p_ == '\r' && (p_ + 1 == end_ || p_[1] == '\n'))) {
        fail(line_, static_cast<size_t>(p_ - line_start_) + 1,
             "unexpected text after a closing quote; double the quotes inside a quoted field (\"\")");
      }
      if (p_ < end_ && *p_ == '\r') ++p_;
      return f;
    }
    const char* start = p_;
    while (p_ < end_ && !stops_field_[static_cast<unsigned char>(*p_)]) ++p_;
    if (p_ < end_ && *p_ == '"') {
      fail(line_, static_cast<size_t>(p_ - line_start_) + 1,
           "quote inside an unquoted field; quote the whole field and double the inner quotes (\"\")");
    }
    const char* stop = p_;
    if (stop > start && stop[-1] == '\r' && (p_ == end_ || *p_ == '\n')) --stop;
    f.text = std::string_view(start, static_cast<size_t>(stop - start));
    return f;
  }

  const char* p_;
  const char* stop_;
  const char* end_;
  char delim_;
  size_t line_;
  const char* line_start_;
  bool stops_field_[256] = {};  // delimiter, newline, quote: one table look-up per byte
};

// ---- value recognition -------------------------------------------------------

inline std::string_view trim(std::string_view s) {
  if (s.empty() || (s.front() != ' ' && s.front() != '\t' && s.back() != ' ' && s.back() != '\t')) return s;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// R's logical tokens (type.convert): TRUE spellings first, then FALSE ones.
constexpr std::string_view kBoolTokens[8] = {"TRUE", "true", "True", "T", "FALSE", "false", "False", "F"};

// Index into kBoolTokens, or -1.
int bool_token_index(std::string_view s) {
  if (s.empty() || s.size() > 5) return -1;
  for (int i = 0; i < 8; ++i) {
    if (s == kBoolTokens[i]) return i;
  }
  return -1;
}

std::optional<bool> parse_bool_token(std::string_view s) {
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

IntParse parse_int(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return IntParse::NotInteger;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ptr != s.data() + s.size()) return IntParse::NotInteger;
  if (r.ec == std::errc::result_out_of_range) return IntParse::Overflow;
  if (r.ec != std::errc()) return IntParse::NotInteger;
  return IntParse::Ok;
}

bool parse_double(std::string_view s, char decimal, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return false;
  auto r = fast_float::from_chars_advanced(s.data(), s.data() + s.size(), out,
                                           fast_float::parse_options{fast_float::chars_format::general, decimal});
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Type lattice of inference, as bits of what a column's values looked like.
enum Seen : uint8_t { kSeenBool = 1, kSeenInt = 2, kSeenFloat = 4, kSeenText = 8 };

ColumnType resolve_type(uint8_t seen) {
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

// ---- the reader ----------------------------------------------------------

struct Chunk {
  const char* begin = nullptr;  // first record starting in this chunk
  const char* stop = nullptr;   // first record of the next chunk
  size_t first_line = 0;
  size_t rows = 0;
  size_t expected_rows = 0;  // newlines in the chunk's bytes: a capacity hint
  size_t row_offset = 0;
  std::optional<ParseFailure> failure;
};

class CsvParser {
 public:
  CsvParser(std::string_view text, const CsvReadOptions& options, std::string source)
      : text_(text), opt_(options), source_(std::move(source)) {}

  Table parse() {
    for (const auto& t : opt_.na_tokens) {
      if (t.size() < 64) na_lengths_ |= uint64_t{1} << t.size();
      else na_long_ = true;
    }
    if (opt_.decimal != '.' && opt_.decimal != ',') {
      throw InputError(source_ + ": decimal mark must be '.' or ',', not '" + std::string(1, opt_.decimal) + "'");
    }
    const char* begin = text_.data();
    const char* end = begin + text_.size();
    if (text_.size() >= 3 && std::memcmp(begin, "\xEF\xBB\xBF", 3) == 0) begin += 3;  // UTF-8 byte-order mark
    if (begin == end) throw InputError(source_ + ": the file is empty; a header row is expected");
    delim_ = opt_.delimiter != 0 ? opt_.delimiter : detect_delimiter(begin, end);
    if (delim_ == opt_.decimal) {
      throw InputError(source_ + ": delimiter and decimal mark are both '" + std::string(1, delim_) +
                       "'; use --delimiter ';' with --decimal ,");
    }

    size_t body_line = 0;
    const char* body = nullptr;
    try {
      Tokenizer tok(begin, end, end, delim_, 1);
      names_ = tok.header(body_line, body);
    } catch (const CsvFailure& e) {
      throw_failure(e.failure);
    }
    if (names_.empty()) throw InputError(source_ + ": no header row found; the first line must name the columns");
    check_header();
    plan_chunks(body, end, body_line);
    parse_chunks();
    return build_table();
  }

 private:
  [[noreturn]] void throw_failure(const ParseFailure& f) const {
    throw InputError(source_ + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + ": " + f.message);
  }

  char detect_delimiter(const char* p, const char* end) const {
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
    if (opt_.decimal == ',') counts[0] = 0;
    const char candidates[3] = {',', ';', '\t'};
    size_t best = opt_.decimal == ',' ? 1 : 0;
    for (size_t i = 0; i < 3; ++i) {
      if (counts[i] > counts[best]) best = i;
    }
    return candidates[best];
  }

  void check_header() {
    std::unordered_map<std::string, size_t> seen;
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i].empty()) {
        throw InputError(source_ + ":1: column " + std::to_string(i + 1) + " has an empty name in the header row");
      }
      auto [it, inserted] = seen.emplace(names_[i], i);
      if (!inserted) {
        throw InputError(source_ + ":1: duplicate column name \"" + names_[i] + "\" (columns " +
                         std::to_string(it->second + 1) + " and " + std::to_string(i + 1) + ")");
      }
    }
    forced_.assign(names_.size(), std::nullopt);
    for (const auto& [name, type] : opt_.column_types) {
      auto it = seen.find(name);
      if (it == seen.end()) {
        throw InputError(source_ + ": type given for unknown column \"" + name + "\"" + suggest_names(name, names_));
      }
      forced_[it->second] = type;
    }
  }

  // Step 0: fixed-size byte chunks and the first record starting in each.
  void plan_chunks(const char* body, const char* end, size_t body_line) {
    const size_t size = static_cast<size_t>(end - body);
    const size_t step = std::max<size_t>(opt_.chunk_bytes, 1);
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
    chunks_.assign(n, Chunk{});
    for (size_t k = 0; k < n; ++k) chunks_[k].expected_rows = newlines[k] + 1;
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
        chunks_[k].begin = body;
        chunks_[k].first_line = body_line;
        return;
      }
      bool quoted = parity[k] != 0;
      size_t line = line_at[k];
      // The record starting in this chunk begins after the first newline outside quotes.
      const char* p = a;
      const char* limit = std::min(end, a + step);
      if (a > body && a[-1] == '\n' && !quoted) {  // chunk starts exactly at a record
        chunks_[k].begin = a;
        chunks_[k].first_line = line;
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
      chunks_[k].begin = found ? p : nullptr;  // nullptr: no record starts in this chunk
      chunks_[k].first_line = line;
    });
    // A chunk with no record start of its own is empty: it begins where the
    // next one does, and the record crossing it belongs to an earlier chunk.
    for (size_t k = n; k-- > 0;) {
      const char* next = (k + 1 < n) ? chunks_[k + 1].begin : end;
      if (chunks_[k].begin == nullptr) chunks_[k].begin = next;
      chunks_[k].stop = next;
    }
    end_ = end;
  }

  template <class OnField>
  void tokenize_chunk(Chunk& c, OnField&& on_field) {
    if (c.begin >= c.stop) return;
    Tokenizer tok(c.begin, c.stop, end_, delim_, c.first_line);
    size_t row = 0;
    const size_t ncol = names_.size();
    tok.run([&](size_t i, const Field& f) {
              if (i < ncol) on_field(row, i, f);
            },
            [&](size_t nfields, size_t line) {
              if (nfields != ncol) {
                fail(line, 1, "row has " + std::to_string(nfields) + " fields but the header has " +
                                  std::to_string(ncol) + " (delimiter '" + delimiter_name() + "')");
              }
              ++row;
            });
    c.rows = row;
  }

  std::string delimiter_name() const { return delim_ == '\t' ? "\\t" : std::string(1, delim_); }

  // A handful of tokens: a linear scan beats hashing each field.
  bool is_na(const Field& f) const {
    if (f.escaped) {
      const std::string s = unescape(f);
      return std::find(opt_.na_tokens.begin(), opt_.na_tokens.end(), s) != opt_.na_tokens.end();
    }
    if (!na_long_ && (f.text.size() >= 64 || !(na_lengths_ >> f.text.size() & 1))) return false;  // no token that long
    for (const auto& t : opt_.na_tokens) {
      if (f.text.size() != t.size()) continue;
      size_t i = 0;  // tokens are a few bytes: a loop, not a call to memcmp
      while (i < t.size() && t[i] == f.text[i]) ++i;
      if (i == t.size()) return true;
    }
    return false;
  }

  // ---- step 1: one parse, values stored as each column looks so far ----------

  // A column's values within one chunk. Inference is speculative: a chunk
  // stores ints until it meets a decimal number (then doubles), and so on
  // along R's type lattice; a column that turns out to be text in the end is
  // re-read as text only in the chunks that stored it otherwise.
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

  // What a field holds; tries first what the column held so far.
  Parsed classify(const Field& f, Mode mode) const {
    if (f.escaped) return {kSeenText};
    const std::string_view v = trim(f.text);
    Parsed p{kSeenInt};
    if (mode == Mode::Float && parse_double(v, opt_.decimal, p.d)) {
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
        parse_double(v, opt_.decimal, p.d);
        return p;
      case IntParse::NotInteger: break;
    }
    if (parse_double(v, opt_.decimal, p.d)) {
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

  void infer_and_store(Slot& s, const Field& f) {
    if (s.mode == Mode::NeedsText) return;
    if (is_na(f)) {
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
        if (!f.escaped && parse_double(f.text, opt_.decimal, d) && std::isfinite(d)) {
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
  void store_forced(Slot& s, size_t col, const Field& f) {
    const bool na = is_na(f);
    switch (*forced_[col]) {
      case ColumnType::Float64: {
        if (na) {
          s.f64.push_back(kMissingFloat64);
          return;
        }
        double d;
        const std::string_view v = trim(f.text);
        if (!parse_double(v, opt_.decimal, d)) {
          fail(f.line, f.column,
               value_error(col, f, "a number") +
                   (opt_.decimal == '.' && v.find(',') != std::string_view::npos
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

  void parse_chunks() {
    const size_t ncol = names_.size();
    slots_.assign(chunks_.size(), std::vector<Slot>(ncol));
    parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
      auto& slots = slots_[k];
      for (size_t j = 0; j < ncol; ++j) {
        slots[j].capacity = chunks_[k].expected_rows;
        if (forced_[j]) begin_mode(slots[j], mode_of(*forced_[j]));
      }
      try {
        tokenize_chunk(chunks_[k], [&](size_t, size_t col, const Field& f) {
          if (forced_[col]) store_forced(slots[col], col, f);
          else infer_and_store(slots[col], f);
        });
      } catch (const CsvFailure& e) {
        chunks_[k].failure = e.failure;
      }
    });
    report_first_failure();
    size_t offset = 0;
    for (auto& c : chunks_) {
      c.row_offset = offset;
      offset += c.rows;
    }
    total_rows_ = offset;
  }

  void report_first_failure() {
    for (const auto& c : chunks_) {
      if (c.failure) throw_failure(*c.failure);
    }
  }

  // ---- step 2: settle the types, re-read text where needed, assemble ---------

  Table build_table() {
    const size_t ncol = names_.size();
    types_.assign(ncol, ColumnType::Bool);
    for (size_t j = 0; j < ncol; ++j) {
      uint8_t all = 0;
      for (const auto& slots : slots_) all |= slots[j].seen;
      types_[j] = forced_[j] ? *forced_[j] : resolve_type(all);
    }
    // Non-finite numbers are errors in float64 columns (the earliest one).
    for (size_t k = 0; k < chunks_.size(); ++k) {
      for (size_t j = 0; j < ncol; ++j) {
        const Slot& s = slots_[k][j];
        if (types_[j] == ColumnType::Float64 && s.non_finite) {
          throw_failure(ParseFailure{s.non_finite->line, s.non_finite->column,
                                     non_finite_message(j, field_text_at(*s.non_finite))});
        }
      }
    }
    reread_text_columns();

    // Columns in parallel: allocating and filling a column is memory-bound
    // work (the per-chunk loops inside run on the calling thread then).
    std::vector<Column> cols(ncol);
    parallel_for_blocks(ncol, 1, [&](size_t j, size_t, size_t) { cols[j] = assemble(j); });
    Table table;
    for (auto& c : cols) table.add_column(std::move(c));
    return table;
  }

  // The text of the field at a location (for messages).
  std::string field_text_at(const ParseFailure& where) const {
    const char* p = text_.data();
    const char* end = p + text_.size();
    for (size_t line = 1; line < where.line && p < end; ++p) {
      if (*p == '\n') ++line;
    }
    p += where.column - 1;
    const char* q = p;
    while (q < end && *q != delim_ && *q != '\n' && *q != '\r') ++q;
    return std::string(p, q);
  }

  void reread_text_columns() {
    const size_t ncol = names_.size();
    parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
      std::vector<bool> redo(ncol, false);
      bool any = false;
      for (size_t j = 0; j < ncol; ++j) {
        const Mode m = slots_[k][j].mode;
        redo[j] = types_[j] == ColumnType::Categorical && m != Mode::Text && m != Mode::Empty;
        any = any || redo[j];
      }
      if (!any) return;
      for (size_t j = 0; j < ncol; ++j) {
        if (redo[j]) {
          slots_[k][j] = Slot{};
          slots_[k][j].mode = Mode::Text;
        }
      }
      tokenize_chunk(chunks_[k], [&](size_t, size_t col, const Field& f) {
        if (!redo[col]) return;
        if (is_na(f)) slots_[k][col].codes.push_back(kMissingCode);
        else push_text(slots_[k][col], f);
      });
    });
  }

  Column assemble(size_t j) {
    const ColumnType type = types_[j];
    const size_t n = total_rows_;
    switch (type) {
      case ColumnType::Float64: {
        std::vector<double> v(n);
        parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
          Slot& s = slots_[k][j];
          double* out = v.data() + chunks_[k].row_offset;
          const size_t rows = chunks_[k].rows;
          if (s.mode == Mode::Float) std::copy(s.f64.begin(), s.f64.end(), out);
          else if (s.mode == Mode::Int) {
            for (size_t i = 0; i < rows; ++i) out[i] = s.i64[i] == kMissingInt64 ? kMissingFloat64 : static_cast<double>(s.i64[i]);
          } else std::fill_n(out, rows, kMissingFloat64);
          s = Slot{};
        });
        return Column::float64(names_[j], std::move(v));
      }
      case ColumnType::Int64: {
        std::vector<int64_t> v(n);
        parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
          Slot& s = slots_[k][j];
          int64_t* out = v.data() + chunks_[k].row_offset;
          if (s.mode == Mode::Int) std::copy(s.i64.begin(), s.i64.end(), out);
          else std::fill_n(out, chunks_[k].rows, kMissingInt64);
          s = Slot{};
        });
        return Column::int64(names_[j], std::move(v));
      }
      case ColumnType::Bool: {
        std::vector<uint8_t> v(n);
        parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
          Slot& s = slots_[k][j];
          uint8_t* out = v.data() + chunks_[k].row_offset;
          if (s.mode == Mode::Bool && forced_[j]) {
            std::copy(s.b8.begin(), s.b8.end(), out);
          } else if (s.mode == Mode::Bool) {  // inferred: token index -> FALSE/TRUE
            for (size_t i = 0; i < s.b8.size(); ++i) out[i] = s.b8[i] == kMissingBool ? kMissingBool : (s.b8[i] < 4 ? 1 : 0);
          } else {
            std::fill_n(out, chunks_[k].rows, kMissingBool);
          }
          s = Slot{};
        });
        return Column::boolean(names_[j], std::move(v));
      }
      case ColumnType::Categorical: break;
    }
    // Levels in byte order, then each chunk's codes remapped.
    std::vector<std::string> levels;
    for (const auto& slots : slots_) levels.insert(levels.end(), slots[j].levels.begin(), slots[j].levels.end());
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    std::vector<int32_t> codes(n);
    parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
      Slot& s = slots_[k][j];
      int32_t* out = codes.data() + chunks_[k].row_offset;
      if (s.mode != Mode::Text) {
        std::fill_n(out, chunks_[k].rows, kMissingCode);
      } else {
        std::vector<int32_t> remap(s.levels.size());
        for (size_t i = 0; i < s.levels.size(); ++i) {
          remap[i] = static_cast<int32_t>(std::lower_bound(levels.begin(), levels.end(), s.levels[i]) - levels.begin());
        }
        for (size_t r = 0; r < chunks_[k].rows; ++r) out[r] = s.codes[r] == kMissingCode ? kMissingCode : remap[static_cast<size_t>(s.codes[r])];
      }
      s = Slot{};
    });
    return Column::categorical(names_[j], std::move(codes), std::move(levels));
  }

  std::string_view text_;
  const CsvReadOptions& opt_;
  std::string source_;
  char delim_ = ',';
  std::vector<std::string> names_;
  std::vector<std::optional<ColumnType>> forced_;
  std::vector<ColumnType> types_;
  std::vector<Chunk> chunks_;
  std::vector<std::vector<Slot>> slots_;  // [chunk][column]
  uint64_t na_lengths_ = 0;  // bit L set: some NA token has length L
  bool na_long_ = false;     // some NA token is 64 bytes or longer
  const char* end_ = nullptr;
  size_t total_rows_ = 0;
};

}  // namespace

Table parse_csv(std::string_view text, const CsvReadOptions& options, const std::string& source) {
  return CsvParser(text, options, source).parse();
}

Table read_csv(const std::string& path, const CsvReadOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw InputError(path + ": no such file; check the path");
  if (std::filesystem::is_directory(path, ec)) throw InputError(path + ": is a directory, not a CSV file");
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw InputError(path + ": cannot open the file for reading (permissions?)");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw InputError(path + ": cannot read the file's size");
  }
  const auto size = static_cast<size_t>(st.st_size);
  // Mapped, not copied: the parser reads the page cache directly.
  void* map = size == 0 ? nullptr : ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw InputError(path + ": cannot map the file into memory");
  struct Unmap {
    void* p;
    size_t n;
    ~Unmap() {
      if (p != nullptr) ::munmap(p, n);
    }
  } unmap{map, size};
  Table t = parse_csv(std::string_view(static_cast<const char*>(map), size), options, path);
  t.set_name(std::filesystem::path(path).stem().string());
  return t;
}

}  // namespace impactsim
