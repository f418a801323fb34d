#include <gtest/gtest.h>

#include "engine/csv.hpp"
#include "engine/design_matrix.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace impactsim {
namespace {

const Table& data() {
  static const Table t = parse_csv(
      "y,x,g,k,flag\n"
      "1.5,0,a,1,TRUE\n"
      "2.5,1,b,2,FALSE\n"
      "NA,2,c,3,TRUE\n"
      "4.0,3,a,NA,FALSE\n"
      "5.0,4,b,2,TRUE\n");
  return t;
}

std::string error_of(const std::string& f, const DesignOptions& o = {}) {
  try {
    build_design_matrix(data(), f, o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(DesignMatrix, DropsRowsWithMissingValuesAndCountsThem) {
  const DesignMatrix dm = build_design_matrix(data(), "y ~ x + k");
  EXPECT_EQ(dm.rows_dropped, 2u);
  EXPECT_EQ(dm.rows, (std::vector<size_t>{0, 1, 4}));
  EXPECT_EQ(dm.y[2], 5.0);
  EXPECT_EQ(dm.column_names, (std::vector<std::string>{"(Intercept)", "x", "k"}));
  EXPECT_EQ(dm.assign, (std::vector<int>{0, 1, 2}));
}

TEST(DesignMatrix, LogicalColumnsAreFactorsNamedAsR) {
  const DesignMatrix dm = build_design_matrix(data(), "y ~ flag + I(flag * 2)");
  EXPECT_EQ(dm.column_names, (std::vector<std::string>{"(Intercept)", "flagTRUE", "I(flag * 2)"}));
  EXPECT_EQ(dm.x(0, 1), 1.0);
  EXPECT_EQ(dm.x(0, 2), 2.0);
}

TEST(DesignMatrix, ReferenceLevelOverride) {
  DesignOptions o;
  o.reference_levels["g"] = "b";
  const DesignMatrix dm = build_design_matrix(data(), "x ~ g", o);
  EXPECT_EQ(dm.column_names, (std::vector<std::string>{"(Intercept)", "ga", "gc"}));
  EXPECT_EQ(dm.factor_levels.at("g"), (std::vector<std::string>{"b", "a", "c"}));
  o.reference_levels["g"] = "z";
  EXPECT_NE(error_of("y ~ g", o).find("reference level \"z\" of \"g\""), std::string::npos);
  DesignOptions bad;
  bad.reference_levels["x"] = "1";
  EXPECT_NE(error_of("y ~ g", bad).find("not a factor of the formula"), std::string::npos);
}

TEST(DesignMatrix, ErrorsNameTermAndRow) {
  std::string e = error_of("y ~ agee");
  EXPECT_NE(e.find("unknown column \"agee\""), std::string::npos) << e;
  e = error_of("y ~ xx");
  EXPECT_NE(e.find("did you mean \"x\""), std::string::npos) << e;
  e = error_of("y ~ log(x)");
  EXPECT_NE(e.find("log(x) is -Inf at data row 1"), std::string::npos) << e;
  e = error_of("y ~ sqrt(x - 3)");
  EXPECT_NE(e.find("sqrt(x - 3) is NaN at data row 1"), std::string::npos) << e;
  e = error_of("y ~ foo(x)");
  EXPECT_NE(e.find("unknown function foo()"), std::string::npos) << e;
  e = error_of("y ~ I(g * 2)");
  EXPECT_NE(e.find("column \"g\" is categorical and cannot enter arithmetic"), std::string::npos) << e;
  e = error_of("I(g) ~ x");
  EXPECT_NE(e.find("categorical"), std::string::npos) << e;
  DesignOptions tiny_blocks;
  tiny_blocks.block_rows = 2;
  EXPECT_EQ(error_of("y ~ x + g", tiny_blocks), "no error");
}

// As R's binomial family: a factor response is 0 for its first level, 1 for
// the others.
TEST(DesignMatrix, CategoricalResponseIsCodedAsR) {
  const DesignMatrix dm = build_design_matrix(data(), "g ~ x");
  EXPECT_EQ(dm.response_levels, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(dm.y[0], 0.0);  // a
  EXPECT_EQ(dm.y[1], 1.0);  // b
  EXPECT_EQ(dm.y[2], 1.0);  // c
  DesignOptions o;
  o.reference_levels["g"] = "b";
  EXPECT_EQ(build_design_matrix(data(), "g ~ x", o).y[1], 0.0);
  EXPECT_TRUE(build_design_matrix(data(), "y ~ x").response_levels.empty());
}

TEST(DesignMatrix, SingleLevelFactorIsAnError) {
  const Table t = parse_csv("y,g\n1,a\n2,a\n3,NA\n");
  try {
    build_design_matrix(t, "y ~ g");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("factor \"g\" has a single level (\"a\")"), std::string::npos) << e.what();
  }
}

TEST(DesignMatrix, SameMatrixWhateverTheThreadsAndBlocks) {
  std::vector<double> x(50'000), y(50'000);
  std::vector<int32_t> g(50'000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<double>(i % 1000) / 10.0;
    y[i] = static_cast<double>(i % 7);
    g[i] = static_cast<int32_t>(i % 3);
  }
  Table t;
  t.add_column(Column::float64("x", x));
  t.add_column(Column::float64("y", y));
  t.add_column(Column::categorical("g", g, {"a", "b", "c"}));
  set_thread_count(1);
  const DesignMatrix ref = build_design_matrix(t, "y ~ x * g + log1p(x)");
  for (int threads : {2, 7}) {
    set_thread_count(threads);
    for (size_t block : {size_t{1000}, size_t{1} << 14}) {
      DesignOptions o;
      o.block_rows = block;
      const DesignMatrix dm = build_design_matrix(t, "y ~ x * g + log1p(x)", o);
      EXPECT_TRUE(dm.x == ref.x);
      EXPECT_TRUE(dm.y == ref.y);
    }
  }
  set_thread_count(0);
}

}  // namespace
}  // namespace impactsim
