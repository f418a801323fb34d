#include <fstream>
#include <ostream>

#include "engine/atomic_file.hpp"
#include "engine/csv.hpp"
#include "engine/error.hpp"

namespace impactsim {
namespace {

bool needs_quotes(std::string_view s, char delim) {
  for (char c : s) {
    if (c == delim || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

void write_field(std::ostream& out, std::string_view s, char delim) {
  if (!needs_quotes(s, delim)) {
    out << s;
    return;
  }
  out << '"';
  for (char c : s) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

}  // namespace

void write_csv(const Table& table, std::ostream& out, const CsvWriteOptions& options) {
  if (options.decimal == options.delimiter) {
    throw InputError("CSV output: delimiter and decimal mark are both '" + std::string(1, options.delimiter) +
                     "'; use ';' as delimiter with decimal ','");
  }
  const auto cols = table.columns();
  if (options.header) {
    for (size_t j = 0; j < cols.size(); ++j) {
      if (j > 0) out << options.delimiter;
      write_field(out, cols[j].name(), options.delimiter);
    }
    out << '\n';
  }
  std::string value;
  for (size_t i = 0; i < table.num_rows(); ++i) {
    for (size_t j = 0; j < cols.size(); ++j) {
      if (j > 0) out << options.delimiter;
      value = cols[j].format_value(i, options.na);
      if (options.decimal != '.' && cols[j].type() == ColumnType::Float64) {
        for (char& c : value) {
          if (c == '.') c = options.decimal;
        }
      }
      write_field(out, value, options.delimiter);
    }
    out << '\n';
  }
}

void write_csv(const Table& table, const std::string& path, const CsvWriteOptions& options) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    if (!out) throw InputError(path + ": cannot create the file (directory writable?)");
    write_csv(table, out, options);
    out.flush();
    if (!out) throw InputError(path + ": write failed (disk full?)");
  }
  file.commit();
}

}  // namespace impactsim
