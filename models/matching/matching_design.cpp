#include "models/matching/matching_design.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "engine/error.hpp"

namespace impactsim {

const char* to_string(CaliperScale scale) { return scale == CaliperScale::StandardDeviations ? "sd" : "distance"; }

std::optional<CaliperScale> parse_caliper_scale(const std::string& name) {
  if (name == "sd") return CaliperScale::StandardDeviations;
  if (name == "distance") return CaliperScale::DistanceUnits;
  return std::nullopt;
}

std::string old_caliper_spelling_note(bool in_study_file, CaliperScale scale) {
  if (in_study_file) {
    return fmt::format("std_caliper is the old spelling of the caliper's scale; write caliper_scale = \"{}\"", to_string(scale));
  }
  return "--raw-caliper is the old spelling of the caliper's scale; write --caliper-scale distance";
}

std::string MatchingDesign::treatment() const {
  const size_t tilde = formula.find('~');
  if (tilde == std::string::npos) return "";
  std::string t = formula.substr(0, tilde);
  t.erase(0, t.find_first_not_of(" \t"));
  t.erase(t.find_last_not_of(" \t") + 1);
  return t;
}

std::optional<DesignIssue> MatchingDesign::set(std::string_view option, const std::string& value) {
  auto issue = [&](const char* accepted) {
    return DesignIssue{std::string(option), fmt::format("\"{}\" is not {}", value, accepted)};
  };
  if (option == "link") {
    const auto l = parse_link(value);
    if (!l || (*l != Link::Logit && *l != Link::Probit && *l != Link::Cloglog)) return issue("logit, probit or cloglog");
    propensity.link = *l;
  } else if (option == "distance") {
    if (value != "ps" && value != "logit") return issue("ps (the propensity score) or logit (its linear predictor)");
    propensity.distance = value == "logit" ? DistanceScale::Logit : DistanceScale::Score;
  } else if (option == "discard") {
    const auto d = parse_discard(value);
    if (!d) return issue("none, treated, control or both");
    propensity.discard = *d;
  } else if (option == "order") {
    const auto o = parse_match_order(value);
    if (!o) return issue("largest, smallest, closest, random or data");
    matching.order = *o;
  } else if (option == "caliper_scale") {
    const auto s = parse_caliper_scale(value);
    if (!s) return issue("sd (standard deviations of the distance) or distance (its own units)");
    matching.caliper_scale = *s;
  } else {
    return DesignIssue{std::string(option), "not a matching-design option given as text"};
  }
  return std::nullopt;
}

std::optional<DesignIssue> MatchingDesign::validate() const {
  if (treatment().empty()) return DesignIssue{"formula", "write the propensity model as \"treatment ~ covariates\""};
  if (matching.ratio < 1) return DesignIssue{"ratio", "ratio must be a whole number of controls, 1 or more"};
  if (matching.caliper && !(*matching.caliper > 0 && std::isfinite(*matching.caliper))) {
    return DesignIssue{"caliper", "the caliper must be positive; leave it out for no caliper"};
  }
  for (const auto& [name, v] : {std::pair{"trim_lower", propensity.trim_lower}, std::pair{"trim_upper", propensity.trim_upper}}) {
    if (v && !(*v > 0 && *v < 1)) return DesignIssue{name, "a propensity-score bound lies in (0, 1)"};
  }
  if (propensity.trim_lower && propensity.trim_upper && !(*propensity.trim_lower < *propensity.trim_upper)) {
    return DesignIssue{"trim_upper", "the upper bound must exceed the lower one"};
  }
  if (!(balance_threshold > 0 && std::isfinite(balance_threshold))) {
    return DesignIssue{"balance_threshold", "the balance threshold must be positive (cobalt's default: 0.1)"};
  }
  for (const auto& e : exact) {
    if (e.empty()) return DesignIssue{"exact", "an exact-matching column name is empty"};
  }
  return std::nullopt;
}

std::string MatchingDesign::describe(const Matching* result) const {
  std::string caliper = "none";
  if (matching.caliper) {
    if (matching.caliper_scale == CaliperScale::StandardDeviations) {
      caliper = fmt::format("{:g} SD of the distance", *matching.caliper);
      if (result && result->caliper) caliper += fmt::format(" ({:.6g} in its units)", *result->caliper);
    } else {
      caliper = fmt::format("{:g} in the distance's units", *matching.caliper);
    }
  }
  return fmt::format("nearest neighbour on the {}, ratio {}, {} replacement, order {}, caliper {}{}",
                     propensity.distance == DistanceScale::Logit ? "linear propensity score" : "propensity score",
                     matching.ratio, matching.replace ? "with" : "without", to_string(matching.order), caliper,
                     exact.empty() ? "" : fmt::format(", exact on {}", fmt::join(exact, ", ")));
}

nlohmann::json MatchingDesign::to_json(const Matching* result) const {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json j = {{"method", "nearest"},
                      {"formula", formula},
                      {"link", std::string(to_string(propensity.link))},
                      {"distance", propensity.distance == DistanceScale::Logit ? "logit" : "ps"},
                      {"discard", to_string(propensity.discard)},
                      {"reestimate", propensity.reestimate},
                      {"trim_lower", opt(propensity.trim_lower)},
                      {"trim_upper", opt(propensity.trim_upper)},
                      {"ratio", matching.ratio},
                      {"replace", matching.replace},
                      {"order", to_string(matching.order)},
                      {"caliper", opt(matching.caliper)},
                      {"caliper_scale", to_string(matching.caliper_scale)},
                      {"exact", exact},
                      {"seed", matching.seed},
                      {"tie_key", id.empty() ? "row" : id}};
  if (result) j["caliper_distance_units"] = opt(result->caliper);
  return j;
}

std::string MatchingDesign::balance_formula() const {
  std::string f = formula;
  for (const auto& e : exact) f += " + " + e;
  return f;
}

DesignedMatching MatchingDesign::run(const Table& data) const {
  DesignedMatching d;
  d.tie_key = !id.empty() ? id : (data.has_column("id") ? "id" : "");
  if (!d.tie_key.empty()) {
    if (!data.has_column(d.tie_key)) {
      throw InputError("id column \"" + d.tie_key + "\": no such column" + suggest_names(d.tie_key, data.column_names()));
    }
    const Column& c = data.column(d.tie_key);
    if (c.type() != ColumnType::Int64) throw InputError("id column \"" + d.tie_key + "\" must hold integers (it breaks ties)");
    d.keys.assign(c.i64().begin(), c.i64().end());
  }
  d.propensity = fit_propensity(data, formula, propensity);
  std::vector<int32_t> strata;
  if (!exact.empty()) strata = exact_strata(data, exact);
  d.matching = match_nearest({d.propensity.distance, d.propensity.treated, d.propensity.discarded, strata, d.keys}, matching);
  if (d.matching.matched_treated == 0) {
    throw InputError("no treated unit found a control" + std::string(matching.caliper ? " within the caliper; widen the caliper" : "") +
                     (exact.empty() ? "" : " (exact strata: check that each has both groups)"));
  }
  return d;
}

}  // namespace impactsim
