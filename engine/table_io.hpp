// Reading and writing tables by file name: .csv/.tsv/.txt are CSV, .h5/.hdf5
// are HDF5. The command-line program and the study runner go through here.
#pragma once

#include <string>
#include <vector>

#include "engine/csv.hpp"
#include "engine/hdf5_table.hpp"

namespace impactsim {

enum class TableFormat { Csv, Hdf5 };

// The format a path's extension names; throws InputError for others.
TableFormat table_format(const std::string& path);

struct TableReadOptions {
  CsvReadOptions csv;
  std::string table;                 // HDF5 table (group); empty = the only one
  std::vector<std::string> columns;  // HDF5: read only these; empty = all
};

struct TableWriteOptions {
  CsvWriteOptions csv;
  Hdf5WriteOptions hdf5;
};

Table read_table(const std::string& path, const TableReadOptions& options = {});
void write_table(const Table& table, const std::string& path, const TableWriteOptions& options = {});

}  // namespace impactsim
