// CSV reading and writing.
//
// Reading follows RFC 4180 (header row; fields quoted with '"' may hold the
// delimiter, newlines and doubled quotes) with what French claims exports need:
// ';' delimiter and decimal comma. Column types are inferred as R's
// read.csv/type.convert does: TRUE/FALSE/T/F/true/false -> bool, integers ->
// int64 (int64 overflow -> float64), other numbers -> float64, anything else ->
// categorical (levels in byte order, as R in the C locale); a column with no
// value at all is bool. A column's type can be forced (`column_types`).
// Files are parsed in parallel over fixed-size chunks of bytes, so the result
// does not depend on the thread count.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/table.hpp"

namespace impactsim {

struct CsvReadOptions {
  // Field delimiter; 0 detects it from the header line: the most frequent of
  // ',', ';' and tab outside quotes (',' is not a candidate with decimal ',').
  char delimiter = 0;
  // Decimal mark of numbers: '.' or ',' (French exports).
  char decimal = '.';
  // Fields equal to one of these (before trimming, quoted or not, as R) are
  // missing; a categorical level spelled like a token therefore reads back
  // as missing.
  std::vector<std::string> na_tokens = {"", "NA", "."};
  // Forced types by column name; other columns are inferred.
  std::map<std::string, ColumnType> column_types;
  // Bytes per parallel parsing chunk. Fixed, not derived from the thread
  // count, so results never depend on it.
  size_t chunk_bytes = size_t{1} << 20;
};

// Reads a CSV file into a table named after the file's stem. Throws
// InputError naming file:line:column and the offending text on bad input.
Table read_csv(const std::string& path, const CsvReadOptions& options = {});
// Parses CSV text; `source` names it in error messages.
Table parse_csv(std::string_view text, const CsvReadOptions& options = {}, const std::string& source = "<text>");

struct CsvWriteOptions {
  char delimiter = ',';
  char decimal = '.';       // ',' writes 12,5 (then delimiter must not be ',')
  std::string na = "NA";    // text for missing values
  bool header = true;       // false appends rows to a stream already holding the header
};

// Writes the table with a header row. Numbers are written in the shortest form
// that reads back to the same double, so CSV -> table -> CSV is lossless. The
// file is written to a temporary name and renamed into place when complete.
void write_csv(const Table& table, const std::string& path, const CsvWriteOptions& options = {});
void write_csv(const Table& table, std::ostream& out, const CsvWriteOptions& options = {});

}  // namespace impactsim
