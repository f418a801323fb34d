// CSV tokenising: fields as they stand in the bytes (RFC 4180 quoting,
// doubled quotes, CRLF), with their physical line and byte column for
// messages. Internal to the CSV reader (engine/csv.hpp is the public API).
#pragma once

#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace impactsim::csv {

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

[[noreturn]] inline void fail(size_t line, size_t column, std::string message) {
  throw CsvFailure(ParseFailure{line, column, std::move(message)});
}

inline std::string quote_text(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  out += s.size() > kMax ? std::string(s.substr(0, kMax)) + "..." : std::string(s);
  out += "\"";
  return out;
}

inline std::string unescape(const Field& f) {
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

}  // namespace impactsim::csv
