// Boolean expressions over a table's columns, evaluated row by row: the
// eligibility and targeting rules of scenario files.
//
//   fundus_2y == false or dental == false
//   age >= 65 and department in ["06", "13"] and not low_income
//
// Operators: or, and, not; == != < <= > >=; `in [..]`; parentheses; numbers,
// "strings" (compared with a categorical column's level), true/false. A bool
// or numeric column alone is true when non-zero. Unknown columns, a level a
// categorical column does not have, and type mismatches are InputErrors
// naming the expression and the position.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/table.hpp"

namespace impactsim {

class RowFilter {
 public:
  // Parses `expression` against the columns of `table` (types are checked here).
  RowFilter(const std::string& expression, const Table& table);
  ~RowFilter();
  RowFilter(RowFilter&&) noexcept;
  RowFilter& operator=(RowFilter&&) noexcept;

  // 1 where the expression holds; missing values make a comparison false.
  std::vector<uint8_t> evaluate(const Table& table) const;
  const std::string& text() const { return text_; }

  struct Node;  // the parsed expression (defined in row_filter.cpp)

 private:
  std::string text_;
  std::unique_ptr<Node> root_;
};

}  // namespace impactsim
