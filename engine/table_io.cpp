#include "engine/table_io.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "engine/error.hpp"

namespace impactsim {

TableFormat table_format(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".csv" || ext == ".tsv" || ext == ".txt") return TableFormat::Csv;
  if (ext == ".h5" || ext == ".hdf5") return TableFormat::Hdf5;
  throw InputError(path + ": unknown file type \"" + ext + "\"; use .csv (or .tsv, .txt) or .h5 (or .hdf5)");
}

Table read_table(const std::string& path, const TableReadOptions& options) {
  if (table_format(path) == TableFormat::Csv) {
    Table t = read_csv(path, options.csv);
    return options.columns.empty() ? t : t.select(options.columns);
  }
  return read_hdf5(path, options.table, options.columns);
}

void write_table(const Table& table, const std::string& path, const TableWriteOptions& options) {
  if (table_format(path) == TableFormat::Csv) {
    write_csv(table, path, options.csv);
  } else {
    write_hdf5(path, table, options.hdf5);
  }
}

}  // namespace impactsim
