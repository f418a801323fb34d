// Survival models compared with R (survival::coxph, survfit) on the fixtures
// made by tests/reference/survival.R: Cox coefficients, model-based and
// cluster-robust standard errors, log-likelihoods, score and Wald tests and
// iteration counts with Efron and Breslow ties, weights, strata and
// offsets; weighted Kaplan-Meier survival, standard errors and log-log
// intervals at chosen times; all to 1e-6 relative.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/csv.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/random_stream.hpp"
#include "models/survival/cox_zph.hpp"
#include "models/survival/kaplan_meier.hpp"
#include "models/survival/survival_frame.hpp"

namespace impactsim {
namespace {

const std::string kDir = std::string(IMPACTSIM_FIXTURES) + "/survival/";

Table read(const std::string& file) {
  CsvReadOptions o;
  o.na_tokens = {"NA"};
  return read_csv(kDir + file, o);
}

void expect_close(double got, double want, const std::string& what, double rel = 1e-6) {
  EXPECT_LE(std::abs(got - want), rel * std::max(1.0, std::abs(want))) << what << ": " << got << " vs R " << want;
}

// Case c of cox_fits.csv: its data, formula, weights, clusters and ties, fitted.
CoxFit fit_reference_case(const Table& fits, size_t c, CoxFrame& frame) {
  auto s = [&](const char* col) { return fits.column(col).format_value(c, ""); };
  SurvivalColumns cols;
  cols.weights = s("weights");
  cols.cluster = s("cluster");
  build_cox_frame(read(s("data")), parse_survival_formula(s("formula")), cols, frame);
  CoxOptions o;
  o.ties = s("ties") == "breslow" ? CoxTies::Breslow : CoxTies::Efron;
  return fit_cox(frame.data, o);
}

// data.csv as the Kaplan-Meier tests take it: groups control (0) and member (1).
struct KmInput {
  std::vector<double> time, w;
  std::vector<uint8_t> status;
  std::vector<int32_t> group;
  const std::vector<std::string> labels = {"control", "member"};
};

KmInput read_km_input() {
  const Table data = read("data.csv");
  KmInput in;
  for (size_t i = 0; i < data.num_rows(); ++i) {
    in.time.push_back(data.column("time").numeric_value(i));
    in.status.push_back(static_cast<uint8_t>(data.column("status").numeric_value(i)));
    in.w.push_back(data.column("w").numeric_value(i));
    in.group.push_back(data.column("grp").format_value(i, "") == "control" ? 0 : 1);
  }
  return in;
}

TEST(SurvivalReference, CoxMatchesCoxph) {
  const Table fits = read("cox_fits.csv");
  const Table coefs = read("cox_coefficients.csv");
  ASSERT_GE(fits.num_rows(), 7u);
  for (size_t c = 0; c < fits.num_rows(); ++c) {
    const std::string name = fits.column("case").format_value(c, "");
    SCOPED_TRACE(name);
    CoxFrame frame;
    const CoxFit fit = fit_reference_case(fits, c, frame);
    EXPECT_TRUE(fit.converged);
    EXPECT_EQ(fit.iterations, static_cast<int>(fits.column("iterations").numeric_value(c)));
    EXPECT_EQ(fit.n, static_cast<size_t>(fits.column("n").numeric_value(c)));
    EXPECT_EQ(fit.events, static_cast<size_t>(fits.column("events").numeric_value(c)));
    expect_close(fit.loglik_null, fits.column("loglik_null").numeric_value(c), "loglik at 0");
    expect_close(fit.loglik, fits.column("loglik").numeric_value(c), "loglik");
    expect_close(fit.score_test, fits.column("score_test").numeric_value(c), "score test");
    expect_close(cox_wald_test(fit, fit.robust_var.size() ? fit.robust_var : fit.var), fits.column("wald_test").numeric_value(c),
                 "Wald test");
    size_t k = 0;
    for (size_t r = 0; r < coefs.num_rows(); ++r) {
      if (coefs.column("case").format_value(r, "") != name) continue;
      const std::string term = coefs.column("term").format_value(r, "");
      ASSERT_LT(k, fit.names.size());
      EXPECT_EQ(fit.names[k], term);
      const auto kk = static_cast<Eigen::Index>(k);
      expect_close(fit.coefficients[kk], coefs.column("estimate").numeric_value(r), term + " estimate");
      expect_close(std::sqrt(fit.var(kk, kk)), coefs.column("std_error").numeric_value(r), term + " se");
      if (!coefs.column("robust_std_error").is_missing(r)) {
        ASSERT_EQ(fit.robust_var.rows(), fit.coefficients.size());
        expect_close(std::sqrt(fit.robust_var(kk, kk)), coefs.column("robust_std_error").numeric_value(r), term + " robust se");
      }
      ++k;
    }
    EXPECT_EQ(k, fit.names.size());
  }
}

TEST(SurvivalReference, KaplanMeierMatchesSurvfit) {
  const KmInput in = read_km_input();
  const Table ref = read("km.csv");
  size_t checked = 0;
  for (bool weighted : {false, true}) {
    const auto curves = kaplan_meier(in.time, in.status, weighted ? in.w : std::vector<double>{}, in.group, in.labels);
    for (size_t r = 0; r < ref.num_rows(); ++r) {
      if ((ref.column("weighted").numeric_value(r) != 0) != weighted) continue;
      const std::string stratum = ref.column("stratum").format_value(r, "");
      const KmCurve& c = curves[stratum == "control" ? 0 : 1];
      const double t = ref.column("time").numeric_value(r);
      const KmCurve::At a = c.at(t);
      const std::string what = stratum + (weighted ? " weighted" : "") + " at " + std::to_string(t);
      expect_close(a.surv, ref.column("surv").numeric_value(r), what + " surv");
      expect_close(a.std_error, ref.column("std_error").numeric_value(r), what + " std error");
      expect_close(a.lower, ref.column("lower").numeric_value(r), what + " lower");
      expect_close(a.upper, ref.column("upper").numeric_value(r), what + " upper");
      expect_close(a.n_risk, ref.column("n_risk").numeric_value(r), what + " n at risk");
      ++checked;
    }
  }
  EXPECT_EQ(checked, ref.num_rows());
}

TEST(SurvivalReference, ProportionalHazardsTestMatchesCoxZph) {
  const Table fits = read("cox_fits.csv");
  const Table zph = read("cox_zph.csv");
  size_t checked = 0;
  for (size_t c = 0; c < fits.num_rows(); ++c) {
    const std::string name = fits.column("case").format_value(c, "");
    SCOPED_TRACE(name);
    CoxFrame frame;
    const CoxFit fit = fit_reference_case(fits, c, frame);
    for (const char* transform : {"km", "identity", "log", "rank"}) {
      std::vector<size_t> rows;
      for (size_t r = 0; r < zph.num_rows(); ++r) {
        if (zph.column("case").format_value(r, "") == name && zph.column("transform").format_value(r, "") == transform) rows.push_back(r);
      }
      if (rows.empty()) continue;
      const CoxZph z = cox_zph(frame.data, fit, frame.column_term, frame.term_labels, zph_transform_from_string(transform));
      ASSERT_EQ(z.rows.size(), rows.size()) << transform;
      for (size_t k = 0; k < rows.size(); ++k) {
        const std::string what = std::string(transform) + " " + z.rows[k].term;
        EXPECT_EQ(z.rows[k].term, zph.column("term").format_value(rows[k], ""));
        expect_close(z.rows[k].chisq, zph.column("chisq").numeric_value(rows[k]), what + " chisq");
        EXPECT_EQ(z.rows[k].df, zph.column("df").numeric_value(rows[k])) << what;
        expect_close(z.rows[k].p_value, zph.column("p").numeric_value(rows[k]), what + " p");
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, zph.num_rows());
  EXPECT_THROW(zph_transform_from_string("hazard"), InputError);
}

TEST(SurvivalReference, RestrictedMeanMatchesSurvfit) {
  const KmInput in = read_km_input();
  const Table ref = read("rmst.csv");
  ASSERT_EQ(ref.num_rows(), 12u);
  for (size_t r = 0; r < ref.num_rows(); ++r) {
    const bool weighted = ref.column("weighted").numeric_value(r) != 0;
    const auto curves = kaplan_meier(in.time, in.status, weighted ? in.w : std::vector<double>{}, in.group, in.labels);
    const std::string stratum = ref.column("stratum").format_value(r, "");
    const double tau = ref.column("tau").numeric_value(r);
    const KmCurve::RestrictedMean m = curves[stratum == "control" ? 0 : 1].restricted_mean(tau);
    const std::string what = stratum + (weighted ? " weighted" : "") + " to " + std::to_string(tau);
    expect_close(m.estimate, ref.column("rmean").numeric_value(r), what + " rmean");
    expect_close(m.std_error, ref.column("se").numeric_value(r), what + " se(rmean)");
  }
}

// Several blocks of the weighted cross-product, ties, strata, weights and
// clusters: the same bits on 1 and 3 threads.
TEST(Survival, CoxFitDoesNotDependOnTheThreadCount) {
  const size_t n = 100000;
  Eigen::MatrixXd x(static_cast<Eigen::Index>(n), 3);
  CoxData d;
  d.x = &x;
  for (size_t i = 0; i < n; ++i) {
    RandomStream r(3, i, streams::kTestData.id());
    const auto row = static_cast<Eigen::Index>(i);
    x(row, 0) = r.normal();
    x(row, 1) = r.bernoulli(0.4) ? 1 : 0;
    x(row, 2) = r.uniform();
    const double event = -std::log(r.uniform()) / (0.2 * std::exp(0.3 * x(row, 0) - 0.5 * x(row, 1)));
    const double censor = r.uniform(0.5, 4.0);
    d.time.push_back(std::ceil(std::min(event, censor) * 52));  // weeks: ties
    d.status.push_back(event <= censor);
    d.weights.push_back(r.uniform(0.5, 2.0));
    d.strata.push_back(static_cast<int64_t>(i % 3));
    d.cluster.push_back(static_cast<int64_t>(i / 2));
  }
  const int before = thread_count();
  set_thread_count(1);
  const CoxFit one = fit_cox(d);
  set_thread_count(3);
  const CoxFit three = fit_cox(d);
  set_thread_count(before);
  EXPECT_TRUE(one.coefficients == three.coefficients);
  EXPECT_TRUE(one.var == three.var);
  EXPECT_TRUE(one.robust_var == three.robust_var);
  EXPECT_EQ(one.loglik, three.loglik);
}

TEST(Survival, BadInputIsNamed) {
  Eigen::MatrixXd x(4, 1);
  x << 1, 2, 3, 4;
  CoxData d;
  d.x = &x;
  d.time = {1, 2, 3, 4};
  d.status = {0, 0, 0, 0};
  auto error = [&] {
    try {
      fit_cox(d);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error().find("no event"), std::string::npos);
  d.status = {1, 0, 2, 1};
  EXPECT_NE(error().find("row 3: the status must be 0 (censored) or 1 (event)"), std::string::npos);
  d.status = {1, 0, 1, 1};
  d.time[1] = -1;
  EXPECT_NE(error().find("row 2: the time must be positive"), std::string::npos);
  d.time[1] = 2;
  d.weights = {1, 0, 1, 1};
  EXPECT_NE(error().find("weights must be positive"), std::string::npos);
  d.weights.clear();
  x.setConstant(3);
  EXPECT_NE(error().find("information matrix is singular"), std::string::npos);
  EXPECT_THROW(kaplan_meier({1, 2}, {1, 3}, {}, {}, {}), InputError);
  EXPECT_THROW(parse_survival_formula("y ~ x"), InputError);
  EXPECT_THROW(parse_survival_formula("Surv(t) ~ x"), InputError);
  EXPECT_THROW(parse_survival_formula("Surv(t, d) x"), InputError);
  EXPECT_THROW(parse_survival_formula("Surv(t, d) ~ x + strata(a, b)"), InputError);
  EXPECT_THROW(parse_survival_formula("Surv(t, d) ~ x + offset(o) + offset(p)"), InputError);
  EXPECT_EQ(parse_survival_formula(" Surv( t , d )~x*z + log(w)").covariates, "x*z + log(w)");
  const SurvivalFormula f = parse_survival_formula("Surv(t, d) ~ x + strata(a) + offset(o) + strata(b)");
  EXPECT_EQ(f.covariates, "x");
  EXPECT_EQ(f.strata, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(f.offset, "o");
}

}  // namespace
}  // namespace impactsim
