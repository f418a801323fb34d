#include "models/propensity/propensity.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "engine/design_matrix.hpp"
#include "engine/error.hpp"

namespace impactsim {

std::optional<Discard> parse_discard(const std::string& name) {
  if (name == "none") return Discard::None;
  if (name == "treated") return Discard::Treated;
  if (name == "control") return Discard::Control;
  if (name == "both") return Discard::Both;
  return std::nullopt;
}

const char* to_string(Discard d) {
  switch (d) {
    case Discard::None: return "none";
    case Discard::Treated: return "treated";
    case Discard::Control: return "control";
    case Discard::Both: return "both";
  }
  return "";
}

namespace {

struct Fitted {
  GlmFit fit;
  std::vector<double> eta, mu;
};

// Fits the binomial model on the matrix rows `rows` (all when empty) and
// returns the linear predictor and score of every matrix row.
Fitted fit_rows(const DesignMatrix& dm, const std::vector<size_t>& rows, Link link) {
  GlmOptions o;
  o.family = Family::make(FamilyKind::Binomial, link);
  Fitted f;
  if (rows.empty()) {
    f.fit = fit_glm(GlmData::from(dm), o);
  } else {
    DesignMatrix sub;
    sub.column_names = dm.column_names;
    sub.assign = dm.assign;
    sub.term_labels = dm.term_labels;
    sub.has_intercept = dm.has_intercept;
    sub.has_response = true;
    sub.response_name = dm.response_name;
    sub.x.resize(static_cast<Eigen::Index>(rows.size()), dm.x.cols());
    sub.y.resize(static_cast<Eigen::Index>(rows.size()));
    for (size_t k = 0; k < rows.size(); ++k) {
      sub.x.row(static_cast<Eigen::Index>(k)) = dm.x.row(static_cast<Eigen::Index>(rows[k]));
      sub.y[static_cast<Eigen::Index>(k)] = dm.y[static_cast<Eigen::Index>(rows[k])];
    }
    f.fit = fit_glm(GlmData::from(sub), o);
  }
  Eigen::VectorXd beta = f.fit.coefficients;
  for (Eigen::Index j = 0; j < beta.size(); ++j) {
    if (std::isnan(beta[j])) beta[j] = 0;  // aliased: not estimable, contributes nothing (as R's predict)
  }
  const Eigen::VectorXd eta = dm.x * beta;
  f.eta.assign(eta.data(), eta.data() + eta.size());
  f.mu.resize(f.eta.size());
  for (size_t i = 0; i < f.eta.size(); ++i) f.mu[i] = f.fit.family.linkinv(f.eta[i]);
  return f;
}

}  // namespace

PropensityModel fit_propensity(const Table& data, const std::string& formula, const PropensityOptions& options) {
  if (options.link != Link::Logit && options.link != Link::Probit && options.link != Link::Cloglog) {
    throw InputError("propensity model: link must be logit, probit or cloglog");
  }
  const DesignMatrix dm = build_design_matrix(data, formula);
  if (!dm.has_response) throw InputError("formula \"" + formula + "\": needs the treatment on the left (treat ~ covariates)");
  if (dm.rows_dropped > 0) {
    throw InputError("formula \"" + formula + "\": " + std::to_string(dm.rows_dropped) +
                     " rows have missing values in its variables; matching needs every row complete: remove or "
                     "impute them first");
  }
  PropensityModel m;
  m.treatment = dm.response_name;
  const size_t n = static_cast<size_t>(dm.y.size());
  m.treated.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double y = dm.y[static_cast<Eigen::Index>(i)];
    if (y != 0.0 && y != 1.0) {
      throw InputError("treatment \"" + dm.response_name + "\" must be 0/1 (or bool, or a two-level factor); row " +
                       std::to_string(i + 1) + " holds " + std::to_string(y));
    }
    m.treated[i] = y == 1.0;
    (m.treated[i] ? m.treated_count : m.control_count)++;
  }
  if (dm.response_levels.size() > 2) {
    throw InputError("treatment \"" + dm.response_name + "\" has " + std::to_string(dm.response_levels.size()) +
                     " levels; it must have two (control first)");
  }
  if (m.treated_count == 0 || m.control_count == 0) {
    throw InputError("treatment \"" + dm.response_name + "\": no " + (m.treated_count == 0 ? "treated" : "control") +
                     " units; matching needs both groups");
  }

  Fitted f = fit_rows(dm, {}, options.link);
  auto distance_of = [&](const Fitted& g, size_t i) {
    return options.distance == DistanceScale::Logit ? g.eta[i] : g.mu[i];
  };
  m.score = f.mu;
  m.distance.resize(n);
  for (size_t i = 0; i < n; ++i) m.distance[i] = distance_of(f, i);

  // Common support on the score (MatchIt's discard), then trimming.
  m.discarded.assign(n, 0);
  if (options.discard != Discard::None) {
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < n; ++i) {
      lo[m.treated[i]] = std::min(lo[m.treated[i]], m.score[i]);
      hi[m.treated[i]] = std::max(hi[m.treated[i]], m.score[i]);
    }
    for (size_t i = 0; i < n; ++i) {
      const int g = m.treated[i], other = 1 - g;
      const bool outside = m.score[i] < lo[other] || m.score[i] > hi[other];
      const bool applies = options.discard == Discard::Both || (options.discard == Discard::Treated && g == 1) ||
                           (options.discard == Discard::Control && g == 0);
      if (applies && outside) m.discarded[i] = 1;
    }
  }
  if (options.trim_lower || options.trim_upper) {
    const double lo = options.trim_lower.value_or(0.0), hi = options.trim_upper.value_or(1.0);
    if (!(lo >= 0 && hi <= 1 && lo < hi)) throw InputError("trimming bounds must satisfy 0 <= lower < upper <= 1");
    for (size_t i = 0; i < n; ++i) {
      if (m.score[i] < lo || m.score[i] > hi) m.discarded[i] = 1;
    }
  }
  size_t kept[2] = {0, 0};
  std::vector<size_t> kept_rows;
  for (size_t i = 0; i < n; ++i) {
    if (!m.discarded[i]) {
      ++kept[m.treated[i]];
      kept_rows.push_back(i);
    }
  }
  if (kept[0] == 0 || kept[1] == 0) {
    throw InputError(std::string("no overlap: after discarding units outside common support, no ") +
                     (kept[1] == 0 ? "treated" : "control") +
                     " units remain; the groups' propensity scores do not overlap (check the formula for a covariate "
                     "that separates them)");
  }
  if (options.reestimate && kept_rows.size() < n) {
    Fitted g = fit_rows(dm, kept_rows, options.link);
    for (size_t i : kept_rows) {
      m.score[i] = g.mu[i];
      m.distance[i] = distance_of(g, i);
    }
    f.fit = std::move(g.fit);
  }
  m.fit = std::move(f.fit);
  return m;
}

std::vector<int32_t> exact_strata(const Table& data, const std::vector<std::string>& columns) {
  const size_t n = data.num_rows();
  std::vector<std::vector<int64_t>> keys(n);
  for (const auto& name : columns) {
    if (!data.has_column(name)) {
      throw InputError("exact: no column \"" + name + "\"" + suggest_names(name, data.column_names()));
    }
    const Column& c = data.column(name);
    if (c.type() == ColumnType::Float64) {
      throw InputError("exact: column \"" + name + "\" is a real number; exact strata need categorical, bool or integer columns");
    }
    if (c.missing_count() > 0) throw InputError("exact: column \"" + name + "\" has missing values");
    for (size_t i = 0; i < n; ++i) {
      int64_t v = 0;
      switch (c.type()) {
        case ColumnType::Int64: v = c.i64()[i]; break;
        case ColumnType::Bool: v = c.b8()[i]; break;
        case ColumnType::Categorical: v = c.codes()[i]; break;
        case ColumnType::Float64: break;
      }
      keys[i].push_back(v);
    }
  }
  std::map<std::vector<int64_t>, int32_t> codes;
  for (const auto& k : keys) codes.emplace(k, 0);
  int32_t next = 0;
  for (auto& [k, code] : codes) code = next++;
  std::vector<int32_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = codes[keys[i]];
  return out;
}

}  // namespace impactsim
