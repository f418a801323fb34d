#include "models/matching/nearest_neighbor.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>
#include <tuple>

#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/random_stream.hpp"
#include "models/matching/available_set.hpp"

namespace impactsim {

std::optional<MatchOrder> parse_match_order(const std::string& name) {
  if (name == "largest") return MatchOrder::Largest;
  if (name == "smallest") return MatchOrder::Smallest;
  if (name == "closest") return MatchOrder::Closest;
  if (name == "random") return MatchOrder::Random;
  if (name == "data") return MatchOrder::Data;
  return std::nullopt;
}

const char* to_string(MatchOrder order) {
  switch (order) {
    case MatchOrder::Largest: return "largest";
    case MatchOrder::Smallest: return "smallest";
    case MatchOrder::Closest: return "closest";
    case MatchOrder::Random: return "random";
    case MatchOrder::Data: return "data";
  }
  return "";
}

namespace {

// A unit as the matcher sorts it: by distance, then tie key.
struct Unit {
  double d;
  int64_t key;
  size_t row;
  bool operator<(const Unit& o) const { return d < o.d || (d == o.d && key < o.key); }
};

// One exact stratum (or the whole sample). Sorting the units themselves,
// not indices into them, keeps the sort and the searches in cache.
struct Stratum {
  std::vector<Unit> controls;  // sorted
  std::vector<Unit> treated;   // sorted
};

class StratumMatcher {
 public:
  StratumMatcher(const NearestNeighborOptions& opt, double caliper, const Stratum& s,
                 const std::vector<size_t>& treated_index, std::vector<int64_t>& matches)
      : opt_(opt), caliper_(caliper), s_(s), treated_index_(treated_index), matches_(matches),
        available_(s.controls.size()) {
    // Insertion point of each treated unit among the controls, by one merge.
    at_.resize(s.treated.size());
    size_t c = 0;
    for (size_t i = 0; i < s.treated.size(); ++i) {
      while (c < s.controls.size() && s.controls[c] < s.treated[i]) ++c;
      at_[i] = c;
    }
  }

  void run() {
    if (s_.controls.empty() || s_.treated.empty()) return;
    if (opt_.order == MatchOrder::Closest && !opt_.replace) {
      run_closest();
      return;
    }
    const std::vector<size_t> order = visiting_order();
    for (int r = 0; r < opt_.ratio; ++r) {
      for (size_t i : order) {
        if (!opt_.replace && available_.present() == 0) return;
        const int64_t pos = candidate(i);
        if (pos < 0) continue;
        assign(i, r, static_cast<size_t>(pos));
      }
    }
  }

 private:
  int64_t& slot(size_t i, int r) {
    return matches_[treated_index_[s_.treated[i].row] * static_cast<size_t>(opt_.ratio) + static_cast<size_t>(r)];
  }

  bool already_matched_to(size_t i, size_t pos) {
    const auto row = static_cast<int64_t>(s_.controls[pos].row);
    for (int r = 0; r < opt_.ratio; ++r) {
      if (slot(i, r) == row) return true;
    }
    return false;
  }

  // Nearest available control of treated unit i (index into s_.treated)
  // within the caliper, left winning ties, as a position among the sorted
  // controls; -1 when none.
  int64_t candidate(size_t i) {
    const double d = s_.treated[i].d;
    const size_t at = at_[i], m = s_.controls.size();
    int64_t left = available_.at_or_before(static_cast<int64_t>(at) - 1);
    while (left >= 0 && opt_.replace && already_matched_to(i, static_cast<size_t>(left))) {
      left = available_.at_or_before(left - 1);
    }
    size_t right = available_.at_or_after(at);
    while (right < m && opt_.replace && already_matched_to(i, right)) right = available_.at_or_after(right + 1);
    double gap_left = left >= 0 ? d - s_.controls[static_cast<size_t>(left)].d : INFINITY;
    double gap_right = right < m ? s_.controls[right].d - d : INFINITY;
    if (caliper_ > 0) {
      if (gap_left > caliper_) gap_left = INFINITY;
      if (gap_right > caliper_) gap_right = INFINITY;
    }
    if (gap_left == INFINITY && gap_right == INFINITY) return -1;
    return gap_left <= gap_right ? left : static_cast<int64_t>(right);
  }

  void assign(size_t i, int r, size_t pos) {
    slot(i, r) = static_cast<int64_t>(s_.controls[pos].row);
    if (!opt_.replace) available_.remove(pos);
  }

  // Indices into s_.treated (sorted by distance, then key) in visiting order.
  std::vector<size_t> visiting_order() const {
    const auto& t = s_.treated;
    std::vector<size_t> order(t.size());
    std::iota(order.begin(), order.end(), size_t{0});
    switch (opt_.order) {
      case MatchOrder::Smallest:
      case MatchOrder::Closest:  // with replacement the order does not matter
        break;
      case MatchOrder::Largest: {
        // Distance descending, ties by key ascending: reverse, then restore
        // each run of equal distances.
        std::reverse(order.begin(), order.end());
        for (size_t a = 0; a < order.size();) {
          size_t b = a + 1;
          while (b < order.size() && t[order[b]].d == t[order[a]].d) ++b;
          std::reverse(order.begin() + static_cast<std::ptrdiff_t>(a), order.begin() + static_cast<std::ptrdiff_t>(b));
          a = b;
        }
        break;
      }
      case MatchOrder::Random: {
        std::vector<std::pair<double, size_t>> u(t.size());
        for (size_t i = 0; i < t.size(); ++i) {
          u[i] = {RandomStream(opt_.seed, static_cast<uint64_t>(t[i].key), streams::kMatchingOrder.id()).uniform(), i};
        }
        std::sort(u.begin(), u.end(), [&](const auto& a, const auto& b) {
          return a.first < b.first || (a.first == b.first && t[a.second].key < t[b.second].key);
        });
        for (size_t i = 0; i < u.size(); ++i) order[i] = u[i].second;
        break;
      }
      case MatchOrder::Data:
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return t[a].row < t[b].row; });
        break;
    }
    return order;
  }

  void run_closest() {
    // (|distance difference|, treated key, control key, treated index, control position)
    using Entry = std::tuple<double, int64_t, int64_t, size_t, size_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
    auto push = [&](size_t i) {
      const int64_t pos = candidate(i);
      if (pos < 0) return;
      const Unit& c = s_.controls[static_cast<size_t>(pos)];
      queue.push({std::abs(c.d - s_.treated[i].d), s_.treated[i].key, c.key, i, static_cast<size_t>(pos)});
    };
    for (size_t i = 0; i < s_.treated.size(); ++i) push(i);
    std::vector<int> got(s_.treated.size(), 0);
    while (!queue.empty() && available_.present() > 0) {
      const size_t i = std::get<3>(queue.top()), p = std::get<4>(queue.top());
      queue.pop();
      if (got[i] >= opt_.ratio) continue;
      if (available_.at_or_after(p) != p) {  // taken meanwhile: i's next candidate
        push(i);
        continue;
      }
      assign(i, got[i]++, p);
      if (got[i] < opt_.ratio) push(i);
    }
  }

  const NearestNeighborOptions& opt_;
  double caliper_;
  const Stratum& s_;
  const std::vector<size_t>& treated_index_;
  std::vector<int64_t>& matches_;
  AvailableSet available_;
  std::vector<size_t> at_;
};

}  // namespace

Matching match_nearest(const MatchInput& in, const NearestNeighborOptions& opt) {
  const size_t n = in.distance.size();
  if (in.treated.size() != n || (!in.discarded.empty() && in.discarded.size() != n) ||
      (!in.stratum.empty() && in.stratum.size() != n) || (!in.tie_key.empty() && in.tie_key.size() != n)) {
    throw std::invalid_argument("match_nearest: inputs of different lengths");
  }
  if (opt.ratio < 1) throw InputError("ratio must be a whole number of controls, 1 or more (got " + std::to_string(opt.ratio) + ")");
  if (opt.caliper && !(*opt.caliper > 0 && std::isfinite(*opt.caliper))) {
    throw InputError("caliper must be a positive number");
  }
  auto discarded = [&](size_t i) { return !in.discarded.empty() && in.discarded[i] != 0; };
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(in.distance[i])) {
      throw InputError("distance of row " + std::to_string(i + 1) + " is not a finite number");
    }
  }

  Matching m;
  m.ratio = opt.ratio;
  // Caliper in distance units: MatchIt's sd over the units not discarded.
  if (opt.caliper) {
    double caliper = *opt.caliper;
    if (opt.caliper_scale == CaliperScale::StandardDeviations) {
      double sum = 0, kept = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!discarded(i)) {
          sum += in.distance[i];
          ++kept;
        }
      }
      const double mean = sum / kept;
      double ss = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!discarded(i)) ss += (in.distance[i] - mean) * (in.distance[i] - mean);
      }
      caliper *= std::sqrt(ss / (kept - 1));
    }
    m.caliper = caliper;
  }

  std::vector<int64_t> key(n);
  for (size_t i = 0; i < n; ++i) key[i] = in.tie_key.empty() ? static_cast<int64_t>(i) : in.tie_key[i];

  // Strata (one when not exact), each with its sorted controls.
  int32_t nstrata = 1;
  if (!in.stratum.empty()) {
    for (int32_t s : in.stratum) {
      if (s < 0) throw std::invalid_argument("match_nearest: negative stratum code");
      nstrata = std::max(nstrata, s + 1);
    }
  }
  std::vector<Stratum> strata(static_cast<size_t>(nstrata));
  std::vector<size_t> treated_index(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (in.treated[i] != 0) {
      treated_index[i] = m.treated_rows.size();
      m.treated_rows.push_back(static_cast<int64_t>(i));
    }
    if (discarded(i)) continue;
    Stratum& s = strata[in.stratum.empty() ? 0 : static_cast<size_t>(in.stratum[i])];
    (in.treated[i] != 0 ? s.treated : s.controls).push_back({in.distance[i], key[i], i});
  }
  m.matches.assign(m.treated_rows.size() * static_cast<size_t>(opt.ratio), -1);
  // Sorting: the two groups of each stratum in parallel; then strata in parallel.
  parallel_for_blocks(2 * strata.size(), 1, [&](size_t b, size_t, size_t) {
    auto& v = b % 2 == 0 ? strata[b / 2].controls : strata[b / 2].treated;
    std::sort(v.begin(), v.end());
  });
  parallel_for_blocks(strata.size(), 1, [&](size_t b, size_t, size_t) {
    StratumMatcher(opt, m.caliper.value_or(0.0), strata[b], treated_index, m.matches).run();
  });

  // Weights and subclasses as MatchIt's match.data.
  m.weights.assign(n, 0.0);
  m.subclass.assign(n, -1);
  const size_t k = static_cast<size_t>(opt.ratio);
  int64_t next_subclass = 1;
  for (size_t t = 0; t < m.treated_rows.size(); ++t) {
    size_t got = 0;
    for (size_t r = 0; r < k; ++r) got += m.matches[t * k + r] >= 0;
    if (got == 0) continue;
    const size_t row = static_cast<size_t>(m.treated_rows[t]);
    m.weights[row] = 1.0;
    ++m.matched_treated;
    const int64_t sub = opt.replace ? -1 : next_subclass++;
    m.subclass[row] = sub;
    for (size_t r = 0; r < k; ++r) {
      const int64_t c = m.matches[t * k + r];
      if (c < 0) continue;
      m.weights[static_cast<size_t>(c)] += 1.0 / static_cast<double>(got);
      m.subclass[static_cast<size_t>(c)] = sub;
    }
  }
  double control_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (in.treated[i] == 0 && m.weights[i] > 0) {
      control_sum += m.weights[i];
      ++m.matched_controls;
    }
  }
  if (control_sum > 0) {
    const double scale = static_cast<double>(m.matched_controls) / control_sum;
    for (size_t i = 0; i < n; ++i) {
      if (in.treated[i] == 0) m.weights[i] *= scale;
    }
  }
  return m;
}

}  // namespace impactsim
