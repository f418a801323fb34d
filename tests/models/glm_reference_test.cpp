// GLM fits compared with R (glm, MASS::glm.nb, sandwich, confint, brglm2) on
// the fixtures made by tests/reference/glm.R: coefficients, standard errors,
// deviances, AIC, dispersion, theta and robust standard errors to 1e-6
// relative.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/csv.hpp"
#include "engine/design_matrix.hpp"
#include "models/glm/inference.hpp"

namespace impactsim {
namespace {

const std::string kDir = std::string(IMPACTSIM_FIXTURES) + "/glm/";

struct Case {
  std::string name, formula, family, link, weights, offset;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name << ": " << c.formula; }

std::vector<Case> cases() {
  CsvReadOptions o;
  o.na_tokens = {"NA"};
  const Table t = read_csv(kDir + "cases.csv", o);
  std::vector<Case> out;
  for (size_t i = 0; i < t.num_rows(); ++i) {
    auto s = [&](const char* col) { return t.column(col).format_value(i, ""); };
    out.push_back({s("name"), s("formula"), s("family"), s("link"), s("weights"), s("offset")});
  }
  return out;
}

double expected(const Table& t, const std::string& col, size_t row) {
  const Column& c = t.column(col);
  return c.is_missing(row) ? NAN : c.numeric_value(row);
}

void expect_close(double got, double want, const std::string& what, double rel = 1e-6) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what << ": got " << got << ", R has NA";
    return;
  }
  EXPECT_NEAR(got, want, rel * std::max(std::abs(want), 1e-3)) << what;
}

struct Fitted {
  Table data;
  DesignMatrix dm;
  GlmData glm_data;
  GlmOptions options;
  GlmFit fit;
};

std::unique_ptr<Fitted> fit_case(const Case& c) {
  auto f = std::make_unique<Fitted>();
  f->data = read_csv(kDir + "data.csv");
  f->dm = build_design_matrix(f->data, c.formula);
  auto column = [&](const std::string& name) {
    Eigen::VectorXd v(static_cast<Eigen::Index>(f->dm.rows.size()));
    for (size_t i = 0; i < f->dm.rows.size(); ++i) v[static_cast<Eigen::Index>(i)] = f->data.column(name).numeric_value(f->dm.rows[i]);
    return v;
  };
  f->glm_data = GlmData::from(f->dm, c.weights.empty() ? Eigen::VectorXd() : column(c.weights),
                              c.offset.empty() ? Eigen::VectorXd() : column(c.offset));
  f->options.family = Family::make(*parse_family(c.family), parse_link(c.link));
  f->fit = fit_glm(f->glm_data, f->options);
  return f;
}

class GlmReference : public ::testing::TestWithParam<Case> {};

TEST_P(GlmReference, MatchesR) {
  const Case& c = GetParam();
  const auto f = fit_case(c);
  const GlmFit& fit = f->fit;
  CsvReadOptions o;
  o.na_tokens = {"NA"};
  const Table all = read_csv(kDir + "cases.csv", o);
  size_t row = 0;
  while (all.column("name").format_value(row) != c.name) ++row;
  expect_close(fit.deviance, expected(all, "deviance", row), "deviance");
  expect_close(fit.null_deviance, expected(all, "null_deviance", row), "null deviance");
  expect_close(fit.aic, expected(all, "aic", row), "AIC");
  expect_close(fit.log_likelihood, expected(all, "loglik", row), "log-likelihood");
  EXPECT_EQ(fit.df_residual, expected(all, "df_residual", row));
  expect_close(fit.dispersion_estimated ? fit.dispersion : 1.0, expected(all, "dispersion", row), "dispersion");
  if (c.family == "negbin") {
    expect_close(fit.theta, expected(all, "theta", row), "theta");
    expect_close(fit.theta_se, expected(all, "theta_se", row), "theta SE");
  }

  const Table coef = read_csv(kDir + c.name + ".csv", o);
  ASSERT_EQ(coef.num_rows(), fit.names.size());
  const GlmSummary model = summarize_glm(fit, glm_vcov(fit, f->glm_data));
  for (size_t j = 0; j < fit.names.size(); ++j) {
    EXPECT_EQ(fit.names[j], coef.column("term").format_value(j));
    expect_close(model.rows[j].estimate, expected(coef, "estimate", j), fit.names[j] + " estimate");
    expect_close(model.rows[j].std_error, expected(coef, "std_error", j), fit.names[j] + " std. error");
  }
  if (!coef.has_column("hc0")) return;
  std::vector<int64_t> clusters(f->dm.rows.size());
  for (size_t i = 0; i < clusters.size(); ++i) clusters[i] = f->data.column("g").i64()[f->dm.rows[i]];
  const std::pair<const char*, VcovOptions> robust[] = {
      {"hc0", VcovOptions{VcovType::HC0, {}, false, 4096}},
      {"hc1", VcovOptions{VcovType::HC1, {}, false, 4096}},
      {"cl", VcovOptions{VcovType::Cluster, clusters, false, 4096}},
      {"cl_hc1", VcovOptions{VcovType::Cluster, clusters, true, 4096}},
  };
  for (const auto& [col, vopt] : robust) {
    const Vcov v = glm_vcov(fit, f->glm_data, vopt);
    for (size_t j = 0; j < fit.names.size(); ++j) {
      expect_close(std::sqrt(v.matrix(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(j))), expected(coef, col, j),
                   fit.names[j] + " " + col);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(R, GlmReference, ::testing::ValuesIn(cases()), [](const auto& info) { return info.param.name; });

TEST(GlmReference, AliasedColumnIsNotEstimable) {
  const auto f = fit_case({"aliased", "yb ~ x1 + x2 + x3", "binomial", "logit", "", ""});
  EXPECT_EQ(f->fit.rank, 3u);
  EXPECT_TRUE(f->fit.aliased[3]);
  EXPECT_TRUE(std::isnan(f->fit.coefficients[3]));
  ASSERT_FALSE(f->fit.warnings.empty());
  EXPECT_NE(f->fit.warnings.back().find("\"x3\" not defined because of singularities"), std::string::npos);
}

TEST(GlmReference, ProfileLikelihoodIntervals) {
  CsvReadOptions o;
  o.na_tokens = {"NA"};
  const Table prof = read_csv(kDir + "profile.csv", o);
  for (const Case& c : cases()) {
    std::vector<size_t> rows;
    for (size_t i = 0; i < prof.num_rows(); ++i) {
      if (prof.column("name").format_value(i) == c.name) rows.push_back(i);
    }
    if (rows.empty()) continue;
    const auto f = fit_case(c);
    const Eigen::MatrixXd ci = profile_intervals(f->fit, f->glm_data, f->options);
    ASSERT_EQ(static_cast<size_t>(ci.rows()), rows.size());
    for (size_t k = 0; k < rows.size(); ++k) {
      // R interpolates a spline through its profile grid; these are exact roots.
      const double width = expected(prof, "high", rows[k]) - expected(prof, "low", rows[k]);
      EXPECT_NEAR(ci(static_cast<Eigen::Index>(k), 0), expected(prof, "low", rows[k]), 1e-3 * width) << c.name << " " << k;
      EXPECT_NEAR(ci(static_cast<Eigen::Index>(k), 1), expected(prof, "high", rows[k]), 1e-3 * width) << c.name << " " << k;
    }
  }
}

TEST(GlmReference, FirthMatchesBrglm2OnEndometrialData) {
  const Table data = read_csv(kDir + "endometrial.csv");
  const DesignMatrix dm = build_design_matrix(data, "HG ~ NV + PI + EH");
  GlmOptions o;
  o.family = Family::make(FamilyKind::Binomial);
  o.firth = true;
  const GlmData d = GlmData::from(dm);
  const GlmFit fit = fit_glm(d, o);
  const Table want = read_csv(kDir + "firth_endometrial.csv");
  const GlmSummary s = summarize_glm(fit, glm_vcov(fit, d));
  for (size_t j = 0; j < fit.names.size(); ++j) {
    expect_close(s.rows[j].estimate, expected(want, "estimate", j), fit.names[j] + " estimate");
    expect_close(s.rows[j].std_error, expected(want, "std_error", j), fit.names[j] + " std. error");
  }
  // The ordinary ML fit diverges on NV (quasi-complete separation).
  o.firth = false;
  const GlmFit ml = fit_glm(d, o);
  EXPECT_GT(std::abs(ml.coefficients[1]), 10.0);
}

}  // namespace
}  // namespace impactsim
