#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>

#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/random_stream.hpp"
#include "models/balance/balance.hpp"
#include "models/matching/nearest_neighbor.hpp"
#include "models/propensity/propensity.hpp"
#include "test_util.hpp"

namespace impactsim {
namespace {

struct Units {
  std::vector<double> distance;
  std::vector<uint8_t> treated;
  std::vector<int32_t> stratum;
  std::vector<int64_t> id;
};

// Scores spread over (0, 0.9) with a share of treated units among the high
// scores: the hard case for matchers that scan over used controls.
Units make_units(size_t n, double treated_share, uint64_t seed, int strata = 0) {
  Units u;
  RandomStream r(seed, 0, streams::kTestData.id());
  for (size_t i = 0; i < n; ++i) {
    const double d = 0.9 * r.uniform();
    u.distance.push_back(d);
    u.treated.push_back(r.uniform() < treated_share * (0.4 + d));
    if (strata > 0) u.stratum.push_back(static_cast<int32_t>(r.uniform() * strata));
    u.id.push_back(static_cast<int64_t>(1000 + 7 * i));
  }
  return u;
}

// Straightforward O(n1 * n0) greedy matching in the given visiting order, ratio
// rounds, left preferred on equal distance: the rule match_nearest implements.
std::vector<int64_t> brute_force(const Units& u, const std::vector<size_t>& order, int ratio, double caliper) {
  const size_t n = u.distance.size();
  std::vector<size_t> treated_index(n, 0);
  size_t n1 = 0;
  for (size_t i = 0; i < n; ++i) {
    if (u.treated[i]) treated_index[i] = n1++;
  }
  std::vector<int64_t> matches(n1 * static_cast<size_t>(ratio), -1);
  std::vector<uint8_t> used(n, 0);
  for (int r = 0; r < ratio; ++r) {
    for (size_t t : order) {
      int64_t best = -1;
      for (size_t c = 0; c < n; ++c) {
        if (u.treated[c] || used[c]) continue;
        if (!u.stratum.empty() && u.stratum[c] != u.stratum[t]) continue;
        const double gap = std::abs(u.distance[c] - u.distance[t]);
        if (caliper > 0 && gap > caliper) continue;
        if (best < 0) {
          best = static_cast<int64_t>(c);
          continue;
        }
        const double bgap = std::abs(u.distance[static_cast<size_t>(best)] - u.distance[t]);
        const bool c_left = u.distance[c] < u.distance[t];
        if (gap < bgap || (gap == bgap && c_left && u.distance[c] < u.distance[static_cast<size_t>(best)])) {
          best = static_cast<int64_t>(c);
        }
      }
      if (best >= 0) {
        matches[treated_index[t] * static_cast<size_t>(ratio) + static_cast<size_t>(r)] = best;
        used[static_cast<size_t>(best)] = 1;
      }
    }
  }
  return matches;
}

std::vector<size_t> treated_by_distance(const Units& u, bool largest) {
  std::vector<size_t> order;
  for (size_t i = 0; i < u.distance.size(); ++i) {
    if (u.treated[i]) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return largest ? u.distance[a] > u.distance[b] : u.distance[a] < u.distance[b];
  });
  return order;
}

TEST(Matching, GreedyOrdersEqualTheQuadraticDefinition) {
  for (double share : {0.2, 0.45}) {
    const Units u = make_units(3000, share, 11);
    for (bool largest : {true, false}) {
      for (int ratio : {1, 2}) {
        for (double caliper : {0.0, 0.002}) {
          NearestNeighborOptions o;
          o.order = largest ? MatchOrder::Largest : MatchOrder::Smallest;
          o.ratio = ratio;
          if (caliper > 0) {
            o.caliper = caliper;
            o.caliper_scale = CaliperScale::DistanceUnits;
          }
          const Matching m = match_nearest({u.distance, u.treated, {}, {}, {}}, o);
          EXPECT_EQ(m.matches, brute_force(u, treated_by_distance(u, largest), ratio, caliper))
              << share << " " << largest << " " << ratio << " " << caliper;
        }
      }
    }
  }
}

TEST(Matching, ExactStrataMatchWithinStrataWhateverTheThreadCount) {
  const Units u = make_units(4000, 0.3, 12, 7);
  NearestNeighborOptions o;
  o.ratio = 2;
  const int before = thread_count();
  set_thread_count(1);
  const Matching one = match_nearest({u.distance, u.treated, {}, u.stratum, {}}, o);
  set_thread_count(3);
  const Matching three = match_nearest({u.distance, u.treated, {}, u.stratum, {}}, o);
  set_thread_count(before);
  EXPECT_EQ(one.matches, three.matches);
  EXPECT_EQ(one.weights, three.weights);
  EXPECT_EQ(one.matches, brute_force(u, treated_by_distance(u, true), 2, 0.0));
}

// Global closest-pair-first, by its definition: repeatedly take the closest
// (treated with matches to go, available control) pair.
std::vector<int64_t> brute_force_closest(const Units& u, int ratio, double caliper) {
  const size_t n = u.distance.size();
  std::vector<size_t> t_rows, c_rows;
  for (size_t i = 0; i < n; ++i) (u.treated[i] ? t_rows : c_rows).push_back(i);
  std::vector<int64_t> matches(t_rows.size() * static_cast<size_t>(ratio), -1);
  std::vector<int> got(t_rows.size(), 0);
  std::vector<uint8_t> used(c_rows.size(), 0);
  while (true) {
    double best = INFINITY;
    size_t bt = 0, bc = 0;
    for (size_t a = 0; a < t_rows.size(); ++a) {
      if (got[a] >= ratio) continue;
      for (size_t b = 0; b < c_rows.size(); ++b) {
        if (used[b]) continue;
        const double gap = std::abs(u.distance[t_rows[a]] - u.distance[c_rows[b]]);
        if (caliper > 0 && gap > caliper) continue;
        if (gap < best) {
          best = gap;
          bt = a;
          bc = b;
        }
      }
    }
    if (!std::isfinite(best)) break;
    matches[bt * static_cast<size_t>(ratio) + static_cast<size_t>(got[bt]++)] = static_cast<int64_t>(c_rows[bc]);
    used[bc] = 1;
  }
  return matches;
}

TEST(Matching, ClosestTakesTheGloballyClosestPairFirst) {
  const Units u = make_units(800, 0.4, 13);
  for (int ratio : {1, 3}) {
    NearestNeighborOptions o;
    o.order = MatchOrder::Closest;
    o.ratio = ratio;
    o.caliper = 0.003;
    o.caliper_scale = CaliperScale::DistanceUnits;
    const Matching m = match_nearest({u.distance, u.treated, {}, {}, {}}, o);
    EXPECT_EQ(m.matches, brute_force_closest(u, ratio, 0.003)) << ratio;
  }
}

TEST(Matching, TieKeysMakeResultsIndependentOfRowOrder) {
  // Coarse scores: many exact ties.
  Units u = make_units(2000, 0.3, 14, 3);
  for (double& d : u.distance) d = std::round(d * 40) / 40;
  std::vector<size_t> perm(u.distance.size());
  std::iota(perm.begin(), perm.end(), size_t{0});
  std::reverse(perm.begin(), perm.end());
  std::rotate(perm.begin(), perm.begin() + 333, perm.end());
  Units p;
  for (size_t i : perm) {
    p.distance.push_back(u.distance[i]);
    p.treated.push_back(u.treated[i]);
    p.stratum.push_back(u.stratum[i]);
    p.id.push_back(u.id[i]);
  }
  for (MatchOrder order : {MatchOrder::Largest, MatchOrder::Smallest, MatchOrder::Closest, MatchOrder::Random}) {
    NearestNeighborOptions o;
    o.order = order;
    o.ratio = 2;
    o.seed = 99;
    const Matching a = match_nearest({u.distance, u.treated, {}, u.stratum, u.id}, o);
    const Matching b = match_nearest({p.distance, p.treated, {}, p.stratum, p.id}, o);
    // Pairs by id.
    auto pairs = [](const Matching& m, const Units& units) {
      std::map<int64_t, std::vector<int64_t>> out;
      for (size_t t = 0; t < m.treated_rows.size(); ++t) {
        auto& v = out[units.id[static_cast<size_t>(m.treated_rows[t])]];
        for (int r = 0; r < m.ratio; ++r) {
          const int64_t c = m.matches[t * static_cast<size_t>(m.ratio) + static_cast<size_t>(r)];
          v.push_back(c < 0 ? -1 : units.id[static_cast<size_t>(c)]);
        }
      }
      return out;
    };
    EXPECT_EQ(pairs(a, u), pairs(b, p)) << to_string(order);
  }
}

TEST(Matching, ReplacementReusesControlsButNeverTwiceForOneTreatedUnit) {
  const Units u = make_units(500, 0.5, 15);
  NearestNeighborOptions o;
  o.replace = true;
  o.ratio = 3;
  const Matching m = match_nearest({u.distance, u.treated, {}, {}, {}}, o);
  std::map<int64_t, int> uses;
  for (size_t t = 0; t < m.treated_rows.size(); ++t) {
    std::vector<int64_t> mine(m.matches.begin() + static_cast<std::ptrdiff_t>(3 * t),
                              m.matches.begin() + static_cast<std::ptrdiff_t>(3 * t + 3));
    std::sort(mine.begin(), mine.end());
    EXPECT_TRUE(std::adjacent_find(mine.begin(), mine.end()) == mine.end());
    for (int64_t c : mine) uses[c]++;
  }
  EXPECT_GT(std::max_element(uses.begin(), uses.end(), [](auto& a, auto& b) { return a.second < b.second; })->second, 1);
  for (int64_t s : m.subclass) EXPECT_EQ(s, -1);  // no pair subclasses with replacement, as MatchIt
}

TEST(Matching, BadOptionsAndInputAreErrors) {
  const Units u = make_units(50, 0.4, 16);
  NearestNeighborOptions o;
  o.ratio = 0;
  EXPECT_NE(testing::error_of([&] { match_nearest({u.distance, u.treated, {}, {}, {}}, o); }).find("ratio"), std::string::npos);
  o.ratio = 1;
  o.caliper = -0.1;
  EXPECT_NE(testing::error_of([&] { match_nearest({u.distance, u.treated, {}, {}, {}}, o); }).find("caliper"), std::string::npos);
  o.caliper.reset();
  std::vector<double> d = u.distance;
  d[7] = NAN;
  EXPECT_NE(testing::error_of([&] { match_nearest({d, u.treated, {}, {}, {}}, o); }).find("row 8"), std::string::npos);
}

Table propensity_table(size_t n, bool separated) {
  RandomStream r(5, 0, streams::kTestData.id());
  std::vector<double> x(n);
  std::vector<int64_t> t(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = r.normal();
    t[i] = separated ? x[i] > 0 : r.uniform() < 1 / (1 + std::exp(-x[i]));
  }
  Table tab;
  tab.add_column(Column::float64("x", x));
  tab.add_column(Column::int64("treat", t));
  return tab;
}

TEST(Propensity, BadTreatmentAndNoOverlapAreErrors) {
  Table t = propensity_table(200, false);
  EXPECT_NO_THROW(fit_propensity(t, "treat ~ x"));
  t.column("treat").i64()[3] = 2;
  EXPECT_NE(testing::error_of([&] { fit_propensity(t, "treat ~ x"); }).find("must be 0/1"), std::string::npos);
  t.column("treat").i64()[3] = kMissingInt64;
  EXPECT_NE(testing::error_of([&] { fit_propensity(t, "treat ~ x"); }).find("missing values"), std::string::npos);
  Table all_treated = propensity_table(50, false);
  for (auto& v : all_treated.column("treat").i64()) v = 1;
  EXPECT_NE(testing::error_of([&] { fit_propensity(all_treated, "treat ~ x"); }).find("no control units"), std::string::npos);
  PropensityOptions o;
  o.discard = Discard::Both;
  EXPECT_NE(testing::error_of([&] { fit_propensity(propensity_table(200, true), "treat ~ x", o); }).find("no overlap"),
            std::string::npos);
}

TEST(Balance, FlagsUseRawDifferencesForBinaryColumns) {
  Eigen::MatrixXd x(6, 2);
  x << 1, 10, 1, 12, 0, 11, 0, 30, 0, 31, 1, 29;
  const std::vector<uint8_t> treated = {1, 1, 1, 0, 0, 0};
  const BalanceReport b = compute_balance(x, {"flag", "value"}, {}, treated, {}, {});
  ASSERT_EQ(b.before.size(), 2u);
  EXPECT_TRUE(b.before[0].binary);
  EXPECT_NEAR(b.before[0].balance_stat, 2.0 / 3 - 1.0 / 3, 1e-15);
  EXPECT_TRUE(b.before[0].flagged);
  EXPECT_TRUE(std::isnan(b.before[0].var_ratio));
  EXPECT_FALSE(b.before[1].binary);
  EXPECT_TRUE(b.before[1].flagged);
  EXPECT_TRUE(b.after.empty());
  EXPECT_EQ(b.sizes.all[1], 3);
}

}  // namespace
}  // namespace impactsim
