// Survival data from a table and an R-style formula:
//   Surv(time, status) ~ x1 + f + strata(region) + offset(log_risk)
// as coxph reads it: the status is 0/1, TRUE/FALSE, or 1/2 (1 censored,
// 2 event, as Surv() reads a status whose values are all 1 or 2); strata()
// and offset() terms are taken out of the covariates; the covariates'
// design matrix is R's model.matrix without its intercept column (factors
// coded by treatment contrasts); rows with a missing value in any variable
// used are dropped (na.omit).
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "engine/table.hpp"
#include "models/survival/cox.hpp"

namespace impactsim {

struct SurvivalFormula {
  std::string text;
  std::string time, status;
  std::string covariates;            // the right-hand side without strata() and offset(); may be empty
  std::vector<std::string> strata;   // columns of strata() terms
  std::string offset;                // column of an offset() term
};

// InputError naming the formula and the fix.
SurvivalFormula parse_survival_formula(const std::string& text);

struct SurvivalColumns {
  std::string weights, cluster;       // columns, or empty
  std::vector<std::string> strata;    // added to the formula's strata()
};

// A Cox model's inputs; `x` owns the covariates `data.x` points to.
struct CoxFrame {
  Eigen::MatrixXd x;
  CoxData data;
  std::vector<std::string> strata_labels;  // label of each stratum code
  // The model's terms (R's term labels) and, per column of x, its term's
  // index (a factor's columns share one): cox.zph tests by term.
  std::vector<std::string> term_labels;
  std::vector<int> column_term;
  size_t rows_dropped = 0;
  CoxFrame() = default;
  CoxFrame(const CoxFrame&) = delete;
};

// Fills `frame` (not copyable: data.x points into it).
void build_cox_frame(const Table& table, const SurvivalFormula& formula, const SurvivalColumns& columns, CoxFrame& frame);

}  // namespace impactsim
