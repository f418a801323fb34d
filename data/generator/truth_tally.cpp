#include "data/generator/truth_tally.hpp"

#include <cmath>

namespace impactsim::generator {

TruthTally::TruthTally(size_t outcomes, int years)
    : outcomes_(outcomes), years_(years), sums_(2 * (outcomes + 2) * static_cast<size_t>(years), 0.0) {}

size_t TruthTally::at(int arm, size_t slot, int year) const {
  return (static_cast<size_t>(arm) * (outcomes_ + 2) + slot) * static_cast<size_t>(years_) +
         static_cast<size_t>(year - 1);
}

void TruthTally::add_alive(int arm, int year, double exposure) {
  sums_[at(arm, 0, year)] += 1.0;
  sums_[at(arm, 1, year)] += exposure;
}

void TruthTally::add(int arm, size_t outcome, int year, double value) { sums_[at(arm, outcome + 2, year)] += value; }

void TruthTally::merge(const TruthTally& other) {
  if (sums_.empty()) {
    *this = other;
    return;
  }
  for (size_t i = 0; i < sums_.size(); ++i) sums_[i] += other.sums_[i];
  members_ += other.members_;
}

namespace {

nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

const char* kind_name(OutcomeKind k) {
  switch (k) {
    case OutcomeKind::Proportion: return "proportion among those alive";
    case OutcomeKind::Rate: return "per 100 person-years";
    case OutcomeKind::Mean: return "mean among those alive";
    case OutcomeKind::Cumulative: return "proportion of members";
    case OutcomeKind::AtIndex: return "proportion of members, index year";
  }
  return "";
}

}  // namespace

nlohmann::json TruthTally::summarize(const std::vector<TruthOutcome>& outcomes) const {
  nlohmann::json out = nlohmann::json::object();
  for (size_t k = 0; k < outcomes.size(); ++k) {
    const TruthOutcome& o = outcomes[k];
    nlohmann::json rows = nlohmann::json::array();
    const int last_year = o.kind == OutcomeKind::AtIndex ? 1 : years_;
    for (int t = 1; t <= last_year; ++t) {
      double v[2] = {0.0, 0.0};
      for (int arm = 0; arm < 2; ++arm) {
        const double s = sums_[at(arm, k + 2, t)];
        switch (o.kind) {
          case OutcomeKind::Proportion:
          case OutcomeKind::Mean: v[arm] = s / sums_[at(arm, 0, t)]; break;
          case OutcomeKind::Rate: v[arm] = 100.0 * s / sums_[at(arm, 1, t)]; break;
          case OutcomeKind::Cumulative:
          case OutcomeKind::AtIndex: v[arm] = s / members_; break;
        }
      }
      nlohmann::json row = {{"year", o.kind == OutcomeKind::AtIndex ? 0 : t},
                            {"members", number(v[1])},
                            {"without_enrolment", number(v[0])}};
      if (o.kind == OutcomeKind::Proportion || o.kind == OutcomeKind::Cumulative || o.kind == OutcomeKind::AtIndex) {
        row["risk_difference"] = number(v[1] - v[0]);
        row["risk_ratio"] = number(v[1] / v[0]);
        row["odds_ratio"] = number(v[1] / (1 - v[1]) / (v[0] / (1 - v[0])));
      } else if (o.kind == OutcomeKind::Rate) {
        row["rate_difference"] = number(v[1] - v[0]);
        row["rate_ratio"] = number(v[1] / v[0]);
      } else {
        row["difference"] = number(v[1] - v[0]);
      }
      row["alive_members"] = sums_[at(1, 0, t)];
      rows.push_back(std::move(row));
    }
    out[o.name] = {{"summary", kind_name(o.kind)}, {"meaning", o.meaning}, {"by_year", std::move(rows)}};
  }
  return out;
}

}  // namespace impactsim::generator
