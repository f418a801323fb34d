#include "data/generator/demographics.hpp"

#include <algorithm>
#include <cmath>

#include "data/generator/draws.hpp"
#include "data/generator/geography.hpp"

namespace impactsim::generator {

DemographicsModel::DemographicsModel(const Parameters& p)
    : male_(p.probability("population", "male")),
      age_mean_(p.value("population", "age_mean")),
      age_sd_(p.value("population", "age_sd")),
      age_min_(p.value("population", "age_min")),
      age_max_(p.value("population", "age_max")),
      low_income_intercept_(p.value("population", "low_income_intercept")),
      low_income_per_quintile_(p.value("population", "low_income_per_quintile")),
      pilot_(pilot_flags(p.strings("population", "pilot_departments"), p.path())) {
  double acc = 0;
  for (double w : p.values("population", "deprivation_quintile")) quintile_cdf_.push_back(acc += w);
  for (double& c : quintile_cdf_) c /= acc;
}

Demographics DemographicsModel::draw(const double* u) const {
  Demographics d;
  d.male = u[0] < male_;
  d.age = static_cast<int>(
      std::lround(std::clamp(age_mean_ + age_sd_ * RandomStream::normal_quantile(u[1]), age_min_, age_max_)));
  const auto q = std::lower_bound(quintile_cdf_.begin(), quintile_cdf_.end(), u[2]) - quintile_cdf_.begin();
  d.quintile = std::min(static_cast<int>(q) + 1, 5);
  d.low_income = u[3] < logistic(low_income_intercept_ + low_income_per_quintile_ * (d.quintile - 3));
  d.department = draw_department(u[4]);
  d.pilot = pilot_[static_cast<size_t>(d.department)];
  return d;
}

std::vector<ColumnSpec> DemographicsModel::columns() {
  return {
      {"sex", ColumnType::Categorical, {"F", "M"}, 64, "sex"},
      {"age", ColumnType::Int64, {}, 8, "age in years in the index year (year 0)"},
      {"deprivation", ColumnType::Categorical, {"Q1", "Q2", "Q3", "Q4", "Q5"}, 64,
       "deprivation quintile of the area of residence (Q5 most deprived)"},
      {"low_income", ColumnType::Bool, {}, 64, "free complementary coverage for low income"},
      {"department", ColumnType::Categorical, department_codes(), 64, "department of residence (code)"},
      {"pilot_area", ColumnType::Bool, {}, 64, "department among the programme's pilot departments"},
  };
}

size_t DemographicsModel::set(BlockBuilder& b, size_t c, const Demographics& d) {
  b.set_code(c++, d.male ? 1 : 0);
  b.set_int(c++, d.age);
  b.set_code(c++, d.quintile - 1);
  b.set_bool(c++, d.low_income);
  b.set_code(c++, d.department);
  b.set_bool(c++, d.pilot);
  return c;
}

}  // namespace impactsim::generator
