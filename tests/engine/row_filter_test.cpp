#include "engine/row_filter.hpp"

#include <gtest/gtest.h>

#include "engine/error.hpp"
#include "test_util.hpp"

namespace impactsim {
namespace {

// Five patients: age, sex (categorical), department (categorical), low_income (bool, one missing), visits (int64, one missing).
Table patients() {
  Table t("patients");
  t.add_column(Column::float64("age", {70, 45, 66, 80, kMissingFloat64}));
  t.add_column(Column::categorical("sex", {0, 1, 1, 0, 1}, {"F", "M"}));
  t.add_column(Column::categorical("department", {0, 1, 2, 0, kMissingCode}, {"06", "13", "75"}));
  t.add_column(Column::boolean("low_income", {1, 0, 0, kMissingBool, 1}));
  t.add_column(Column::int64("visits", {0, 3, kMissingInt64, 1, 2}));
  return t;
}

std::vector<uint8_t> eval(const std::string& e) {
  const Table t = patients();
  return RowFilter(e, t).evaluate(t);
}

using Rows = std::vector<uint8_t>;

TEST(RowFilter, ComparisonsAndLiterals) {
  EXPECT_EQ(eval("age >= 66"), (Rows{1, 0, 1, 1, 0}));  // a missing age compares false
  EXPECT_EQ(eval("age < 66"), (Rows{0, 1, 0, 0, 0}));
  EXPECT_EQ(eval("age == 45"), (Rows{0, 1, 0, 0, 0}));
  EXPECT_EQ(eval("age != 45"), (Rows{1, 0, 1, 1, 0}));
  EXPECT_EQ(eval("age > 66"), (Rows{1, 0, 0, 1, 0}));
  EXPECT_EQ(eval("age <= 45"), (Rows{0, 1, 0, 0, 0}));
  EXPECT_EQ(eval("true"), (Rows{1, 1, 1, 1, 1}));
  EXPECT_EQ(eval("false"), (Rows{0, 0, 0, 0, 0}));
  EXPECT_EQ(eval("visits > 1"), (Rows{0, 1, 0, 0, 1}));
}

TEST(RowFilter, ColumnsAloneAreTrueWhenNonZero) {
  EXPECT_EQ(eval("low_income"), (Rows{1, 0, 0, 0, 1}));  // missing: false
  EXPECT_EQ(eval("visits"), (Rows{0, 1, 0, 1, 1}));
  EXPECT_EQ(eval("low_income == false"), (Rows{0, 1, 1, 0, 0}));
}

TEST(RowFilter, CategoricalLevelsAndLists) {
  EXPECT_EQ(eval("sex == \"F\""), (Rows{1, 0, 0, 1, 0}));
  EXPECT_EQ(eval("sex != \"F\""), (Rows{0, 1, 1, 0, 1}));
  EXPECT_EQ(eval("department in [\"06\", \"75\"]"), (Rows{1, 0, 1, 1, 0}));  // a missing level is in no list
  EXPECT_EQ(eval("visits in [0, 2]"), (Rows{1, 0, 0, 0, 1}));
}

TEST(RowFilter, LogicPrecedenceAndParentheses) {
  // and binds tighter than or; not tighter than and.
  EXPECT_EQ(eval("age < 50 or age > 75 and sex == \"F\""), (Rows{0, 1, 0, 1, 0}));
  EXPECT_EQ(eval("(age < 50 or age > 75) and sex == \"M\""), (Rows{0, 1, 0, 0, 0}));
  EXPECT_EQ(eval("not low_income and age >= 66"), (Rows{0, 0, 1, 1, 0}));
  EXPECT_EQ(eval("not (age >= 66)"), (Rows{0, 1, 0, 0, 1}));
}

TEST(RowFilter, BadExpressionsNameThePositionAndTheFix) {
  const Table t = patients();
  auto error = [&](const std::string& e) { return testing::error_of([&] { RowFilter(e, t); }); };
  EXPECT_EQ(error("agee > 3"), "expression \"agee > 3\", position 1: unknown column \"agee\"; did you mean \"age\"?");
  EXPECT_NE(error("sex == \"X\"").find("position 8: column \"sex\" has no level \"X\""), std::string::npos);
  EXPECT_NE(error("sex > \"F\"").find("categorical column \"sex\" compares with == or != only"), std::string::npos);
  EXPECT_NE(error("sex").find("needs a comparison (== \"level\")"), std::string::npos);
  EXPECT_NE(error("age > \"old\"").find("expected a number for column \"age\""), std::string::npos);
  EXPECT_NE(error("(age > 3").find("unclosed parenthesis"), std::string::npos);
  EXPECT_NE(error("age > 3 )").find("unexpected \")\""), std::string::npos);
  EXPECT_NE(error("sex == \"F").find("unterminated string"), std::string::npos);
  EXPECT_NE(error("age => 3").find("unknown operator"), std::string::npos);
  EXPECT_NE(error("department in \"06\"").find("expected [ after in"), std::string::npos);
  EXPECT_NE(error("department in [\"06\" \"13\"]").find("expected , or ] in the list"), std::string::npos);
  EXPECT_NE(error("and age").find("expected a column name"), std::string::npos);
}

}  // namespace
}  // namespace impactsim
