#include <gtest/gtest.h>

#include <cstring>

#include "engine/csv.hpp"
#include "engine/design_matrix.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/random_stream.hpp"
#include "models/glm/crossprod.hpp"
#include "models/glm/inference.hpp"

namespace impactsim {
namespace {

const std::string kDir = std::string(IMPACTSIM_FIXTURES) + "/glm/";

GlmFit fit(const Table& t, const std::string& formula, FamilyKind kind, bool firth = false,
           Eigen::VectorXd weights = {}) {
  static DesignMatrix dm;  // kept alive: GlmData points into it
  dm = build_design_matrix(t, formula);
  GlmOptions o;
  o.family = Family::make(kind);
  o.firth = firth;
  return fit_glm(GlmData::from(dm, std::move(weights)), o);
}

std::string error_of(const std::string& csv, const std::string& formula, FamilyKind kind) {
  try {
    fit(parse_csv(csv), formula, kind);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Glm, SeparationIsDetectedAndTheTermNamed) {
  const Table t = read_csv(kDir + "endometrial.csv");
  const GlmFit ml = fit(t, "HG ~ NV + PI + EH", FamilyKind::Binomial);
  EXPECT_EQ(ml.separated_terms, (std::vector<std::string>{"NV"}));
  const GlmFit firth = fit(t, "HG ~ NV + PI + EH", FamilyKind::Binomial, true);
  EXPECT_TRUE(firth.separated_terms.empty());
  EXPECT_LT(std::abs(firth.coefficients[1]), 5.0);
  // Nearly separated but with a finite maximum: no separation reported.
  const GlmFit near = fit(read_csv(kDir + "data.csv"), "ysep ~ x1 + x2", FamilyKind::Binomial);
  EXPECT_TRUE(near.separated_terms.empty());
}

TEST(Glm, BadResponsesAreClearErrors) {
  std::string e = error_of("y,x\n0,1\n2,2\n1,3\n", "y ~ x", FamilyKind::Binomial);
  EXPECT_NE(e.find("binomial response must lie in [0, 1]"), std::string::npos) << e;
  EXPECT_NE(e.find("model row 2 has 2"), std::string::npos) << e;
  e = error_of("y,x\n0,1\n-1,2\n3,3\n", "y ~ x", FamilyKind::Poisson);
  EXPECT_NE(e.find("negative count -1 at model row 2"), std::string::npos) << e;
  e = error_of("y,x\n0,1\n1,2\n3,3\n", "y ~ x", FamilyKind::Gamma);
  EXPECT_NE(e.find("non-positive value 0 at model row 1"), std::string::npos) << e;
  e = error_of("y,x\nNA,1\n1,NA\n", "y ~ x", FamilyKind::Gaussian);
  EXPECT_NE(e.find("no row has all its variables present"), std::string::npos) << e;
  e = error_of("y,x,z\n1,1,NA\n0,2,NA\n", "y ~ x + z", FamilyKind::Binomial);
  EXPECT_NE(e.find("\"z\" has no value (all 2 rows missing)"), std::string::npos) << e;
}

// The data are checked block by block in parallel: an offending value in a
// later block is found, and the first of several is the one named.
TEST(Glm, BadValuesInAnyBlockAreFoundAndTheFirstNamed) {
  const Eigen::Index n = 40;
  Eigen::MatrixXd x(n, 2);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i, 0) = 1;
    x(i, 1) = static_cast<double>(i % 7);
    y[i] = (i % 3 == 0) ? 1 : 0;
  }
  auto error_of = [&](const Eigen::VectorXd& yv, FamilyKind kind, Link link, Eigen::VectorXd w = {},
                      Eigen::VectorXd off = {}) {
    GlmData d;
    d.x = &x;
    d.y = &yv;
    d.weights = std::move(w);
    d.offset = std::move(off);
    d.names = {"(Intercept)", "x"};
    GlmOptions o;
    o.family = Family::make(kind, link);
    o.block_rows = 8;
    try {
      fit_glm(d, o);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Eigen::VectorXd bad = y;
  bad[21] = 2;
  bad[33] = 3;
  std::string e = error_of(bad, FamilyKind::Binomial, Link::Logit);
  EXPECT_NE(e.find("model row 22 has 2"), std::string::npos) << e;
  Eigen::VectorXd w = Eigen::VectorXd::Ones(n);
  w[17] = -1;
  w[30] = NAN;
  e = error_of(y, FamilyKind::Binomial, Link::Logit, w);
  EXPECT_NE(e.find("at model row 18: weights must be finite and non-negative"), std::string::npos) << e;
  w[17] = 1;
  e = error_of(y, FamilyKind::Binomial, Link::Logit, w);
  EXPECT_NE(e.find("at model row 31: weights must be finite and non-negative"), std::string::npos) << e;
  Eigen::VectorXd off = Eigen::VectorXd::Zero(n);
  off[29] = INFINITY;
  e = error_of(y, FamilyKind::Poisson, Link::Log, {}, off);
  EXPECT_NE(e.find("offset is not finite at model row 30"), std::string::npos) << e;
  Eigen::VectorXd positive = y.array() + 1;
  positive[25] = 0;
  e = error_of(positive, FamilyKind::Gaussian, Link::Log);
  EXPECT_NE(e.find("the gaussian family with log link needs y > 0 (row 26)"), std::string::npos) << e;
  e = error_of(positive, FamilyKind::Gaussian, Link::Inverse);
  EXPECT_NE(e.find("the gaussian family with inverse link needs y != 0 (row 26)"), std::string::npos) << e;
  e = error_of(positive, FamilyKind::Gamma, Link::Log);
  EXPECT_NE(e.find("non-positive value 0 at model row 26"), std::string::npos) << e;
  Eigen::VectorXd counts = y;
  counts[38] = -2;
  e = error_of(counts, FamilyKind::Poisson, Link::Log);
  EXPECT_NE(e.find("negative count -2 at model row 39"), std::string::npos) << e;
  // A proportion of one trial in the last block: the warning, not an error.
  Eigen::VectorXd odd = y;
  odd[37] = 0.3;
  GlmData d;
  d.x = &x;
  d.y = &odd;
  d.names = {"(Intercept)", "x"};
  GlmOptions o;
  o.family = Family::make(FamilyKind::Binomial);
  o.block_rows = 8;
  const GlmFit f = fit_glm(d, o);
  ASSERT_FALSE(f.warnings.empty());
  EXPECT_NE(f.warnings.front().find("non-integer #successes"), std::string::npos);
}

// The hand-written X'WX kernel against a direct sum, for column counts that
// exercise every tile shape (groups of 4, tiles of 3 and their remainders)
// and row counts with and without a tail of fewer than 4 rows. The kernel
// is handed a next block to prefetch, and only the lower triangle is added.
TEST(GlmCrossProduct, MatchesADirectSumForEveryShape) {
  for (Eigen::Index p : {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 31, 33}) {
    for (Eigen::Index rows : {1, 2, 3, 4, 5, 13, 64, 509, 512}) {
      const Eigen::Index ld = 2 * rows + 5;
      Eigen::MatrixXd x(ld, p);
      Eigen::VectorXd w(rows);
      for (Eigen::Index i = 0; i < ld; ++i) {
        RandomStream r(11, static_cast<uint64_t>(i), streams::kTestData.id(), static_cast<uint64_t>(p));
        for (Eigen::Index j = 0; j < p; ++j) x(i, j) = r.normal();
        if (i < rows) w[i] = r.uniform();
      }
      std::vector<double> scratch(4 * glm_detail::kCrossprodScratchRows);
      Eigen::MatrixXd out = Eigen::MatrixXd::Zero(p, p);
      glm_detail::add_weighted_crossprod_lower(glm_detail::CrossprodBlock{x.data(), ld, rows, p, w.data()}, x.data() + rows, rows + 5,
                                   scratch.data(), out);
      for (Eigen::Index j = 0; j < p; ++j) {
        for (Eigen::Index k = 0; k < p; ++k) {
          if (k > j) {
            EXPECT_EQ(out(j, k), 0.0) << p << " " << rows;
            continue;
          }
          double direct = 0, scale = 0;
          for (Eigen::Index i = 0; i < rows; ++i) {
            direct += x(i, j) * w[i] * x(i, k);
            scale += std::abs(x(i, j) * w[i] * x(i, k));
          }
          EXPECT_NEAR(out(j, k), direct, 1e-13 * scale) << "p " << p << " rows " << rows << " at " << j << "," << k;
        }
      }
    }
  }
}

TEST(Glm, ProportionsWithWeightsAreAllowedAndNonIntegerSuccessesWarned) {
  const Table t = parse_csv("p,n,x\n0.5,4,1\n0.25,4,2\n0.75,4,3\n0.3,10,4\n");
  Eigen::VectorXd n(4);
  n << 4, 4, 4, 10;
  const GlmFit ok = fit(t, "p ~ x", FamilyKind::Binomial, false, n);
  EXPECT_TRUE(ok.warnings.empty());
  const GlmFit odd = fit(t, "p ~ x", FamilyKind::Binomial);  // no counts: 0.3 of 1 trial
  ASSERT_FALSE(odd.warnings.empty());
  EXPECT_NE(odd.warnings.front().find("non-integer #successes"), std::string::npos);
}

TEST(Glm, BitIdenticalWhateverTheThreadCount) {
  const size_t n = 200'000;
  std::vector<double> x1(n), x2(n), y(n);
  for (size_t i = 0; i < n; ++i) {
    RandomStream r(3, i, streams::kTestData.id());
    x1[i] = r.normal();
    x2[i] = r.uniform();
    y[i] = static_cast<double>(r.poisson(std::exp(0.2 + 0.3 * x1[i] - 0.5 * x2[i])));
  }
  Table t;
  t.add_column(Column::float64("x1", x1));
  t.add_column(Column::float64("x2", x2));
  t.add_column(Column::float64("y", y));
  const DesignMatrix dm = build_design_matrix(t, "y ~ x1 * x2");
  const GlmData d = GlmData::from(dm);
  GlmOptions o;
  o.family = Family::make(FamilyKind::Poisson);
  o.block_rows = 10'000;
  set_thread_count(1);
  const GlmFit ref = fit_glm(d, o);
  const Vcov ref_cl = glm_vcov(ref, d, VcovOptions{VcovType::HC0, {}, false, 10'000});
  for (int threads : {2, 7}) {
    set_thread_count(threads);
    const GlmFit f = fit_glm(d, o);
    EXPECT_EQ(std::memcmp(f.coefficients.data(), ref.coefficients.data(), sizeof(double) * 4), 0) << threads;
    EXPECT_EQ(f.deviance, ref.deviance);
    EXPECT_TRUE(glm_vcov(f, d, VcovOptions{VcovType::HC0, {}, false, 10'000}).matrix == ref_cl.matrix);
  }
  set_thread_count(0);
}

// Once a step changes the deviance by little, IRLS takes the next pass for
// its last and skips X'WX; a fit that goes on after it must redo that pass
// in full. A tight epsilon makes the fit go on past such passes.
TEST(Glm, APassTakenForTheLastIsRedoneWhenTheFitGoesOn) {
  const size_t n = 20'000;
  std::vector<double> x1(n), y(n);
  for (size_t i = 0; i < n; ++i) {
    RandomStream r(5, i, streams::kTestData.id());
    x1[i] = r.normal();
    y[i] = r.uniform() < 1 / (1 + std::exp(-(0.3 + 0.8 * x1[i]))) ? 1.0 : 0.0;
  }
  Table t;
  t.add_column(Column::float64("x1", x1));
  t.add_column(Column::float64("y", y));
  const DesignMatrix dm = build_design_matrix(t, "y ~ x1");
  const GlmData d = GlmData::from(dm);
  GlmOptions o;
  o.family = Family::make(FamilyKind::Binomial);
  const GlmFit usual = fit_glm(d, o);
  o.epsilon = 1e-15;
  const GlmFit tight = fit_glm(d, o);
  ASSERT_TRUE(usual.converged);
  ASSERT_TRUE(tight.converged);
  EXPECT_GT(tight.iterations, usual.iterations);
  for (Eigen::Index j = 0; j < 2; ++j) {
    EXPECT_NEAR(tight.coefficients[j], usual.coefficients[j], 1e-8 * std::abs(usual.coefficients[j]));
    EXPECT_NEAR(tight.cov_unscaled(j, j), usual.cov_unscaled(j, j), 1e-6 * usual.cov_unscaled(j, j));
  }
}

TEST(Glm, FamilyAndLinkCombinations) {
  EXPECT_THROW(Family::make(FamilyKind::Poisson, Link::Logit), InputError);
  EXPECT_EQ(Family::make(FamilyKind::Gamma).link(), Link::Inverse);
  EXPECT_EQ(Family::make(FamilyKind::Binomial, Link::Cloglog).link(), Link::Cloglog);
  GlmOptions o;
  o.family = Family::make(FamilyKind::Poisson);
  o.firth = true;
  const Table t = parse_csv("y,x\n0,1\n1,2\n3,3\n");
  const DesignMatrix dm = build_design_matrix(t, "y ~ x");
  EXPECT_THROW(fit_glm(GlmData::from(dm), o), InputError);  // Firth is for logistic regression
}

}  // namespace
}  // namespace impactsim
