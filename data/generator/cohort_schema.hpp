// Columns of a generated table, and a builder that fills them row by row.
//
// A programme model declares its tables once (name, type, levels, on-disk
// width, meaning); the same declaration types the in-memory block, narrows
// the HDF5 storage and is checked against data/SCHEMA.md by a test.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/table.hpp"

namespace impactsim::generator {

struct ColumnSpec {
  std::string name;
  ColumnType type;
  std::vector<std::string> levels;  // categorical only
  int storage_bits = 64;            // int64 only: 8, 16, 32 or 64 bits on disk
  std::string meaning;              // one line for the data dictionary
};

struct TableSchema {
  std::string name;
  std::vector<ColumnSpec> columns;

  // Index of a column; throws std::out_of_range for an unknown name.
  size_t index(const std::string& column) const;
  // A table with these columns and no rows.
  Table empty_table() const;
  // Storage widths of the int64 columns, as Hdf5Writer::add_table takes them.
  std::map<std::string, int> storage_bits() const;
};

// Columns every programme shares, with the same names and meanings.
// The yearly table's first four: id, year, exposure, death.
std::vector<ColumnSpec> yearly_key_columns();
// Spending by kind and in total, of year -1 (patients table) or of the year.
std::vector<ColumnSpec> spending_columns(bool baseline_year);
ColumnSpec death_year_column();
ColumnSpec engagement_column();

// Fills a block of rows column by column. add_row() appends a row of missing
// values; set_*() writes a cell of the last row.
class BlockBuilder {
 public:
  explicit BlockBuilder(const TableSchema& schema);
  void reserve(size_t rows);
  void add_row();
  size_t num_rows() const { return rows_; }
  void set(size_t column, double value) { f64_[column].back() = value; }
  void set_int(size_t column, int64_t value) { i64_[column].back() = value; }
  void set_bool(size_t column, bool value) { b8_[column].back() = value ? 1 : 0; }
  void set_code(size_t column, int32_t code) { codes_[column].back() = code; }
  // The block as a table; the builder is left empty.
  Table finish();

 private:
  const TableSchema& schema_;
  size_t rows_ = 0;
  std::vector<std::vector<double>> f64_;
  std::vector<std::vector<int64_t>> i64_;
  std::vector<std::vector<uint8_t>> b8_;
  std::vector<std::vector<int32_t>> codes_;
};

}  // namespace impactsim::generator
