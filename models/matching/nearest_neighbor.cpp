#include "models/matching/nearest_neighbor.hpp"

#include <algorithm>
#include <cmath>
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

// One exact stratum (or the whole sample): its controls sorted by
// (distance, tie key) and its treated units.
struct Stratum {
  std::vector<size_t> controls;  // rows, sorted
  std::vector<size_t> treated;   // rows, in row order
};

class StratumMatcher {
 public:
  StratumMatcher(const MatchInput& in, const NearestNeighborOptions& opt, double caliper, const Stratum& s,
                 const std::vector<int64_t>& key, const std::vector<size_t>& treated_index, std::vector<int64_t>& matches)
      : in_(in), opt_(opt), caliper_(caliper), s_(s), key_(key), treated_index_(treated_index), matches_(matches),
        available_(s.controls.size()) {
    dist_.reserve(s.controls.size());
    for (size_t c : s.controls) dist_.push_back(in.distance[c]);
  }

  void run() {
    if (s_.controls.empty() || s_.treated.empty()) return;
    if (opt_.order == MatchOrder::Closest && !opt_.replace) {
      run_closest();
      return;
    }
    const std::vector<size_t> order = visiting_order();
    for (int r = 0; r < opt_.ratio; ++r) {
      for (size_t t : order) {
        if (!opt_.replace && available_.present() == 0) return;
        const int64_t pos = candidate(t);
        if (pos < 0) continue;
        assign(t, r, static_cast<size_t>(pos));
      }
    }
  }

 private:
  int64_t& slot(size_t t, int r) { return matches_[treated_index_[t] * static_cast<size_t>(opt_.ratio) + static_cast<size_t>(r)]; }

  bool already_matched_to(size_t t, size_t pos) {
    const int64_t row = static_cast<int64_t>(s_.controls[pos]);
    for (int r = 0; r < opt_.ratio; ++r) {
      if (slot(t, r) == row) return true;
    }
    return false;
  }

  // Position among the sorted controls of the first control that sorts after
  // treated unit t (distance, then tie key): controls before it are "left".
  size_t insertion_point(size_t t) const {
    const double d = in_.distance[t];
    const int64_t k = key_[t];
    size_t lo = 0, hi = dist_.size();
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      const bool before = dist_[mid] < d || (dist_[mid] == d && key_[s_.controls[mid]] < k);
      if (before) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // Nearest available control of t within the caliper (left wins ties), as a
  // position in the sorted controls; -1 when none.
  int64_t candidate(size_t t) {
    const double d = in_.distance[t];
    const size_t at = insertion_point(t);
    int64_t left = available_.at_or_before(static_cast<int64_t>(at) - 1);
    while (left >= 0 && opt_.replace && already_matched_to(t, static_cast<size_t>(left))) {
      left = available_.at_or_before(left - 1);
    }
    size_t right = available_.at_or_after(at);
    while (right < dist_.size() && opt_.replace && already_matched_to(t, right)) {
      right = available_.at_or_after(right + 1);
    }
    if (left >= 0 && caliper_ > 0 && std::abs(dist_[static_cast<size_t>(left)] - d) > caliper_) left = -1;
    if (right < dist_.size() && caliper_ > 0 && std::abs(dist_[right] - d) > caliper_) right = dist_.size();
    const bool has_left = left >= 0, has_right = right < dist_.size();
    if (has_left && has_right) {
      return std::abs(dist_[static_cast<size_t>(left)] - d) <= std::abs(dist_[right] - d) ? left
                                                                                         : static_cast<int64_t>(right);
    }
    if (has_left) return left;
    if (has_right) return static_cast<int64_t>(right);
    return -1;
  }

  void assign(size_t t, int r, size_t pos) {
    slot(t, r) = static_cast<int64_t>(s_.controls[pos]);
    if (!opt_.replace) available_.remove(pos);
  }

  std::vector<size_t> visiting_order() const {
    std::vector<size_t> order = s_.treated;  // row order
    const auto& d = in_.distance;
    switch (opt_.order) {
      case MatchOrder::Largest:
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
          return d[a] > d[b] || (d[a] == d[b] && key_[a] < key_[b]);
        });
        break;
      case MatchOrder::Smallest:
      case MatchOrder::Closest:  // with replacement the order does not matter
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
          return d[a] < d[b] || (d[a] == d[b] && key_[a] < key_[b]);
        });
        break;
      case MatchOrder::Random: {
        std::vector<std::pair<double, size_t>> u;
        u.reserve(order.size());
        for (size_t t : order) u.push_back({RandomStream(opt_.seed, static_cast<uint64_t>(key_[t]), 0x6d61746368).uniform(), t});
        std::sort(u.begin(), u.end(), [&](const auto& a, const auto& b) {
          return a.first < b.first || (a.first == b.first && key_[a.second] < key_[b.second]);
        });
        for (size_t i = 0; i < u.size(); ++i) order[i] = u[i].second;
        break;
      }
      case MatchOrder::Data: break;
    }
    return order;
  }

  void run_closest() {
    // (|distance difference|, treated key, control key, treated row, control position)
    using Entry = std::tuple<double, int64_t, int64_t, size_t, size_t>;
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
    auto push = [&](size_t t) {
      const int64_t pos = candidate(t);
      if (pos < 0) return;
      const size_t p = static_cast<size_t>(pos);
      queue.push({std::abs(dist_[p] - in_.distance[t]), key_[t], key_[s_.controls[p]], t, p});
    };
    for (size_t t : s_.treated) push(t);
    std::vector<int> got(s_.treated.size(), 0);
    auto local = [&](size_t t) {  // index of t in s_.treated (row order)
      return static_cast<size_t>(std::lower_bound(s_.treated.begin(), s_.treated.end(), t) - s_.treated.begin());
    };
    while (!queue.empty() && available_.present() > 0) {
      const auto [gap, tk, ck, t, p] = queue.top();
      queue.pop();
      (void)gap;
      (void)tk;
      (void)ck;
      const size_t li = local(t);
      if (got[li] >= opt_.ratio) continue;
      if (available_.at_or_after(p) != p) {  // taken meanwhile: t's next candidate
        push(t);
        continue;
      }
      assign(t, got[li]++, p);
      if (got[li] < opt_.ratio) push(t);
    }
  }

  const MatchInput& in_;
  const NearestNeighborOptions& opt_;
  double caliper_;
  const Stratum& s_;
  const std::vector<int64_t>& key_;
  const std::vector<size_t>& treated_index_;
  std::vector<int64_t>& matches_;
  AvailableSet available_;
  std::vector<double> dist_;
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
    if (opt.std_caliper) {
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
    (in.treated[i] != 0 ? s.treated : s.controls).push_back(i);
  }
  m.matches.assign(m.treated_rows.size() * static_cast<size_t>(opt.ratio), -1);
  parallel_for_blocks(strata.size(), 1, [&](size_t b, size_t, size_t) {
    Stratum& s = strata[b];
    std::sort(s.controls.begin(), s.controls.end(), [&](size_t a, size_t c) {
      return in.distance[a] < in.distance[c] || (in.distance[a] == in.distance[c] && key[a] < key[c]);
    });
    StratumMatcher(in, opt, m.caliper, s, key, treated_index, m.matches).run();
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
