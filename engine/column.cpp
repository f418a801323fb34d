#include "engine/column.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "engine/error.hpp"

namespace impactsim {

std::string_view to_string(ColumnType type) {
  switch (type) {
    case ColumnType::Float64: return "float64";
    case ColumnType::Int64: return "int64";
    case ColumnType::Bool: return "bool";
    case ColumnType::Categorical: return "categorical";
  }
  return "?";
}

std::optional<ColumnType> parse_column_type(std::string_view text) {
  if (text == "float64" || text == "double" || text == "float" || text == "numeric") return ColumnType::Float64;
  if (text == "int64" || text == "int" || text == "integer") return ColumnType::Int64;
  if (text == "bool" || text == "logical" || text == "boolean") return ColumnType::Bool;
  if (text == "categorical" || text == "factor" || text == "string") return ColumnType::Categorical;
  return std::nullopt;
}

Column::Column(std::string name, Storage data, std::vector<std::string> levels)
    : name_(std::move(name)), data_(std::move(data)), levels_(std::move(levels)) {}

Column Column::float64(std::string name, std::vector<double> values) {
  return Column(std::move(name), std::move(values));
}
Column Column::int64(std::string name, std::vector<int64_t> values) {
  return Column(std::move(name), std::move(values));
}
Column Column::boolean(std::string name, std::vector<uint8_t> values) {
  return Column(std::move(name), std::move(values));
}
Column Column::categorical(std::string name, std::vector<int32_t> codes, std::vector<std::string> levels) {
  const auto nlev = static_cast<int32_t>(levels.size());
  for (int32_t c : codes) {
    if (c != kMissingCode && (c < 0 || c >= nlev)) {
      throw InputError("column \"" + name + "\": category code " + std::to_string(c) + " outside its " +
                       std::to_string(nlev) + " levels");
    }
  }
  return Column(std::move(name), std::move(codes), std::move(levels));
}

ColumnType Column::type() const { return static_cast<ColumnType>(data_.index()); }

size_t Column::size() const {
  return std::visit([](const auto& v) { return v.size(); }, data_);
}

bool Column::is_missing(size_t row) const {
  switch (type()) {
    case ColumnType::Float64: return std::isnan(std::get<0>(data_)[row]);
    case ColumnType::Int64: return std::get<1>(data_)[row] == kMissingInt64;
    case ColumnType::Bool: return std::get<2>(data_)[row] == kMissingBool;
    case ColumnType::Categorical: return std::get<3>(data_)[row] == kMissingCode;
  }
  return false;
}

size_t Column::missing_count() const {
  switch (type()) {
    case ColumnType::Float64: {
      const auto& v = std::get<0>(data_);
      return static_cast<size_t>(std::count_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }));
    }
    case ColumnType::Int64: {
      const auto& v = std::get<1>(data_);
      return static_cast<size_t>(std::count(v.begin(), v.end(), kMissingInt64));
    }
    case ColumnType::Bool: {
      const auto& v = std::get<2>(data_);
      return static_cast<size_t>(std::count(v.begin(), v.end(), kMissingBool));
    }
    case ColumnType::Categorical: {
      const auto& v = std::get<3>(data_);
      return static_cast<size_t>(std::count(v.begin(), v.end(), kMissingCode));
    }
  }
  return 0;
}

void Column::require_type(ColumnType expected) const {
  if (type() != expected) {
    throw InputError("column \"" + name_ + "\" is " + std::string(to_string(type())) + ", not " +
                     std::string(to_string(expected)) + "; convert it in the source or override its type");
  }
}

std::span<const double> Column::f64() const { require_type(ColumnType::Float64); return std::get<0>(data_); }
std::span<double> Column::f64() { require_type(ColumnType::Float64); return std::get<0>(data_); }
std::span<const int64_t> Column::i64() const { require_type(ColumnType::Int64); return std::get<1>(data_); }
std::span<int64_t> Column::i64() { require_type(ColumnType::Int64); return std::get<1>(data_); }
std::span<const uint8_t> Column::b8() const { require_type(ColumnType::Bool); return std::get<2>(data_); }
std::span<uint8_t> Column::b8() { require_type(ColumnType::Bool); return std::get<2>(data_); }
std::span<const int32_t> Column::codes() const { require_type(ColumnType::Categorical); return std::get<3>(data_); }
std::span<int32_t> Column::codes() { require_type(ColumnType::Categorical); return std::get<3>(data_); }

double Column::numeric_value(size_t row) const {
  switch (type()) {
    case ColumnType::Float64: return std::get<0>(data_)[row];
    case ColumnType::Int64: {
      const int64_t v = std::get<1>(data_)[row];
      return v == kMissingInt64 ? kMissingFloat64 : static_cast<double>(v);
    }
    case ColumnType::Bool: {
      const uint8_t v = std::get<2>(data_)[row];
      return v == kMissingBool ? kMissingFloat64 : static_cast<double>(v);
    }
    case ColumnType::Categorical: break;
  }
  throw InputError("column \"" + name_ + "\" is categorical; a numeric value was expected");
}

std::string Column::format_value(size_t row, std::string_view na) const {
  if (is_missing(row)) return std::string(na);
  char buf[32];
  switch (type()) {
    case ColumnType::Float64: {
      // Shortest text that reads back to the same double: lossless round trip.
      auto r = std::to_chars(buf, buf + sizeof buf, std::get<0>(data_)[row]);
      return std::string(buf, r.ptr);
    }
    case ColumnType::Int64: {
      auto r = std::to_chars(buf, buf + sizeof buf, std::get<1>(data_)[row]);
      return std::string(buf, r.ptr);
    }
    case ColumnType::Bool: return std::get<2>(data_)[row] ? "TRUE" : "FALSE";
    case ColumnType::Categorical: return levels_[static_cast<size_t>(std::get<3>(data_)[row])];
  }
  return {};
}

Column Column::gather(std::span<const size_t> rows) const {
  return std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        V out(rows.size());
        for (size_t i = 0; i < rows.size(); ++i) out[i] = v[rows[i]];
        return Column(name_, Storage(std::move(out)), levels_);
      },
      data_);
}

void Column::append(const Column& other) {
  if (other.type() != type()) {
    throw InputError("cannot append column \"" + other.name_ + "\" of type " + std::string(to_string(other.type())) +
                     " to column \"" + name_ + "\" of type " + std::string(to_string(type())));
  }
  if (type() == ColumnType::Categorical) {
    std::unordered_map<std::string, int32_t> index;
    for (size_t i = 0; i < levels_.size(); ++i) index.emplace(levels_[i], static_cast<int32_t>(i));
    std::vector<int32_t> remap(other.levels_.size());
    for (size_t i = 0; i < other.levels_.size(); ++i) {
      auto [it, inserted] = index.emplace(other.levels_[i], static_cast<int32_t>(levels_.size()));
      if (inserted) levels_.push_back(other.levels_[i]);
      remap[i] = it->second;
    }
    auto& mine = std::get<3>(data_);
    for (int32_t c : std::get<3>(other.data_)) mine.push_back(c == kMissingCode ? kMissingCode : remap[static_cast<size_t>(c)]);
    return;
  }
  std::visit(
      [&](auto& v) {
        using V = std::decay_t<decltype(v)>;
        const auto& o = std::get<V>(other.data_);
        v.insert(v.end(), o.begin(), o.end());
      },
      data_);
}

bool operator==(const Column& a, const Column& b) {
  if (a.name_ != b.name_ || a.type() != b.type() || a.size() != b.size()) return false;
  if (a.type() == ColumnType::Float64) {
    // NaN (missing) compares equal to NaN here.
    const auto& x = std::get<0>(a.data_);
    const auto& y = std::get<0>(b.data_);
    for (size_t i = 0; i < x.size(); ++i) {
      if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
    }
    return true;
  }
  if (a.type() == ColumnType::Categorical) {
    // Same values, whatever the level coding.
    const auto& x = std::get<3>(a.data_);
    const auto& y = std::get<3>(b.data_);
    for (size_t i = 0; i < x.size(); ++i) {
      if ((x[i] == kMissingCode) != (y[i] == kMissingCode)) return false;
      if (x[i] != kMissingCode && a.levels_[static_cast<size_t>(x[i])] != b.levels_[static_cast<size_t>(y[i])]) return false;
    }
    return true;
  }
  return a.data_ == b.data_;
}

}  // namespace impactsim
