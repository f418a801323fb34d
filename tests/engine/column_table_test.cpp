#include <gtest/gtest.h>

#include "engine/error.hpp"
#include "engine/table.hpp"

namespace impactsim {
namespace {

Table sample() {
  Table t("patients");
  t.add_column(Column::int64("id", {1, 2, 3, 4}));
  t.add_column(Column::float64("age", {60.5, kMissingFloat64, 71, 45}));
  t.add_column(Column::boolean("enrolled", {1, 0, kMissingBool, 1}));
  t.add_column(Column::categorical("sex", {0, 1, kMissingCode, 0}, {"F", "M"}));
  return t;
}

TEST(Column, TypesAndMissingValues) {
  const Table t = sample();
  EXPECT_EQ(t.num_rows(), 4u);
  EXPECT_EQ(t.column("id").type(), ColumnType::Int64);
  EXPECT_EQ(t.column("age").missing_count(), 1u);
  EXPECT_TRUE(t.column("age").is_missing(1));
  EXPECT_TRUE(t.column("enrolled").is_missing(2));
  EXPECT_TRUE(t.column("sex").is_missing(2));
  EXPECT_EQ(t.column("sex").format_value(1), "M");
  EXPECT_EQ(t.column("enrolled").format_value(0), "TRUE");
  EXPECT_EQ(t.column("age").format_value(1, "NA"), "NA");
  EXPECT_EQ(t.column("age").format_value(0), "60.5");
}

TEST(Column, WrongTypeIsAnErrorNotAConversion) {
  const Table t = sample();
  try {
    (void)t.column("id").f64();
    FAIL() << "int64 column read as float64";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("column \"id\" is int64, not float64"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)t.column("sex").numeric_value(0), InputError);
  EXPECT_THROW(Column::categorical("bad", {0, 2}, {"a", "b"}), InputError);
}

TEST(Table, UnknownColumnListsCloseNames) {
  const Table t = sample();
  try {
    (void)t.column("agee");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean \"age\""), std::string::npos) << e.what();
  }
  try {
    (void)t.column("zzzzzz");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("available: id, age, enrolled, sex"), std::string::npos) << e.what();
  }
}

TEST(Table, RejectsDuplicateNamesAndRaggedColumns) {
  Table t = sample();
  EXPECT_THROW(t.add_column(Column::int64("id", {1, 2, 3, 4})), InputError);
  EXPECT_THROW(t.add_column(Column::int64("x", {1, 2})), InputError);
}

TEST(Table, GatherFilterSelect) {
  const Table t = sample();
  const std::vector<size_t> rows = {3, 0};
  const Table g = t.gather(rows);
  EXPECT_EQ(g.num_rows(), 2u);
  EXPECT_EQ(g.column("id").i64()[0], 4);
  EXPECT_EQ(g.column("sex").format_value(1), "F");
  const std::vector<uint8_t> keep = {0, 1, 1, 0};
  const Table f = t.filter(keep);
  EXPECT_EQ(f.column("id").i64()[1], 3);
  const Table s = t.select({"sex", "id"});
  EXPECT_EQ(s.column_names(), (std::vector<std::string>{"sex", "id"}));
}

TEST(Table, ConcatMergesCategoricalLevels) {
  Table a("t");
  a.add_column(Column::categorical("dept", {0, 1}, {"13", "75"}));
  a.add_column(Column::float64("x", {1, 2}));
  Table b("t");
  b.add_column(Column::float64("x", {3}));  // columns matched by name
  b.add_column(Column::categorical("dept", {0}, {"2A"}));
  const Table c = Table::concat(a, b);
  ASSERT_EQ(c.num_rows(), 3u);
  EXPECT_EQ(c.column("dept").levels(), (std::vector<std::string>{"13", "75", "2A"}));
  EXPECT_EQ(c.column("dept").format_value(2), "2A");
  EXPECT_EQ(c.column("x").f64()[2], 3);

  Table wrong("t");
  wrong.add_column(Column::int64("x", {3}));
  wrong.add_column(Column::categorical("dept", {0}, {"2A"}));
  EXPECT_THROW(Table::concat(a, wrong), InputError);  // float64 vs int64: never converted
}

TEST(Error, ClosestNames) {
  EXPECT_EQ(closest_names("deprivaton", {"deprivation", "department", "age"}),
            (std::vector<std::string>{"deprivation"}));
  EXPECT_TRUE(closest_names("qqq", {"age", "sex"}).empty());
}

}  // namespace
}  // namespace impactsim
