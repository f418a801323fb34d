#include "studies/impact/study_results.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include "engine/error.hpp"
#include "engine/report/small_cells.hpp"

namespace impactsim {
namespace {

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
nlohmann::json count_json(double n) { return is_small_count(n) ? nlohmann::json(kSmallCountText) : nlohmann::json(n); }
nlohmann::json count_json(size_t n) {
  return n == kMaskedCount ? nlohmann::json(kSmallCountText) : count_json(static_cast<double>(n));
}

nlohmann::json estimate_json(const Estimate& e) {
  return {{"estimate", num(e.estimate)}, {"std_error", num(e.std_error)}, {"lower", num(e.lower)},
          {"upper", num(e.upper)},       {"p_value", num(e.p_value)}};
}

// A ratio with its E-values (of the estimate, and of the interval's bound nearest 1).
nlohmann::json ratio_json(const Estimate& e, const EValue& ev) {
  nlohmann::json j = estimate_json(e);
  j["e_value"] = num(ev.point);
  j["e_value_bound"] = num(ev.bound);
  return j;
}

nlohmann::json rosenbaum_json(const RosenbaumBound& b) {
  return {{"pairs", count_json(b.pairs)},
          {"discordant_pairs", count_json(b.discordant)},
          {"pairs_in_direction", count_json(b.in_direction)},
          {"direction", b.member_more ? "members more often" : "controls more often"},
          {"p_value", num(b.p_value)},
          {"alpha", num(b.alpha)},
          {"gamma", num(b.gamma)}};
}

nlohmann::json diagnostics_json(const StudyDiagnostics& d) {
  const DiagnosticThresholds& t = d.thresholds;
  nlohmann::json checks = nlohmann::json::array();
  for (const DiagnosticCheck& c : d.checks) {
    checks.push_back({{"name", c.name}, {"subject", c.subject}, {"value", num(c.value)}, {"threshold", num(c.threshold)},
                      {"passes_at", c.at_least ? "at least the threshold" : "below the threshold"},
                      {"status", to_string(c.status)}, {"note", c.note}});
  }
  nlohmann::json j = {{"passed", d.passed()},
                      {"thresholds",
                       {{"equipoise", t.equipoise}, {"max_smd", t.max_smd}, {"mdrr", t.mdrr}, {"ease", t.ease},
                        {"equipoise_bounds", {t.equipoise_lower, t.equipoise_upper}}, {"mdrr_alpha", t.alpha},
                        {"mdrr_power", t.power}}},
                      {"checks", checks},
                      {"failures", d.failures()}};
  j["negative_controls"] = {{"outcomes", d.negative_controls},
                            {"empirical_null",
                             {{"mean", num(d.null.mean)}, {"sd", num(d.null.sd)}, {"estimates", d.null.estimates}}}};
  return j;
}

nlohmann::json group_json(const GroupValue& g) {
  nlohmann::json j = {{"value", num(g.value)}, {"lower", num(g.lower)}, {"upper", num(g.upper)}, {"patients", count_json(g.rows)}};
  if (!std::isnan(g.events)) j["events"] = count_json(g.events);
  return j;
}

const char* kind_name(const OutcomeSpec& s) {
  switch (s.kind) {
    case EffectKind::Binary: return "binary";
    case EffectKind::Count: return "count";
    case EffectKind::Mean: return s.unit == "euros" ? "spending" : "mean";
  }
  return "";
}

nlohmann::json year_json(const YearEffect& e, EffectKind kind, bool has_did) {
  nlohmann::json j = {{"year", e.year},
                      {"treated", group_json(e.treated)},
                      {"control", group_json(e.control)},
                      {"difference", estimate_json(e.difference)},
                      {"clusters", e.clusters}};
  if (kind != EffectKind::Mean) j["ratio"] = ratio_json(e.ratio, e.ratio_evalue);
  if (kind != EffectKind::Mean && std::isfinite(e.calibrated_ratio.estimate)) j["calibrated_ratio"] = estimate_json(e.calibrated_ratio);
  if (kind == EffectKind::Binary) j["odds_ratio"] = ratio_json(e.odds_ratio, e.odds_ratio_evalue);
  if (!std::isnan(e.p_holm)) {
    j["difference"]["p_holm"] = num(e.p_holm);
    j["difference"]["p_bh"] = num(e.p_bh);
  }
  if (e.rosenbaum.pairs > 0) j["rosenbaum"] = rosenbaum_json(e.rosenbaum);
  if (has_did) j["difference_in_differences"] = estimate_json(e.did);
  if (e.bootstrapped) {
    j["bootstrap"] = {{"replicates", e.bootstrap.replicates},
                      {"std_error", num(e.bootstrap.std_error)},
                      {"percentile", {num(e.bootstrap.percentile_lower), num(e.bootstrap.percentile_upper)}},
                      {"bca", {num(e.bootstrap.bca_lower), num(e.bootstrap.bca_upper)}}};
  }
  return j;
}

nlohmann::json hazard_json(const YearHazard& h) {
  nlohmann::json j = {{"year", h.year},
          {"hazard_ratio", ratio_json(h.hazard_ratio, h.evalue)},
          {"events", {{"control", count_json(h.events[0])}, {"treated", count_json(h.events[1])}}},
          {"patients", {{"control", count_json(h.patients[0])}, {"treated", count_json(h.patients[1])}}},
          {"clusters", h.clusters}};
  if (std::isfinite(h.zph_chisq)) {
    j["proportional_hazards_test"] = {{"chisq", h.zph_chisq}, {"df", 1}, {"p_value", num(h.zph_p)}, {"transform", "km"}};
  }
  return j;
}

nlohmann::json km_json(const std::vector<KmCurve::At>& points) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& a : points) {
    j.push_back({{"time", a.time}, {"n_risk", count_json(a.n_risk)}, {"surv", num(a.surv)}, {"std_error", num(a.std_error)},
                 {"lower", num(a.lower)}, {"upper", num(a.upper)}});
  }
  return j;
}

nlohmann::json survival_json(const SurvivalResults& s) {
  nlohmann::json years = nlohmann::json::array();
  for (const auto& h : s.by_year) years.push_back(hazard_json(h));
  auto group = [](const KmCurve::RestrictedMean& m) {
    return nlohmann::json{{"estimate", num(m.estimate)}, {"std_error", num(m.std_error)}};
  };
  const auto& rm = s.restricted_mean;
  return {{"overall", hazard_json(s.overall)},
          {"by_year", years},
          {"km", {{"control", km_json(s.km[0])}, {"treated", km_json(s.km[1])}}},
          {"restricted_mean",
           {{"tau", rm[0].tau},
            {"unit", "years"},
            {"control", group(rm[0])},
            {"treated", group(rm[1])},
            {"difference", estimate_json(s.restricted_mean_difference)}}}};
}

// ---- Reading -----------------------------------------------------------------

struct Reader {
  const std::string& where;

  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(where + ": " + what + "; is it a results.json written by impactsim run?");
  }
  const nlohmann::json& at(const nlohmann::json& j, const char* key) const {
    if (!j.is_object() || !j.contains(key)) fail(fmt::format("no \"{}\"", key));
    return j[key];
  }
  double number(const nlohmann::json& j, const char* key) const {
    if (!j.contains(key) || j[key].is_null()) return NAN;
    if (!j[key].is_number()) fail(fmt::format("\"{}\" is not a number", key));
    return j[key].get<double>();
  }
  size_t count(const nlohmann::json& j, const char* key) const {
    const nlohmann::json& v = at(j, key);
    if (v.is_string() && v.get<std::string>() == kSmallCountText) return kMaskedCount;
    if (!v.is_number()) fail(fmt::format("\"{}\" is not a count", key));
    return static_cast<size_t>(v.get<double>());
  }
  Estimate estimate(const nlohmann::json& j, const char* key) const {
    Estimate e;
    if (!j.contains(key)) return e;
    const nlohmann::json& v = j[key];
    e.estimate = number(v, "estimate");
    e.std_error = number(v, "std_error");
    e.lower = number(v, "lower");
    e.upper = number(v, "upper");
    e.p_value = number(v, "p_value");
    return e;
  }
  EValue evalue(const nlohmann::json& j, const char* key) const {
    EValue e;
    if (!j.contains(key)) return e;
    e.point = number(j[key], "e_value");
    e.bound = number(j[key], "e_value_bound");
    return e;
  }
  GroupValue group(const nlohmann::json& j, const char* key) const {
    const nlohmann::json& v = at(j, key);
    GroupValue g;
    g.value = number(v, "value");
    g.lower = number(v, "lower");
    g.upper = number(v, "upper");
    g.rows = count(v, "patients");
    if (v.contains("events")) {
      const size_t e = count(v, "events");
      g.events = e == kMaskedCount ? static_cast<double>(kMaskedCount) : static_cast<double>(e);
    }
    return g;
  }
  std::string text(const nlohmann::json& j, const char* key, const std::string& fallback = "") const {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_string()) fail(fmt::format("\"{}\" is not a string", key));
    return j[key].get<std::string>();
  }
};

double masked_number(const Reader& r, const nlohmann::json& j, const char* key) {
  const size_t c = r.count(j, key);
  return c == kMaskedCount ? static_cast<double>(kMaskedCount) : r.number(j, key);
}

YearHazard hazard_of(const Reader& r, const nlohmann::json& j) {
  YearHazard h;
  h.year = r.at(j, "year").get<int>();
  h.hazard_ratio = r.estimate(j, "hazard_ratio");
  h.evalue = r.evalue(j, "hazard_ratio");
  if (j.contains("proportional_hazards_test")) {
    h.zph_chisq = r.number(j["proportional_hazards_test"], "chisq");
    h.zph_p = r.number(j["proportional_hazards_test"], "p_value");
  }
  h.events[0] = masked_number(r, r.at(j, "events"), "control");
  h.events[1] = masked_number(r, r.at(j, "events"), "treated");
  h.patients[0] = r.count(r.at(j, "patients"), "control");
  h.patients[1] = r.count(r.at(j, "patients"), "treated");
  h.clusters = r.at(j, "clusters").get<size_t>();
  return h;
}

std::vector<KmCurve::At> km_of(const Reader& r, const nlohmann::json& j) {
  std::vector<KmCurve::At> out;
  for (const auto& a : j) {
    out.push_back({r.number(a, "time"), r.number(a, "surv"), r.number(a, "std_error"), r.number(a, "lower"), r.number(a, "upper"),
                   masked_number(r, a, "n_risk")});
  }
  return out;
}

RosenbaumBound rosenbaum_of(const Reader& r, const nlohmann::json& j) {
  RosenbaumBound b;
  b.pairs = r.count(j, "pairs");
  b.discordant = r.count(j, "discordant_pairs");
  b.in_direction = r.count(j, "pairs_in_direction");
  b.member_more = r.text(j, "direction") == "members more often";
  b.p_value = r.number(j, "p_value");
  b.alpha = r.number(j, "alpha");
  b.gamma = r.number(j, "gamma");
  return b;
}

StudyDiagnostics diagnostics_of(const Reader& r, const nlohmann::json& j) {
  StudyDiagnostics d;
  const auto& t = r.at(j, "thresholds");
  d.thresholds.equipoise = r.number(t, "equipoise");
  d.thresholds.max_smd = r.number(t, "max_smd");
  d.thresholds.mdrr = r.number(t, "mdrr");
  d.thresholds.ease = r.number(t, "ease");
  d.thresholds.equipoise_lower = r.at(t, "equipoise_bounds").at(0).get<double>();
  d.thresholds.equipoise_upper = r.at(t, "equipoise_bounds").at(1).get<double>();
  d.thresholds.alpha = r.number(t, "mdrr_alpha");
  d.thresholds.power = r.number(t, "mdrr_power");
  for (const auto& c : r.at(j, "checks")) {
    DiagnosticCheck k;
    k.name = r.text(c, "name");
    k.subject = r.text(c, "subject");
    k.value = r.number(c, "value");
    k.threshold = r.number(c, "threshold");
    k.at_least = r.text(c, "passes_at") == "at least the threshold";
    const std::string status = r.text(c, "status");
    k.status = status == "pass" ? CheckStatus::Pass : status == "fail" ? CheckStatus::Fail : CheckStatus::NotEvaluated;
    k.note = r.text(c, "note");
    d.checks.push_back(std::move(k));
  }
  const auto& nc = r.at(j, "negative_controls");
  for (const auto& name : r.at(nc, "outcomes")) d.negative_controls.push_back(name.get<std::string>());
  const auto& null = r.at(nc, "empirical_null");
  d.null.mean = r.number(null, "mean");
  d.null.sd = r.number(null, "sd");
  d.null.estimates = r.at(null, "estimates").get<size_t>();
  return d;
}

SurvivalResults survival_of(const Reader& r, const nlohmann::json& sv) {
  SurvivalResults sr;
  sr.overall = hazard_of(r, r.at(sv, "overall"));
  for (const auto& y : r.at(sv, "by_year")) sr.by_year.push_back(hazard_of(r, y));
  sr.km[0] = km_of(r, r.at(r.at(sv, "km"), "control"));
  sr.km[1] = km_of(r, r.at(r.at(sv, "km"), "treated"));
  if (sv.contains("restricted_mean")) {
    const auto& rm = sv["restricted_mean"];
    for (int g : {0, 1}) {
      const auto& v = r.at(rm, g ? "treated" : "control");
      sr.restricted_mean[g] = {r.number(rm, "tau"), r.number(v, "estimate"), r.number(v, "std_error")};
    }
    sr.restricted_mean_difference = r.estimate(rm, "difference");
  }
  return sr;
}

OutcomeEffects outcome_of(const Reader& r, const nlohmann::json& o, std::vector<Estimate>& naive) {
  OutcomeEffects oe;
  oe.spec.name = r.text(o, "name");
  oe.spec.negative_control = o.value("negative_control", false);
  if (o.contains("death_proof")) {
    oe.spec.death_proof = r.text(o, "death_proof") == "composite with death" ? DeathProof::Composite : DeathProof::Cumulative;
  }
  oe.spec.column = r.text(o, "column");
  const std::string kind = r.text(o, "kind");
  if (kind == "binary") {
    oe.spec.kind = EffectKind::Binary;
  } else if (kind == "count") {
    oe.spec.kind = EffectKind::Count;
  } else if (kind == "spending" || kind == "mean") {
    oe.spec.kind = EffectKind::Mean;
    oe.spec.unit = kind == "spending" ? "euros" : r.text(o, "unit");
  } else {
    r.fail("outcome \"" + oe.spec.name + "\": unknown kind \"" + kind + "\"");
  }
  for (const auto& y : r.at(o, "by_year")) {
    YearEffect e;
    e.year = r.at(y, "year").get<int>();
    e.treated = r.group(y, "treated");
    e.control = r.group(y, "control");
    e.difference = r.estimate(y, "difference");
    e.ratio = r.estimate(y, "ratio");
    e.odds_ratio = r.estimate(y, "odds_ratio");
    e.ratio_evalue = r.evalue(y, "ratio");
    e.odds_ratio_evalue = r.evalue(y, "odds_ratio");
    e.calibrated_ratio = r.estimate(y, "calibrated_ratio");
    if (r.at(y, "difference").contains("p_holm")) {
      e.p_holm = r.number(y["difference"], "p_holm");
      e.p_bh = r.number(y["difference"], "p_bh");
    }
    if (y.contains("rosenbaum")) e.rosenbaum = rosenbaum_of(r, y["rosenbaum"]);
    e.did = r.estimate(y, "difference_in_differences");
    if (y.contains("difference_in_differences")) oe.spec.baseline_column = "baseline";
    e.clusters = r.at(y, "clusters").get<size_t>();
    if (y.contains("bootstrap")) {
      const auto& b = y["bootstrap"];
      e.bootstrapped = true;
      e.bootstrap.replicates = r.at(b, "replicates").get<int>();
      e.bootstrap.estimate = e.difference.estimate;
      e.bootstrap.std_error = r.number(b, "std_error");
      auto pair = [&](const char* key, double& lo, double& hi) {
        const auto& v = r.at(b, key);
        lo = v.at(0).is_number() ? v.at(0).get<double>() : NAN;
        hi = v.at(1).is_number() ? v.at(1).get<double>() : NAN;
      };
      pair("percentile", e.bootstrap.percentile_lower, e.bootstrap.percentile_upper);
      pair("bca", e.bootstrap.bca_lower, e.bootstrap.bca_upper);
    }
    naive.push_back(r.estimate(y, "naive_difference"));
    oe.spec.years.push_back(e.year);
    oe.years.push_back(e);
  }
  return oe;
}

}  // namespace

SurvivalResults survival_results_of(const SurvivalEffects& s) {
  SurvivalResults sr;
  sr.overall = s.overall;
  sr.by_year = s.by_year;
  for (int g : {0, 1}) {
    for (int t : s.spec.years) sr.km[g].push_back(s.curves[g].at(t));
    sr.restricted_mean[g] = s.restricted_mean[g];
  }
  sr.restricted_mean_difference = s.restricted_mean_difference;
  return sr;
}

std::string DataOrigin::describe() const {
  if (!generated) return fmt::format("cohort file {} (FNV-1a {})", file, file_hash);
  std::string s = fmt::format(
      "synthetic data: a {} cohort of {} patients followed {} years, generated by impactsim (seed {}{}), with effects of "
      "enrolment planted by the generator (truth.json)",
      programme, patients, years, seed, engagement ? ", hidden engagement trait on" : "");
  if (reduced_from > 0) s += fmt::format("; a reduced run: the study file asks for {} patients", reduced_from);
  return s;
}

std::string StudyResults::value_label(const OutcomeSpec& spec) {
  switch (spec.kind) {
    case EffectKind::Binary: return "proportion";
    case EffectKind::Count: return "per 100 person-years";
    case EffectKind::Mean: return spec.unit.empty() ? "mean" : "mean (" + spec.unit + ")";
  }
  return "";
}

nlohmann::json to_json(const StudyResults& r) {
  nlohmann::json j;
  j["program"] = r.program;
  j["study"] = {{"name", r.name}, {"title", r.title}, {"file", r.file}, {"file_hash_fnv1a64", r.file_hash}, {"seed", r.seed}};
  const DataOrigin& d = r.data;
  if (d.generated) {
    j["data"] = {{"generated", true}, {"programme", d.programme}, {"patients", d.patients}, {"years", d.years},
                 {"seed", d.seed},    {"engagement", d.engagement}, {"truth_file", "truth.json"}};
    if (d.reduced_from > 0) j["data"]["reduced_from"] = d.reduced_from;
  } else {
    j["data"] = {{"generated", false}, {"file", d.file}, {"file_hash_fnv1a64", d.file_hash}};
  }
  j["propensity"] = r.propensity;
  j["matching"] = r.matching;
  j["balance"] = r.balance;
  nlohmann::json outcomes = nlohmann::json::array();
  for (size_t k = 0; k < r.outcomes.size(); ++k) {
    const auto& o = r.outcomes[k];
    nlohmann::json years = nlohmann::json::array();
    for (size_t y = 0; y < o.years.size(); ++y) {
      nlohmann::json yj = year_json(o.years[y], o.spec.kind, !o.spec.baseline_column.empty());
      yj["naive_difference"] = estimate_json(r.naive[k][y]);
      years.push_back(std::move(yj));
    }
    nlohmann::json oj = {{"name", o.spec.name}, {"column", o.spec.column}, {"kind", kind_name(o.spec)},
                         {"value", StudyResults::value_label(o.spec)}, {"by_year", years}};
    if (o.spec.kind == EffectKind::Mean) oj["unit"] = o.spec.unit;
    if (o.spec.negative_control) oj["negative_control"] = true;
    if (o.spec.death_proof != DeathProof::None) {
      oj["death_proof"] = o.spec.death_proof == DeathProof::Composite ? "composite with death" : "cumulative since the index date";
    }
    outcomes.push_back(std::move(oj));
  }
  j["outcomes"] = outcomes;
  if (r.mortality) {
    nlohmann::json years = nlohmann::json::array();
    for (const auto& e : r.mortality->years) {
      years.push_back({{"year", e.year},
                       {"treated_risk", group_json(e.treated)},
                       {"control_risk", group_json(e.control)},
                       {"risk_difference", estimate_json(e.difference)},
                       {"adjusted_odds_ratio", ratio_json(e.odds_ratio, e.odds_ratio_evalue)},
                       {"clusters", e.clusters}});
    }
    j["adjusted_mortality"] = {{"covariates", r.mortality->spec.covariates}, {"by_year", years}};
  }
  if (r.survival) j["survival"] = survival_json(*r.survival);
  if (!r.time_to_event.empty()) {
    nlohmann::json events = nlohmann::json::array();
    for (const EventResults& e : r.time_to_event) {
      nlohmann::json ej = survival_json(e.survival);
      ej["name"] = e.name;
      ej["column"] = e.column;
      events.push_back(std::move(ej));
    }
    j["time_to_event"] = events;
  }
  j["diagnostics"] = diagnostics_json(r.diagnostics);
  j["confidence_level"] = r.level;
  j["standard_errors"] = {{"clustered_on", r.clustered_on}, {"type", "cluster-robust, sandwich::vcovCL: HC0 x G/(G-1)"}};
  return j;
}

StudyResults study_results_from_json(const nlohmann::json& j, const std::string& where) {
  const Reader r{where};
  if (!j.is_object() || !j.contains("study") || !j.contains("outcomes")) r.fail("not a study's results");
  StudyResults s;
  s.program = r.text(j, "program");
  const auto& st = r.at(j, "study");
  s.name = r.text(st, "name");
  s.title = r.text(st, "title", s.name);
  s.file = r.text(st, "file");
  s.file_hash = r.text(st, "file_hash_fnv1a64");
  s.seed = st.value("seed", uint64_t{1});
  const auto& d = r.at(j, "data");
  s.data.generated = d.value("generated", false);
  if (s.data.generated) {
    s.data.programme = r.text(d, "programme");
    s.data.patients = d.value("patients", int64_t{0});
    s.data.years = d.value("years", 0);
    s.data.seed = d.value("seed", uint64_t{0});
    s.data.engagement = d.value("engagement", false);
    s.data.reduced_from = d.value("reduced_from", int64_t{0});
  } else {
    s.data.file = r.text(d, "file");
    s.data.file_hash = r.text(d, "file_hash_fnv1a64");
  }
  s.propensity = j.value("propensity", nlohmann::json::object());
  s.matching = j.value("matching", nlohmann::json::object());
  s.balance = j.value("balance", nlohmann::json::object());
  for (const auto& o : r.at(j, "outcomes")) {
    s.naive.emplace_back();
    s.outcomes.push_back(outcome_of(r, o, s.naive.back()));
  }
  if (j.contains("adjusted_mortality")) {
    AdjustedMortality m;
    const auto& am = j["adjusted_mortality"];
    m.spec.covariates = r.text(am, "covariates");
    for (const auto& y : r.at(am, "by_year")) {
      YearEffect e;
      e.year = r.at(y, "year").get<int>();
      e.treated = r.group(y, "treated_risk");
      e.control = r.group(y, "control_risk");
      e.difference = r.estimate(y, "risk_difference");
      e.odds_ratio = r.estimate(y, "adjusted_odds_ratio");
      e.odds_ratio_evalue = r.evalue(y, "adjusted_odds_ratio");
      e.clusters = r.at(y, "clusters").get<size_t>();
      m.spec.years.push_back(e.year);
      m.years.push_back(e);
    }
    s.mortality = m;
  }
  if (j.contains("survival")) s.survival = survival_of(r, j["survival"]);
  if (j.contains("time_to_event")) {
    for (const auto& e : j["time_to_event"]) s.time_to_event.push_back({r.text(e, "name"), r.text(e, "column"), survival_of(r, e)});
  }
  if (j.contains("diagnostics")) s.diagnostics = diagnostics_of(r, j["diagnostics"]);
  s.level = r.number(j, "confidence_level");
  if (!(s.level > 0 && s.level < 1)) r.fail("\"confidence_level\" is not in (0, 1)");
  if (j.contains("standard_errors")) s.clustered_on = r.text(j["standard_errors"], "clustered_on");
  return s;
}

StudyResults read_study_results(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open the study results");
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) throw InputError(path + ": not valid JSON");
  return study_results_from_json(j, path);
}

}  // namespace impactsim
