// CSV reader: three steps, the heavy ones parallel over chunks of bytes, one
// folder-level file per step (engine/csv/):
//
//   0. chunks.hpp: cut the body into fixed-size byte chunks; count quotes and
//      newlines in each (parallel), so that each chunk finds the first record
//      that starts in it, and its line number, without reading the others.
//   1. column_slot.hpp: tokenise each chunk once (tokenizer.hpp) and store
//      every field in its chunk's column slot as the column looks so far
//      (parallel): speculative inference along R's type lattice (values.hpp),
//      or strict parsing for a forced type.
//   2. here and assemble.hpp: settle each column's type over the chunks,
//      re-read as text only the chunks of a column that turned out to be text
//      and stored it otherwise, then assemble the columns (parallel):
//      categorical levels merged in byte order and the codes remapped.
// Errors are kept per chunk (the first one met) and the one from the earliest
// chunk is reported, so messages do not depend on the thread count.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>
#include <unordered_map>

#include "engine/csv.hpp"
#include "engine/csv/assemble.hpp"
#include "engine/csv/chunks.hpp"
#include "engine/csv/column_slot.hpp"
#include "engine/csv/tokenizer.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace impactsim {
namespace {

using namespace csv;

class CsvParser {
 public:
  CsvParser(std::string_view text, const CsvReadOptions& options, std::string source)
      : text_(text), opt_(options), source_(std::move(source)), na_(options.na_tokens) {}

  Table parse() {
    if (opt_.decimal != '.' && opt_.decimal != ',') {
      throw InputError(source_ + ": decimal mark must be '.' or ',', not '" + std::string(1, opt_.decimal) + "'");
    }
    const char* begin = text_.data();
    const char* end = begin + text_.size();
    if (text_.size() >= 3 && std::memcmp(begin, "\xEF\xBB\xBF", 3) == 0) begin += 3;  // UTF-8 byte-order mark
    if (begin == end) throw InputError(source_ + ": the file is empty; a header row is expected");
    delim_ = opt_.delimiter != 0 ? opt_.delimiter : detect_delimiter(begin, end, opt_.decimal);
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
    chunks_ = plan_chunks(body, end, body_line, opt_.chunk_bytes);
    end_ = end;
    parse_chunks();
    return build_table();
  }

 private:
  [[noreturn]] void throw_failure(const ParseFailure& f) const {
    throw InputError(source_ + ":" + std::to_string(f.line) + ":" + std::to_string(f.column) + ": " + f.message);
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

  void parse_chunks() {
    const size_t ncol = names_.size();
    slots_.assign(chunks_.size(), std::vector<Slot>(ncol));
    parallel_for_blocks(chunks_.size(), 1, [&](size_t k, size_t, size_t) {
      auto& slots = slots_[k];
      for (size_t j = 0; j < ncol; ++j) {
        slots[j].capacity = chunks_[k].expected_rows;
        if (forced_[j]) SlotWriter::begin_mode(slots[j], SlotWriter::mode_of(*forced_[j]));
      }
      const SlotWriter writer(na_, opt_.decimal, names_, forced_);
      try {
        tokenize_chunk(chunks_[k], [&](size_t, size_t col, const Field& f) {
          if (forced_[col]) writer.store_forced(slots[col], col, f);
          else writer.infer_and_store(slots[col], f);
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
                                     SlotWriter(na_, opt_.decimal, names_, forced_).non_finite_message(j, field_text_at(*s.non_finite))});
        }
      }
    }
    reread_text_columns();

    // Columns in parallel: allocating and filling a column is memory-bound
    // work (the per-chunk loops inside run on the calling thread then).
    std::vector<Column> cols(ncol);
    parallel_for_blocks(ncol, 1, [&](size_t j, size_t, size_t) {
      cols[j] = assemble_column(names_[j], types_[j], forced_[j].has_value(), chunks_, slots_, j);
    });
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
        if (na_.match(f)) slots_[k][col].codes.push_back(kMissingCode);
        else SlotWriter::push_text(slots_[k][col], f);
      });
    });
  }

  std::string_view text_;
  const CsvReadOptions& opt_;
  std::string source_;
  NaTokens na_;
  char delim_ = ',';
  std::vector<std::string> names_;
  std::vector<std::optional<ColumnType>> forced_;
  std::vector<ColumnType> types_;
  std::vector<Chunk> chunks_;
  std::vector<std::vector<Slot>> slots_;  // [chunk][column]
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
