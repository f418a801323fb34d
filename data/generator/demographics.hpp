// Who a patient is, in every programme: sex, age, deprivation, low-income
// coverage, department and pilot area, drawn from the [population] section of
// the programme's parameter file.
#pragma once

#include <vector>

#include "data/generator/cohort_schema.hpp"
#include "data/generator/parameters.hpp"

namespace impactsim::generator {

struct Demographics {
  bool male = false;
  int age = 0;       // in the index year
  int quintile = 3;  // deprivation quintile 1..5
  bool low_income = false;
  int department = 0;  // index into department_codes()
  bool pilot = false;
};

class DemographicsModel {
 public:
  explicit DemographicsModel(const Parameters& p);
  // Uniforms consumed by draw(), in this order: sex, age, quintile, low income, department.
  static constexpr int kDraws = 5;
  Demographics draw(const double* u) const;
  // The columns: sex, age, deprivation, low_income, department, pilot_area.
  static std::vector<ColumnSpec> columns();
  // Sets those columns of the last row, starting at `column`; returns the next column.
  static size_t set(BlockBuilder& b, size_t column, const Demographics& d);

 private:
  double male_, age_mean_, age_sd_, age_min_, age_max_, low_income_intercept_, low_income_per_quintile_;
  std::vector<double> quintile_cdf_;
  std::vector<bool> pilot_;
};

}  // namespace impactsim::generator
