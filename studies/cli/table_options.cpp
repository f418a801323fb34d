#include "studies/cli/table_options.hpp"

#include "engine/error.hpp"

namespace impactsim::cli {
namespace {

char delimiter_char(const std::string& text, const char* flag) {
  if (text == "tab" || text == "\\t" || text == "\t") return '\t';
  if (text == "," || text == ";" || text == "|") return text[0];
  throw InputError(std::string(flag) + " \"" + text + "\": use ',', ';', '|' or tab");
}

char decimal_char(const std::string& text, const char* flag) {
  if (text == "." || text == ",") return text[0];
  throw InputError(std::string(flag) + " \"" + text + "\": use '.' or ','");
}

}  // namespace

std::map<std::string, std::string> parse_assignments(const std::vector<std::string>& specs, const std::string& flag,
                                                     const std::string& example) {
  std::map<std::string, std::string> out;
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw InputError(flag + " \"" + spec + "\": write " + example.substr(0, example.find(' ')) + ", e.g. " + flag + " " +
                       example.substr(example.find(' ') + 1));
    }
    out[spec.substr(0, eq)] = spec.substr(eq + 1);
  }
  return out;
}

void TableInputFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--delimiter", delimiter, "CSV field delimiter: ',', ';', '|' or tab (default: detected from the header)");
  cmd.add_option("--decimal", decimal, "CSV decimal mark: '.' or ',' (French exports)")->capture_default_str();
  cmd.add_option("--na", na_tokens, "CSV text meaning missing, repeatable (default: empty, NA and .)");
  cmd.add_option("--type", types, "force a CSV column's type, COLUMN=float64|int64|bool|categorical, repeatable");
  cmd.add_option("--table", table, "HDF5 table (group) to read (default: the only one)");
}

TableReadOptions TableInputFlags::options() const {
  TableReadOptions o;
  if (!delimiter.empty()) o.csv.delimiter = delimiter_char(delimiter, "--delimiter");
  o.csv.decimal = decimal_char(decimal, "--decimal");
  if (!na_tokens.empty()) o.csv.na_tokens = na_tokens;
  for (const auto& [name, type_name] : parse_assignments(types, "--type", "COLUMN=TYPE dept=categorical")) {
    const auto type = parse_column_type(type_name);
    if (!type) {
      throw InputError("--type \"" + name + "=" + type_name + "\": unknown type \"" + type_name +
                       "\"; use float64, int64, bool or categorical");
    }
    o.csv.column_types[name] = *type;
  }
  o.table = table;
  return o;
}

void TableOutputFlags::add_to(CLI::App& cmd) {
  cmd.add_option("--out-delimiter", delimiter, "CSV output delimiter")->capture_default_str();
  cmd.add_option("--out-decimal", decimal, "CSV output decimal mark")->capture_default_str();
  cmd.add_option("--out-na", na, "CSV output text for missing values")->capture_default_str();
  cmd.add_option("--compression", compression, "HDF5 compression: deflate or none")->capture_default_str();
  cmd.add_option("--level", level, "HDF5 deflate level, 1..9")->capture_default_str();
  cmd.add_option("--chunk-rows", chunk_rows, "HDF5 rows per chunk")->capture_default_str();
}

TableWriteOptions TableOutputFlags::options() const {
  TableWriteOptions o;
  o.csv.delimiter = delimiter_char(delimiter, "--out-delimiter");
  o.csv.decimal = decimal_char(decimal, "--out-decimal");
  o.csv.na = na;
  if (compression == "deflate") {
    o.hdf5.compression = Compression::Deflate;
  } else if (compression == "none") {
    o.hdf5.compression = Compression::None;
  } else {
    throw InputError("--compression \"" + compression + "\": use deflate or none");
  }
  if (level < 1 || level > 9) throw InputError("--level " + std::to_string(level) + ": use 1..9");
  if (chunk_rows == 0) throw InputError("--chunk-rows must be positive");
  o.hdf5.deflate_level = level;
  o.hdf5.chunk_rows = chunk_rows;
  return o;
}

}  // namespace impactsim::cli
