#include "engine/table.hpp"

#include "engine/error.hpp"

namespace impactsim {

void Table::add_column(Column column) {
  if (column.name().empty()) throw InputError("table \"" + name_ + "\": a column has an empty name");
  if (has_column(column.name())) {
    throw InputError("table \"" + name_ + "\": duplicate column name \"" + column.name() + "\"");
  }
  if (!columns_.empty() && column.size() != num_rows_) {
    throw InputError("table \"" + name_ + "\": column \"" + column.name() + "\" has " + std::to_string(column.size()) +
                     " rows, the table has " + std::to_string(num_rows_));
  }
  num_rows_ = column.size();
  index_.emplace(column.name(), columns_.size());
  columns_.push_back(std::move(column));
}

const Column& Table::column(std::string_view name) const {
  auto it = index_.find(std::string(name));
  if (it == index_.end()) {
    const std::string where = name_.empty() ? std::string("the data") : "table \"" + name_ + "\"";
    throw InputError("unknown column \"" + std::string(name) + "\" in " + where + suggest_names(name, column_names()));
  }
  return columns_[it->second];
}

Column& Table::column(std::string_view name) {
  return const_cast<Column&>(static_cast<const Table&>(*this).column(name));
}

std::vector<std::string> Table::column_names() const {
  std::vector<std::string> out;
  out.reserve(columns_.size());
  for (const auto& c : columns_) out.push_back(c.name());
  return out;
}

Table Table::select(const std::vector<std::string>& names) const {
  Table out(name_);
  out.metadata_ = metadata_;
  for (const auto& n : names) out.add_column(column(n));
  if (names.empty()) out.num_rows_ = num_rows_;
  return out;
}

Table Table::gather(std::span<const size_t> rows) const {
  Table out(name_);
  out.metadata_ = metadata_;
  for (const auto& c : columns_) out.add_column(c.gather(rows));
  out.num_rows_ = rows.size();
  return out;
}

Table Table::filter(std::span<const uint8_t> keep) const {
  if (keep.size() != num_rows_) throw InputError("table \"" + name_ + "\": row filter has the wrong length");
  std::vector<size_t> rows;
  for (size_t i = 0; i < keep.size(); ++i) {
    if (keep[i]) rows.push_back(i);
  }
  return gather(rows);
}

void Table::append(const Table& other) {
  if (other.num_columns() != num_columns()) {
    throw InputError("cannot append table \"" + other.name_ + "\" (" + std::to_string(other.num_columns()) +
                     " columns) to table \"" + name_ + "\" (" + std::to_string(num_columns()) + " columns)");
  }
  for (auto& c : columns_) c.append(other.column(c.name()));
  num_rows_ += other.num_rows_;
}

Table Table::concat(const Table& a, const Table& b) {
  Table out = a;
  out.append(b);
  return out;
}

bool operator==(const Table& a, const Table& b) {
  return a.num_rows_ == b.num_rows_ && a.columns_ == b.columns_;
}

}  // namespace impactsim
