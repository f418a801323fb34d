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

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
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
      : p_(begin), stop_(stop), end_(end), delim_(delim), line_(first_line), line_start_(begin) {}

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
    while (p_ < end_) {
      const char c = *p_;
      if (c == delim_ || c == '\n') break;
      if (c == '"') {
        fail(line_, static_cast<size_t>(p_ - line_start_) + 1,
             "quote inside an unquoted field; quote the whole field and double the inner quotes (\"\")");
      }
      ++p_;
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
};

// ---- value recognition -------------------------------------------------------

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// R's logical tokens (type.convert).
std::optional<bool> parse_bool_token(std::string_view s) {
  if (s == "TRUE" || s == "true" || s == "True" || s == "T") return true;
  if (s == "FALSE" || s == "false" || s == "False" || s == "F") return false;
  return std::nullopt;
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
  size_t row_offset = 0;
  std::optional<ParseFailure> failure;
};

class CsvParser {
 public:
  CsvParser(std::string_view text, const CsvReadOptions& options, std::string source)
      : text_(text), opt_(options), source_(std::move(source)) {}

  Table parse() {
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
    infer_types();
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
      quotes[k] = static_cast<size_t>(std::count(a, b, '"'));
      newlines[k] = static_cast<size_t>(std::count(a, b, '\n'));
    });
    chunks_.assign(n, Chunk{});
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
    for (const auto& t : opt_.na_tokens) {
      if (f.text == t) return true;
    }
    return false;
  }

  // Step 1: row counts and column types.
  void infer_types() {
    const size_t ncol = names_.size();
    std::vector<std::vector<uint8_t>> seen(chunks_.size(), std::vector<uint8_t>(ncol, 0));
    parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
      auto& s = seen[k];
      try {
        tokenize_chunk(chunks_[k], [&](size_t, size_t col, const Field& f) {
          if (s[col] & kSeenText) return;  // already text: nothing more to learn
          if (forced_[col]) return;
          if (is_na(f)) return;
          if (f.escaped) {
            s[col] |= kSeenText;
            return;
          }
          const std::string_view v = trim(f.text);
          if (parse_bool_token(v)) {
            s[col] |= kSeenBool;
            return;
          }
          int64_t i;
          switch (parse_int(v, i)) {
            case IntParse::Ok: s[col] |= kSeenInt; return;
            case IntParse::Overflow: s[col] |= kSeenFloat; return;
            case IntParse::NotInteger: break;
          }
          double d;
          s[col] |= parse_double(v, opt_.decimal, d) ? kSeenFloat : kSeenText;
        });
      } catch (const CsvFailure& e) {
        chunks_[k].failure = e.failure;
      }
    });
    report_first_failure();
    types_.assign(ncol, ColumnType::Bool);
    for (size_t j = 0; j < ncol; ++j) {
      uint8_t all = 0;
      for (const auto& s : seen) all |= s[j];
      types_[j] = forced_[j] ? *forced_[j] : resolve_type(all);
    }
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

  std::string value_error(size_t col, const Field& f, std::string_view what) const {
    return "column \"" + names_[col] + "\": cannot read " + quote_text(f.text) + " as " + std::string(what);
  }

  // Step 2: values.
  Table build_table() {
    const size_t ncol = names_.size();
    std::vector<Column> cols;
    cols.reserve(ncol);
    for (size_t j = 0; j < ncol; ++j) {
      switch (types_[j]) {
        case ColumnType::Float64: cols.push_back(Column::float64(names_[j], std::vector<double>(total_rows_))); break;
        case ColumnType::Int64: cols.push_back(Column::int64(names_[j], std::vector<int64_t>(total_rows_))); break;
        case ColumnType::Bool: cols.push_back(Column::boolean(names_[j], std::vector<uint8_t>(total_rows_))); break;
        case ColumnType::Categorical:
          cols.push_back(Column::categorical(names_[j], std::vector<int32_t>(total_rows_, kMissingCode), {}));
          break;
      }
    }
    // Raw pointers per column, so the hot loop does no variant dispatch.
    std::vector<double*> f64(ncol, nullptr);
    std::vector<int64_t*> i64(ncol, nullptr);
    std::vector<uint8_t*> b8(ncol, nullptr);
    std::vector<int32_t*> codes(ncol, nullptr);
    for (size_t j = 0; j < ncol; ++j) {
      switch (types_[j]) {
        case ColumnType::Float64: f64[j] = cols[j].f64().data(); break;
        case ColumnType::Int64: i64[j] = cols[j].i64().data(); break;
        case ColumnType::Bool: b8[j] = cols[j].b8().data(); break;
        case ColumnType::Categorical: codes[j] = cols[j].codes().data(); break;
      }
    }
    // Per chunk and categorical column: local level dictionary.
    std::vector<std::vector<LevelIndex>> local(chunks_.size(), std::vector<LevelIndex>(ncol));
    std::vector<std::vector<std::vector<std::string>>> local_levels(chunks_.size(),
                                                                    std::vector<std::vector<std::string>>(ncol));
    parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
      Chunk& c = chunks_[k];
      try {
        tokenize_chunk(c, [&](size_t r, size_t col, const Field& f) {
          const size_t row = c.row_offset + r;
          const bool na = is_na(f);
          switch (types_[col]) {
            case ColumnType::Float64: {
              if (na) {
                f64[col][row] = kMissingFloat64;
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
              if (!std::isfinite(d)) {
                fail(f.line, f.column,
                     value_error(col, f, "a finite number") + "; non-finite values are not allowed, add the token to --na if it means missing");
              }
              f64[col][row] = d;
              return;
            }
            case ColumnType::Int64: {
              if (na) {
                i64[col][row] = kMissingInt64;
                return;
              }
              int64_t v;
              const auto status = parse_int(trim(f.text), v);
              if (status != IntParse::Ok || v == kMissingInt64) {
                fail(f.line, f.column,
                     value_error(col, f, "a 64-bit integer") + "; read the column as float64 or categorical instead");
              }
              i64[col][row] = v;
              return;
            }
            case ColumnType::Bool: {
              if (na) {
                b8[col][row] = kMissingBool;
                return;
              }
              const std::string_view v = trim(f.text);
              auto b = parse_bool_token(v);
              if (!b && (v == "0" || v == "1")) b = (v == "1");
              if (!b) fail(f.line, f.column, value_error(col, f, "TRUE/FALSE") + "; read the column as categorical instead");
              b8[col][row] = *b ? 1 : 0;
              return;
            }
            case ColumnType::Categorical: {
              if (na) return;  // codes start as missing
              auto& dict = local[k][col];
              int32_t code;
              if (!f.escaped) {
                auto it = dict.find(f.text);
                if (it != dict.end()) {
                  code = it->second;
                } else {
                  code = static_cast<int32_t>(local_levels[k][col].size());
                  dict.emplace(std::string(f.text), code);
                  local_levels[k][col].emplace_back(f.text);
                }
              } else {
                std::string s = unescape(f);
                auto [it, inserted] = dict.emplace(s, static_cast<int32_t>(local_levels[k][col].size()));
                if (inserted) local_levels[k][col].push_back(std::move(s));
                code = it->second;
              }
              codes[col][row] = code;
              return;
            }
          }
        });
      } catch (const CsvFailure& e) {
        c.failure = e.failure;
      }
    });
    report_first_failure();

    // Merge categorical levels: sorted byte order, then remap chunk codes.
    for (size_t j = 0; j < ncol; ++j) {
      if (types_[j] != ColumnType::Categorical) continue;
      std::vector<std::string> levels;
      for (size_t k = 0; k < chunks_.size(); ++k) {
        levels.insert(levels.end(), local_levels[k][j].begin(), local_levels[k][j].end());
      }
      std::sort(levels.begin(), levels.end());
      levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
      parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
        const auto& mine = local_levels[k][j];
        std::vector<int32_t> remap(mine.size());
        for (size_t i = 0; i < mine.size(); ++i) {
          remap[i] = static_cast<int32_t>(std::lower_bound(levels.begin(), levels.end(), mine[i]) - levels.begin());
        }
        int32_t* out = codes[j] + chunks_[k].row_offset;
        for (size_t r = 0; r < chunks_[k].rows; ++r) {
          if (out[r] != kMissingCode) out[r] = remap[static_cast<size_t>(out[r])];
        }
      });
      std::vector<int32_t> data(codes[j], codes[j] + total_rows_);
      cols[j] = Column::categorical(names_[j], std::move(data), std::move(levels));
    }
    Table table;
    for (auto& c : cols) table.add_column(std::move(c));
    return table;
  }

  std::string_view text_;
  const CsvReadOptions& opt_;
  std::string source_;
  char delim_ = ',';
  std::vector<std::string> names_;
  std::vector<std::optional<ColumnType>> forced_;
  std::vector<ColumnType> types_;
  std::vector<Chunk> chunks_;
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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file for reading (permissions?)");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(in.tellg());
  in.seekg(0);
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (!in) throw InputError(path + ": read error");
  Table t = parse_csv(text, options, path);
  t.set_name(std::filesystem::path(path).stem().string());
  return t;
}

}  // namespace impactsim
