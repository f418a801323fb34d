// Matching and balance against MatchIt 4.5 (tests/reference/matching.R).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "engine/csv.hpp"
#include "models/balance/balance.hpp"
#include "models/matching/nearest_neighbor.hpp"
#include "models/propensity/propensity.hpp"

namespace impactsim {
namespace {

const std::string kDir = std::string(IMPACTSIM_FIXTURES) + "/matching/";
const std::string kFormula = "treat ~ x1 + x2 + age + female + region";

struct Config {
  std::string name;
  PropensityOptions ps;
  NearestNeighborOptions nn;
  std::vector<std::string> exact;
};

std::vector<Config> configs() {
  auto c = [](std::string name) {
    Config k;
    k.name = std::move(name);
    return k;
  };
  std::vector<Config> out;
  Config k = c("largest");
  out.push_back(k);
  k = c("smallest");
  k.nn.order = MatchOrder::Smallest;
  out.push_back(k);
  k = c("data");
  k.nn.order = MatchOrder::Data;
  out.push_back(k);
  k = c("ratio2");
  k.nn.ratio = 2;
  out.push_back(k);
  k = c("caliper");
  k.nn.caliper = 0.2;
  out.push_back(k);
  k = c("ratio2_caliper");
  k.nn.order = MatchOrder::Smallest;
  k.nn.ratio = 2;
  k.nn.caliper = 0.1;
  out.push_back(k);
  k = c("exact");
  k.exact = {"site"};
  out.push_back(k);
  k = c("replace");
  k.nn.replace = true;
  k.nn.order = MatchOrder::Data;
  out.push_back(k);
  k = c("replace_ratio3");
  k.nn.replace = true;
  k.nn.order = MatchOrder::Data;
  k.nn.ratio = 3;
  out.push_back(k);
  k = c("discard_both");
  k.ps.discard = Discard::Both;
  k.nn.caliper = 0.25;
  out.push_back(k);
  k = c("logit_distance");
  k.ps.distance = DistanceScale::Logit;
  k.nn.caliper = 0.2;
  out.push_back(k);
  k = c("raw_caliper");
  k.nn.caliper = 0.02;
  k.nn.caliper_scale = CaliperScale::DistanceUnits;
  out.push_back(k);
  k = c("probit");
  k.ps.link = Link::Probit;
  k.nn.order = MatchOrder::Smallest;
  out.push_back(k);
  return out;
}

double num(const Column& c, size_t i) { return c.type() == ColumnType::Categorical ? std::stod(c.format_value(i)) : c.numeric_value(i); }

void expect_close(double ours, double ref, double tol, const std::string& what) {
  if (std::isnan(ref)) {
    EXPECT_TRUE(std::isnan(ours)) << what << ": ours " << ours << ", MatchIt NA";
    return;
  }
  EXPECT_NEAR(ours, ref, tol * std::max(1.0, std::abs(ref))) << what;
}

void expect_balance(const std::vector<BalanceRow>& rows, const Table& ref, const std::string& what) {
  ASSERT_EQ(rows.size(), ref.num_rows()) << what;
  const char* cols[] = {"Means Treated", "Means Control", "Std. Mean Diff.", "Var. Ratio", "eCDF Mean", "eCDF Max"};
  for (size_t i = 0; i < rows.size(); ++i) {
    const BalanceRow& r = rows[i];
    EXPECT_EQ(r.name, ref.column("term").format_value(i)) << what;
    const double ours[] = {r.mean_treated, r.mean_control, r.std_mean_diff, r.var_ratio, r.ecdf_mean, r.ecdf_max};
    for (int k = 0; k < 6; ++k) {
      const Column& c = ref.column(cols[k]);
      const double v = c.is_missing(i) ? NAN : num(c, i);
      expect_close(ours[k], v, 1e-8, what + " " + r.name + " " + cols[k]);
    }
  }
}

TEST(MatchingReference, MatchesWeightsAndBalanceEqualMatchIt) {
  CsvReadOptions o;
  const Table data = read_csv(kDir + "data.csv", o);
  for (const Config& cfg : configs()) {
    SCOPED_TRACE(cfg.name);
    const PropensityModel pm = fit_propensity(data, kFormula, cfg.ps);
    const Table units = read_csv(kDir + cfg.name + "_units.csv", o);
    const size_t n = data.num_rows();
    for (size_t i = 0; i < n; ++i) {
      expect_close(pm.distance[i], units.column("distance").numeric_value(i), 1e-9, "distance row " + std::to_string(i + 1));
      ASSERT_EQ(pm.discarded[i], units.column("discarded").numeric_value(i)) << "discarded row " << i + 1;
    }
    std::vector<int32_t> strata;
    if (!cfg.exact.empty()) strata = exact_strata(data, cfg.exact);
    MatchInput in{pm.distance, pm.treated, pm.discarded, strata, {}};
    const Matching m = match_nearest(in, cfg.nn);

    // Match matrix: row by treated unit, controls in round order (1-based; 0 = none).
    const Table mm = read_csv(kDir + cfg.name + "_matches.csv", o);
    ASSERT_EQ(mm.num_rows(), m.treated_rows.size());
    const size_t k = static_cast<size_t>(cfg.nn.ratio);
    for (size_t t = 0; t < m.treated_rows.size(); ++t) {
      ASSERT_EQ(m.treated_rows[t] + 1, mm.column("treated").numeric_value(t));
      for (size_t r = 0; r < k; ++r) {
        const double ref = mm.column(1 + r).numeric_value(t);
        EXPECT_EQ(m.matches[t * k + r] + 1, ref) << "treated row " << m.treated_rows[t] + 1 << ", match " << r + 1;
      }
    }
    // Weights; subclasses as a partition (MatchIt numbers them differently).
    std::map<int64_t, int64_t> to_ref;
    for (size_t i = 0; i < n; ++i) {
      expect_close(m.weights[i], units.column("weights").numeric_value(i), 1e-12, "weight row " + std::to_string(i + 1));
      const Column& sc = units.column("subclass");
      if (sc.is_missing(i)) {
        EXPECT_EQ(m.subclass[i], -1) << "row " << i + 1;
        continue;
      }
      const auto ref = static_cast<int64_t>(sc.numeric_value(i));
      auto [it, inserted] = to_ref.emplace(m.subclass[i], ref);
      EXPECT_EQ(it->second, ref) << "subclass of row " << i + 1;
    }

    // summary(): all data and matched, sample sizes.
    // MatchIt lists the exact-matching variables among the covariates.
    std::string covariates = kFormula;
    for (const auto& e : cfg.exact) covariates += " + " + e;
    const DesignMatrix cov = balance_covariates(data, covariates);
    const BalanceReport b = compute_balance(cov.x, cov.column_names, pm.distance, pm.treated, m.weights, pm.discarded);
    expect_balance(b.before, read_csv(kDir + cfg.name + "_balance_all.csv", o), "all");
    expect_balance(b.after, read_csv(kDir + cfg.name + "_balance_matched.csv", o), "matched");
    const Table sizes = read_csv(kDir + cfg.name + "_sizes.csv", o);
    const double* ours[] = {b.sizes.all_ess, b.sizes.all, b.sizes.matched_ess, b.sizes.matched, b.sizes.unmatched,
                            b.sizes.discarded};
    for (size_t r = 0; r < 6; ++r) {
      expect_close(ours[r][0], sizes.column("control").numeric_value(r), 1e-10, sizes.column("size").format_value(r));
      expect_close(ours[r][1], sizes.column("treated").numeric_value(r), 1e-10, sizes.column("size").format_value(r));
    }
  }
}

}  // namespace
}  // namespace impactsim
