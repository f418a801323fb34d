// models/sensitivity compared with the numbers of tests/reference/sensitivity.R:
// p.adjust (Holm, BH), E-values (with the paper's own example), Rosenbaum
// bounds for matched binary outcomes, the empirical null, calibrated
// intervals and p-values, the expected absolute systematic error, the MDRR
// and equipoise; all to 1e-6 relative. Then the properties the references
// do not reach: boundaries, errors, monotonicity.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/csv.hpp"
#include "engine/error.hpp"
#include "models/sensitivity/diagnostics.hpp"
#include "models/sensitivity/empirical_calibration.hpp"
#include "models/sensitivity/evalue.hpp"
#include "models/sensitivity/multiplicity.hpp"
#include "models/sensitivity/rosenbaum_bounds.hpp"

namespace impactsim {
namespace {

const std::string kDir = std::string(IMPACTSIM_FIXTURES) + "/sensitivity/";

Table read(const std::string& file) {
  CsvReadOptions o;
  o.na_tokens = {"NA"};
  return read_csv(kDir + file, o);
}

double num(const Table& t, const char* col, size_t r) { return t.column(col).numeric_value(r); }
std::string text(const Table& t, const char* col, size_t r) { return t.column(col).format_value(r, ""); }

void expect_close(double got, double want, const std::string& what, double rel = 1e-6) {
  EXPECT_LE(std::abs(got - want), rel * std::max(1.0, std::abs(want))) << what << ": " << got << " vs R " << want;
}

std::vector<double> column(const Table& t, const char* col) {
  std::vector<double> v;
  for (size_t r = 0; r < t.num_rows(); ++r) v.push_back(t.column(col).is_missing(r) ? NAN : num(t, col, r));
  return v;
}

TEST(SensitivityReference, AdjustedPValuesMatchPAdjust) {
  const Table t = read("p_adjust.csv");
  const std::vector<double> p = column(t, "p");
  const std::vector<double> holm = holm_adjust(p), bh = benjamini_hochberg_adjust(p);
  for (size_t r = 0; r < p.size(); ++r) {
    if (std::isnan(p[r])) {
      EXPECT_TRUE(std::isnan(holm[r]) && std::isnan(bh[r]));
      continue;
    }
    expect_close(holm[r], num(t, "holm", r), "holm " + std::to_string(r), 1e-12);
    expect_close(bh[r], num(t, "bh", r), "BH " + std::to_string(r), 1e-12);
  }
}

TEST(SensitivityReference, EValuesMatchTheDefinitions) {
  const Table t = read("evalues.csv");
  for (size_t r = 0; r < t.num_rows(); ++r) {
    const std::string s = text(t, "scale", r);
    const RatioScale scale = s == "rr" ? RatioScale::RiskRatio : s == "or" ? RatioScale::OddsRatio
                             : s == "hr" ? RatioScale::HazardRatio : RatioScale::RateRatio;
    const EValue e = evalue(num(t, "estimate", r), num(t, "lower", r), num(t, "upper", r), scale, text(t, "common", r) == "TRUE");
    expect_close(e.point, num(t, "evalue", r), "E-value, row " + std::to_string(r), 1e-12);
    expect_close(e.bound, num(t, "evalue_bound", r), "E-value of the bound, row " + std::to_string(r), 1e-12);
  }
  // VanderWeele & Ding 2017's example: RR 3.9 (1.8, 8.7) has E-values 7.2 and 3.0.
  const EValue paper = evalue(3.9, 1.8, 8.7, RatioScale::RiskRatio, false);
  EXPECT_NEAR(paper.point, 7.26, 0.005);
  EXPECT_NEAR(paper.bound, 3.0, 1e-12);
}

TEST(SensitivityReference, RosenbaumBoundsMatchBinarysens) {
  const Table t = read("rosenbaum.csv");
  for (size_t r = 0; r < t.num_rows(); ++r) {
    SCOPED_TRACE(r);
    const auto member = static_cast<size_t>(num(t, "member_only", r)), control = static_cast<size_t>(num(t, "control_only", r));
    const RosenbaumBound b = rosenbaum_bound(static_cast<size_t>(num(t, "pairs", r)), member, control, num(t, "alpha", r));
    expect_close(b.p_value, num(t, "p_value", r), "p+(1)");
    expect_close(b.gamma, num(t, "gamma", r), "Gamma*");
    expect_close(rosenbaum_upper_p(b.discordant, b.in_direction, 2.0), num(t, "p_at_2", r), "p+(2)");
    EXPECT_EQ(b.member_more, member > control);
    if (b.gamma > 1) expect_close(rosenbaum_upper_p(b.discordant, b.in_direction, b.gamma), b.alpha, "p+(Gamma*) = alpha");
  }
}

TEST(SensitivityReference, EmpiricalNullAndCalibrationMatchEmpiricalCalibration) {
  const Table nulls = read("empirical_null.csv");
  const Table cal = read("calibrated.csv");
  for (size_t r = 0; r < nulls.num_rows(); ++r) {
    const std::string name = text(nulls, "case", r);
    SCOPED_TRACE(name);
    const Table c = read("controls_" + name + ".csv");
    const EmpiricalNull n = fit_empirical_null(column(c, "x"), column(c, "se"));
    ASSERT_TRUE(n.fitted());
    EXPECT_EQ(n.estimates, c.num_rows());
    expect_close(n.mean, num(nulls, "mean", r), "mean");
    expect_close(n.sd, num(nulls, "sd", r), "sd");
    expect_close(n.log_likelihood, num(nulls, "loglik", r), "log-likelihood");
    // fitNull's Nelder-Mead stops near the same point.
    EXPECT_NEAR(n.mean, num(nulls, "nelder_mead_mean", r), 1e-4);
    EXPECT_NEAR(n.sd, num(nulls, "nelder_mead_sd", r), 1e-4);
    expect_close(expected_absolute_systematic_error(n), num(nulls, "ease", r), "EASE");
    for (size_t k = 0; k < cal.num_rows(); ++k) {
      if (text(cal, "case", k) != name) continue;
      const CalibratedEstimate e = calibrate(n, num(cal, "log_ratio", k), num(cal, "std_error", k), num(cal, "level", k));
      expect_close(e.log_ratio, num(cal, "calibrated", k), "calibrated log ratio");
      expect_close(e.lower, num(cal, "lower", k), "calibrated lower");
      expect_close(e.upper, num(cal, "upper", k), "calibrated upper");
      expect_close(e.p_value, num(cal, "p_value", k), "calibrated p");
    }
  }
}

TEST(SensitivityReference, MdrrAndEquipoiseMatchCohortMethod) {
  const Table t = read("mdrr.csv");
  for (size_t r = 0; r < t.num_rows(); ++r) {
    const MdrrModel m = text(t, "model", r) == "cox" ? MdrrModel::Cox : MdrrModel::Logistic;
    expect_close(minimum_detectable_relative_risk(num(t, "p_target", r), num(t, "events", r), num(t, "subjects", r), m),
                 num(t, "mdrr", r), "MDRR row " + std::to_string(r));
  }
  const Table ps = read("propensity.csv");
  std::vector<uint8_t> treated;
  for (size_t r = 0; r < ps.num_rows(); ++r) treated.push_back(num(ps, "treatment", r) != 0);
  expect_close(equipoise(column(ps, "ps"), treated, {}), num(read("equipoise.csv"), "equipoise", 0), "equipoise", 1e-12);
}

TEST(Sensitivity, BoundariesAndErrors) {
  // An interval holding the null needs no confounding to move it.
  EXPECT_EQ(evalue(1.3, 0.9, 1.8, RatioScale::RiskRatio, false).bound, 1.0);
  EXPECT_EQ(evalue(0.8, 0.6, 1.1, RatioScale::HazardRatio, true).bound, 1.0);
  EXPECT_TRUE(std::isnan(evalue(NAN, NAN, NAN, RatioScale::OddsRatio, false).point));
  EXPECT_DOUBLE_EQ(evalue_of_risk_ratio(1.0), 1.0);
  // A protective ratio and its inverse have the same E-value.
  EXPECT_DOUBLE_EQ(evalue_of_risk_ratio(0.5), evalue_of_risk_ratio(2.0));
  // No discordant pair: no bound. All pairs one way: Gamma finite, p+ rising with Gamma.
  EXPECT_TRUE(std::isnan(rosenbaum_bound(10, 0, 0, 0.025).gamma));
  const RosenbaumBound all = rosenbaum_bound(50, 20, 0, 0.025);
  EXPECT_GT(all.gamma, 4.5);  // 0.025 = q^20: q = 0.832, Gamma = 4.94
  EXPECT_LT(rosenbaum_upper_p(20, 20, 2), rosenbaum_upper_p(20, 20, 3));
  // Controls that agree to within their errors: sigma at the boundary 0.
  const EmpiricalNull flat = fit_empirical_null({0.01, -0.01, 0.0, 0.02}, {0.2, 0.2, 0.2, 0.2});
  EXPECT_EQ(flat.sd, 0.0);
  EXPECT_NEAR(flat.mean, 0.005, 1e-12);
  EXPECT_NEAR(expected_absolute_systematic_error(flat), 0.005, 1e-12);
  // Unusable estimates are dropped as fitNull drops them; none left: no null.
  EXPECT_FALSE(fit_empirical_null({NAN, 10.0}, {0.1, 0.1}).fitted());
  EXPECT_FALSE(std::isfinite(calibrate(EmpiricalNull{}, 0.1, 0.1, 0.95).p_value));
  EXPECT_THROW(fit_empirical_null({0.1, 0.2}, {0.1}), InputError);
  EXPECT_TRUE(std::isinf(minimum_detectable_relative_risk(0.5, 0, 100, MdrrModel::Cox)));
  DiagnosticThresholds th;
  EXPECT_EQ(th.invalid(), "");
  th.mdrr = 0.5;
  EXPECT_NE(th.invalid().find("mdrr"), std::string::npos);
}

}  // namespace
}  // namespace impactsim
