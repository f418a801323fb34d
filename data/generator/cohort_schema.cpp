#include "data/generator/cohort_schema.hpp"

#include <stdexcept>

namespace impactsim::generator {

size_t TableSchema::index(const std::string& column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return i;
  }
  throw std::out_of_range("table " + name + " has no column " + column);
}

Table TableSchema::empty_table() const {
  Table t(name);
  for (const auto& c : columns) {
    switch (c.type) {
      case ColumnType::Float64: t.add_column(Column::float64(c.name, {})); break;
      case ColumnType::Int64: t.add_column(Column::int64(c.name, {})); break;
      case ColumnType::Bool: t.add_column(Column::boolean(c.name, {})); break;
      case ColumnType::Categorical: t.add_column(Column::categorical(c.name, {}, c.levels)); break;
    }
  }
  return t;
}

std::map<std::string, int> TableSchema::storage_bits() const {
  std::map<std::string, int> bits;
  for (const auto& c : columns) {
    if (c.type == ColumnType::Int64) bits[c.name] = c.storage_bits;
  }
  return bits;
}

std::vector<ColumnSpec> yearly_key_columns() {
  return {
      {"id", ColumnType::Int64, {}, 32, "patient identifier"},
      {"year", ColumnType::Int64, {}, 8, "year after the index year (1..H)"},
      {"exposure", ColumnType::Float64, {}, 64, "person-years observed in the year (below 1 in the year of death)"},
      {"death", ColumnType::Bool, {}, 64, "died during the year (the patient's last row)"},
  };
}

std::vector<ColumnSpec> spending_columns(bool baseline_year) {
  const std::string when = baseline_year ? " in year -1" : "";
  return {
      {"spend_ambulatory", ColumnType::Int64, {}, 32, "ambulatory spending reimbursed" + when + " (euros)"},
      {"spend_hospital", ColumnType::Int64, {}, 32, "hospital spending reimbursed" + when + " (euros)"},
      {"spend_drugs", ColumnType::Int64, {}, 32, "drug spending reimbursed" + when + " (euros)"},
      {"spend_total", ColumnType::Int64, {}, 32, "total spending reimbursed" + when + " (euros)"},
  };
}

ColumnSpec death_year_column() {
  return {"death_year", ColumnType::Int64, {}, 8, "year of death (1..H); missing if alive at the end of year H"};
}

ColumnSpec engagement_column() {
  return {"engagement", ColumnType::Float64, {}, 64,
          "unobserved engagement trait (only with --engagement; not for adjustment)"};
}

BlockBuilder::BlockBuilder(const TableSchema& schema)
    : schema_(schema),
      f64_(schema.columns.size()),
      i64_(schema.columns.size()),
      b8_(schema.columns.size()),
      codes_(schema.columns.size()) {}

void BlockBuilder::reserve(size_t rows) {
  for (size_t j = 0; j < schema_.columns.size(); ++j) {
    switch (schema_.columns[j].type) {
      case ColumnType::Float64: f64_[j].reserve(rows); break;
      case ColumnType::Int64: i64_[j].reserve(rows); break;
      case ColumnType::Bool: b8_[j].reserve(rows); break;
      case ColumnType::Categorical: codes_[j].reserve(rows); break;
    }
  }
}

void BlockBuilder::add_row() {
  for (size_t j = 0; j < schema_.columns.size(); ++j) {
    switch (schema_.columns[j].type) {
      case ColumnType::Float64: f64_[j].push_back(kMissingFloat64); break;
      case ColumnType::Int64: i64_[j].push_back(kMissingInt64); break;
      case ColumnType::Bool: b8_[j].push_back(kMissingBool); break;
      case ColumnType::Categorical: codes_[j].push_back(kMissingCode); break;
    }
  }
  ++rows_;
}

Table BlockBuilder::finish() {
  Table t(schema_.name);
  for (size_t j = 0; j < schema_.columns.size(); ++j) {
    const ColumnSpec& c = schema_.columns[j];
    switch (c.type) {
      case ColumnType::Float64: t.add_column(Column::float64(c.name, std::move(f64_[j]))); break;
      case ColumnType::Int64: t.add_column(Column::int64(c.name, std::move(i64_[j]))); break;
      case ColumnType::Bool: t.add_column(Column::boolean(c.name, std::move(b8_[j]))); break;
      case ColumnType::Categorical: t.add_column(Column::categorical(c.name, std::move(codes_[j]), c.levels)); break;
    }
    f64_[j] = {};
    i64_[j] = {};
    b8_[j] = {};
    codes_[j] = {};
  }
  rows_ = 0;
  return t;
}

}  // namespace impactsim::generator
