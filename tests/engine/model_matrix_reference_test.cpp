// Design matrices compared with R's model.matrix on the fixtures made by
// tests/reference/model_matrix.R: same column names in the same order, same
// rows kept, same values.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/csv.hpp"
#include "engine/design_matrix.hpp"

namespace impactsim {
namespace {

const std::string kDir = std::string(IMPACTSIM_FIXTURES) + "/model_matrix/";

struct Case {
  std::string name, formula, reference;
  int64_t dropped;
};

std::vector<Case> cases() {
  CsvReadOptions options;
  options.na_tokens = {"NA"};  // an empty reference level is text, not missing
  const Table t = read_csv(kDir + "cases.csv", options);
  std::vector<Case> out;
  for (size_t i = 0; i < t.num_rows(); ++i) {
    out.push_back({t.column("name").format_value(i), t.column("formula").format_value(i),
                   t.column("reference").format_value(i, ""), t.column("dropped").i64()[i]});
  }
  return out;
}

// Test names show the case name, not the bytes of the struct.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name << ": " << c.formula; }

class ModelMatrixReference : public ::testing::TestWithParam<Case> {};

TEST_P(ModelMatrixReference, MatchesR) {
  const Case& c = GetParam();
  const Table data = read_csv(kDir + "data.csv");
  DesignOptions options;
  if (!c.reference.empty()) {
    const auto eq = c.reference.find('=');
    options.reference_levels[c.reference.substr(0, eq)] = c.reference.substr(eq + 1);
  }
  const DesignMatrix dm = build_design_matrix(data, c.formula, options);
  const Table expected = read_csv(kDir + c.name + ".csv");

  std::vector<std::string> names = expected.column_names();
  names.erase(names.begin());  // "row"
  EXPECT_EQ(dm.column_names, names);
  EXPECT_EQ(static_cast<int64_t>(dm.rows_dropped), c.dropped);
  ASSERT_EQ(dm.rows.size(), expected.num_rows());
  ASSERT_EQ(static_cast<size_t>(dm.x.cols()), names.size());
  for (size_t i = 0; i < expected.num_rows(); ++i) {
    ASSERT_EQ(dm.rows[i] + 1, static_cast<size_t>(expected.column("row").numeric_value(i)));
    for (size_t j = 0; j < names.size(); ++j) {
      const double want = expected.column(j + 1).numeric_value(i);
      const double got = dm.x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
      ASSERT_NEAR(got, want, 1e-13 * std::max(1.0, std::abs(want))) << names[j] << " row " << i;
    }
  }
  if (dm.has_response) {
    const Table y = read_csv(kDir + c.name + ".response.csv");
    std::vector<double> want;
    for (size_t i = 0; i < y.num_rows(); ++i) want.push_back(y.column("response").numeric_value(i));
    ASSERT_EQ(want.size(), static_cast<size_t>(dm.y.size()));
    for (size_t i = 0; i < want.size(); ++i) {
      ASSERT_NEAR(dm.y[static_cast<Eigen::Index>(i)], want[i], 1e-13 * std::max(1.0, std::abs(want[i])));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(R, ModelMatrixReference, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace impactsim
