// Formula + table -> design matrix, with R's model.frame/model.matrix rules.
//
// - Rows where any variable of the formula (response included) is missing are
//   dropped and counted (na.omit). A transformation that produces a
//   non-finite value from present data (log(0), sqrt(-1)) is an error that
//   names the term and the row: R would keep -Inf or drop NaN silently.
// - Categorical and bool columns, and factor(x), are factors. Levels unused
//   in the kept rows are dropped (glm's model.frame(drop.unused.levels =
//   TRUE)). Treatment contrasts: the first level is the reference (overridable
//   per variable); a factor is coded by all its levels instead where R's
//   marginality rule says so (no intercept, or an interaction whose margin is
//   absent), and columns are named exactly as model.matrix names them
//   ("raceblack", "age:educ", "x:fb", "marriedTRUE").
// - The response (if any) is numeric: float64 and int64 as they are, bool as
//   0/1. A categorical column as the response is a factor, coded as R's
//   binomial family codes it: first level 0, all others 1 (response_levels
//   keeps the levels; only binomial models accept it).
#pragma once

#include <Eigen/Core>
#include <map>
#include <string>
#include <vector>

#include "engine/formula.hpp"
#include "engine/table.hpp"

namespace impactsim {

struct DesignOptions {
  // Reference level by variable label ("region", "factor(dept)"); default the
  // first level (sorted order, as R's factor()).
  std::map<std::string, std::string> reference_levels;
  // Code every factor by all its levels (model.matrix with contrasts =
  // FALSE), as MatchIt and cobalt list covariates in balance tables. Bool
  // columns keep their single TRUE column, as R codes logicals.
  bool all_factor_levels = false;
  // Drop factor levels absent from the kept rows (R glm/lm default).
  bool drop_unused_levels = true;
  // Further columns (weights, offset, cluster) whose missing values also drop
  // a row, as R's model.frame does for weights= and offset=.
  std::vector<std::string> required_columns;
  // Rows per parallel block when filling the matrix.
  size_t block_rows = size_t{1} << 14;
};

struct DesignMatrix {
  Eigen::MatrixXd x;                      // kept rows x columns, column-major
  std::vector<std::string> column_names;  // as R's colnames(model.matrix(...))
  std::vector<int> assign;                // term index per column, 0 = intercept (R's "assign")
  std::vector<std::string> term_labels;
  bool has_intercept = true;

  bool has_response = false;
  std::string response_name;
  Eigen::VectorXd y;
  std::vector<std::string> response_levels;  // a factor response's levels (first = 0)

  std::vector<size_t> rows;    // table row of each matrix row
  size_t rows_dropped = 0;     // rows with a missing value
  // Levels of each factor variable as used (after dropping and releveling).
  std::map<std::string, std::vector<std::string>> factor_levels;
};

DesignMatrix build_design_matrix(const Table& table, const Formula& formula, const DesignOptions& options = {});
inline DesignMatrix build_design_matrix(const Table& table, const std::string& formula,
                                        const DesignOptions& options = {}) {
  return build_design_matrix(table, Formula::parse(formula), options);
}

}  // namespace impactsim
