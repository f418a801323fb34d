// A columnar table: named, typed columns of equal length, plus string
// metadata (schema version, creator, seed, ...) that travels with it to HDF5.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/column.hpp"

namespace impactsim {

class Table {
 public:
  Table() = default;
  explicit Table(std::string name) : name_(std::move(name)) {}

  // Table name: the HDF5 group it is stored in ("patients", "yearly").
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  size_t num_rows() const { return num_rows_; }
  size_t num_columns() const { return columns_.size(); }

  // Adds a column; its name must be new and its length equal num_rows() (the
  // first column sets the length).
  void add_column(Column column);

  bool has_column(std::string_view name) const { return index_.count(std::string(name)) > 0; }
  // Column by name; throws InputError listing the closest names if absent.
  const Column& column(std::string_view name) const;
  Column& column(std::string_view name);
  const Column& column(size_t i) const { return columns_[i]; }
  Column& column(size_t i) { return columns_[i]; }
  std::span<const Column> columns() const { return columns_; }
  std::vector<std::string> column_names() const;

  // The named columns, in the given order.
  Table select(const std::vector<std::string>& names) const;
  // The rows at `rows`, in that order.
  Table gather(std::span<const size_t> rows) const;
  // The rows where keep[i] != 0.
  Table filter(std::span<const uint8_t> keep) const;
  // Appends `other`'s rows: same column names (any order) and types.
  void append(const Table& other);
  // a's rows then b's rows.
  static Table concat(const Table& a, const Table& b);

  std::map<std::string, std::string>& metadata() { return metadata_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  friend bool operator==(const Table& a, const Table& b);

 private:
  std::string name_;
  size_t num_rows_ = 0;
  std::vector<Column> columns_;
  std::unordered_map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace impactsim
