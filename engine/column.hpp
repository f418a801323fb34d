// A named, typed column of a Table.
//
// Four types, each with an explicit missing value (as R's NA):
//   float64      double           missing = NaN (finite values only otherwise)
//   int64        int64_t          missing = INT64_MIN (as R's NA_integer_)
//   bool         uint8_t 0/1      missing = 255
//   categorical  int32_t codes    missing = -1, codes index levels()
// Values are never converted between types: asking a column for the wrong
// type throws an InputError naming the column and both types.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace impactsim {

enum class ColumnType : uint8_t { Float64, Int64, Bool, Categorical };

std::string_view to_string(ColumnType type);
// Accepts "float64", "int64", "bool", "categorical" (and the aliases
// "double", "float", "int", "integer", "logical", "factor", "string").
std::optional<ColumnType> parse_column_type(std::string_view text);

inline constexpr int64_t kMissingInt64 = std::numeric_limits<int64_t>::min();
inline constexpr uint8_t kMissingBool = 255;
inline constexpr int32_t kMissingCode = -1;
inline constexpr double kMissingFloat64 = std::numeric_limits<double>::quiet_NaN();

class Column {
 public:
  Column() = default;
  static Column float64(std::string name, std::vector<double> values);
  static Column int64(std::string name, std::vector<int64_t> values);
  static Column boolean(std::string name, std::vector<uint8_t> values);
  static Column categorical(std::string name, std::vector<int32_t> codes, std::vector<std::string> levels);

  const std::string& name() const { return name_; }
  void rename(std::string name) { name_ = std::move(name); }
  ColumnType type() const;
  size_t size() const;
  bool is_numeric() const { return type() == ColumnType::Float64 || type() == ColumnType::Int64; }

  bool is_missing(size_t row) const;
  size_t missing_count() const;

  // Typed views; throw InputError when the column has another type.
  std::span<const double> f64() const;
  std::span<double> f64();
  std::span<const int64_t> i64() const;
  std::span<int64_t> i64();
  std::span<const uint8_t> b8() const;
  std::span<uint8_t> b8();
  std::span<const int32_t> codes() const;
  std::span<int32_t> codes();
  // Levels of a categorical column (empty for the other types).
  const std::vector<std::string>& levels() const { return levels_; }

  // Value of a numeric or bool row as double (NaN when missing); throws for
  // categorical columns. For reading, not for hot loops.
  double numeric_value(size_t row) const;
  // The value as text: numbers in shortest round-trip form, TRUE/FALSE,
  // level names; `na` for missing.
  std::string format_value(size_t row, std::string_view na = "NA") const;

  // The rows at `rows`, in that order.
  Column gather(std::span<const size_t> rows) const;
  // Appends `other`'s rows; types must match. Categorical levels are merged:
  // this column's levels first, then other's new levels in their order.
  void append(const Column& other);
  // Throws InputError unless the column has type `expected`.
  void require_type(ColumnType expected) const;

  friend bool operator==(const Column& a, const Column& b);

 private:
  using Storage = std::variant<std::vector<double>, std::vector<int64_t>, std::vector<uint8_t>, std::vector<int32_t>>;
  Column(std::string name, Storage data, std::vector<std::string> levels = {});
  std::string name_;
  Storage data_;
  std::vector<std::string> levels_;
};

}  // namespace impactsim
