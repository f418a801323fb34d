#include "studies/impact/study.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/generator/generate.hpp"
#include "engine/atomic_file.hpp"
#include "engine/config_file.hpp"
#include "engine/error.hpp"
#include "engine/hdf5_table.hpp"
#include "engine/table_io.hpp"
#include "engine/text_hash.hpp"
#include "engine/version.hpp"
#include "models/balance/balance.hpp"
#include "studies/impact/study_report.hpp"

namespace impactsim {
namespace {

std::vector<int> years_of(const ConfigTable& t, const std::string& key, int default_last) {
  std::vector<int> years;
  if (!t.has(key)) {
    for (int y = 1; y <= default_last; ++y) years.push_back(y);
    return years;
  }
  for (double v : t.get_doubles(key)) {
    if (v != std::floor(v) || v < 1) throw InputError(t.where(key) + ": years are whole numbers from 1");
    years.push_back(static_cast<int>(v));
  }
  return years;
}

// [design]: the matching design's options under their shared names.
MatchingDesign read_design(const ConfigTable& t, uint64_t seed, std::vector<std::string>& warnings) {
  MatchingDesign d;
  d.formula = t.get_string("formula");
  d.id = t.get_string("id", "id");
  d.matching.ratio = static_cast<int>(t.get_int("ratio", 1));
  if (t.has("caliper")) d.matching.caliper = t.get_double("caliper");
  d.matching.replace = t.get_bool("replace", false);
  d.matching.seed = seed;
  d.propensity.reestimate = t.get_bool("reestimate", false);
  if (t.has("trim_lower")) d.propensity.trim_lower = t.get_double("trim_lower");
  if (t.has("trim_upper")) d.propensity.trim_upper = t.get_double("trim_upper");
  if (t.has("exact")) d.exact = t.get_strings("exact");
  d.balance_threshold = t.get_double("balance_threshold", 0.1);
  for (const char* key : {"link", "distance", "discard", "order", "caliper_scale"}) {
    if (!t.has(key)) continue;
    if (auto issue = d.set(key, t.get_string(key))) throw InputError(t.where(key) + ": " + issue->message);
  }
  if (t.has("std_caliper")) {
    if (t.has("caliper_scale")) throw InputError(t.where("std_caliper") + ": give caliper_scale only (std_caliper is its old spelling)");
    d.matching.caliper_scale = t.get_bool("std_caliper") ? CaliperScale::StandardDeviations : CaliperScale::DistanceUnits;
    warnings.push_back(t.where("std_caliper") + ": " + old_caliper_spelling_note(true, d.matching.caliper_scale));
  }
  if (auto issue = d.validate()) {
    throw InputError((t.has(issue->option) ? t.where(issue->option) : t.where()) + ": " + issue->message);
  }
  return d;
}

// The cohort file: the study's, or one generated into out_dir (reused when
// generated earlier with the same options and parameters).
std::string cohort_file(const StudySpec& spec, const std::string& out_dir, bool& reused) {
  namespace fs = std::filesystem;
  reused = false;
  if (!spec.generate) return spec.data_file;
  const std::string cohort = (fs::path(out_dir) / "cohort.h5").string();
  const std::string truth_path = (fs::path(out_dir) / "truth.json").string();
  if (fs::exists(cohort) && fs::exists(truth_path)) {
    std::ifstream in(truth_path);
    const nlohmann::json t = nlohmann::json::parse(in, nullptr, false);
    const auto& g = *spec.generate;
    const auto model = generator::make_cohort_model(g);
    reused = !t.is_discarded() && t.value("programme", "") == g.programme && t.value("seed", uint64_t{0}) == g.seed &&
             t.value("patients", int64_t{0}) == g.patients && t.value("years", 0) == g.years &&
             t.value("engagement", false) == g.engagement &&
             t.value("parameters", nlohmann::json()) == model->parameter_file() &&
             t.value("columns", nlohmann::json()) == generator::cohort_columns(*model);
  }
  if (!reused) {
    generator::GenerateOutput out;
    out.hdf5 = cohort;
    out.truth = truth_path;
    generator::generate_cohort(*spec.generate, out);
  }
  return cohort;
}

// matched.h5: the matched patients (weights > 0) and their yearly rows.
void write_matched(const Table& patients, const Table& yearly, const std::vector<double>& weights, const std::string& id_column,
                   const std::string& path) {
  std::vector<size_t> kept;
  std::vector<uint8_t> keep_year(yearly.num_rows(), 0);
  std::unordered_map<int64_t, bool> matched_id;
  const Column& id = patients.column(id_column);
  for (size_t i = 0; i < patients.num_rows(); ++i) {
    if (weights[i] > 0) {
      kept.push_back(i);
      matched_id[static_cast<int64_t>(id.numeric_value(i))] = true;
    }
  }
  const Column& yid = yearly.column(id_column);
  for (size_t r = 0; r < yearly.num_rows(); ++r) keep_year[r] = matched_id.count(static_cast<int64_t>(yid.numeric_value(r))) > 0;
  Table mp = patients.gather(kept);
  mp.set_name("patients");
  mp = mp.select([&] {
    std::vector<std::string> names = mp.column_names();
    names.erase(std::find(names.begin(), names.end(), "impactsim_unit_weight"));
    return names;
  }());
  Table my = yearly.filter(keep_year);
  my.set_name("yearly");
  write_hdf5(path, std::vector<const Table*>{&mp, &my});
}

// One [[outcome]]; `death_proof` says whether it asks for its death-proof version too.
OutcomeSpec read_outcome(const ConfigTable& o, int horizon, bool& death_proof) {
  OutcomeSpec spec;
  spec.column = o.get_string("column");
  spec.name = o.get_string("name", spec.column);
  const std::string kind = o.get_string("kind");
  if (kind == "binary") {
    spec.kind = EffectKind::Binary;
  } else if (kind == "count") {
    spec.kind = EffectKind::Count;
  } else if (kind == "spending") {
    spec.kind = EffectKind::Mean;
    spec.unit = "euros";
  } else if (kind == "mean") {
    spec.kind = EffectKind::Mean;
    spec.unit = o.get_string("unit", "");
  } else if (kind == "event_by_year") {
    spec.kind = EffectKind::Binary;
    spec.event_year = true;
  } else {
    throw InputError(o.where("kind") + ": \"" + kind + "\" is not binary, count, spending, mean or event_by_year");
  }
  const std::string model = o.get_string("model", spec.kind == EffectKind::Count ? "poisson" : "default");
  if (spec.kind == EffectKind::Count && model != "poisson" && model != "negbin") {
    throw InputError(o.where("model") + ": counts use \"poisson\" or \"negbin\"");
  }
  spec.negative_binomial = model == "negbin";
  spec.baseline_column = o.get_string("baseline", "");
  const std::string table = o.get_string("table", "yearly");
  if (table != "yearly" && table != "patients") {
    throw InputError(o.where("table") + ": \"" + table + "\" is not yearly (outcomes by year) or patients (index-year outcomes)");
  }
  spec.at_index = table == "patients" && !spec.event_year;
  spec.negative_control = o.get_bool("negative_control", false);
  if (spec.negative_control && (spec.kind == EffectKind::Mean || spec.at_index)) {
    throw InputError(o.where("negative_control") +
                     ": a negative control is a yearly binary or count outcome (its risk or rate ratio measures the "
                     "design's systematic error)");
  }
  spec.years = years_of(o, "years", horizon);
  death_proof = o.get_bool("death_proof", false);
  if (death_proof && (spec.at_index || spec.event_year || spec.negative_control)) {
    throw InputError(o.where("death_proof") +
                     ": a death-proof version is made of a yearly outcome (not an index-year, event-year or "
                     "negative-control one)");
  }
  return spec;
}

// [diagnostics]: the gate's thresholds.
DiagnosticThresholds read_diagnostics(const ConfigTable& d) {
  DiagnosticThresholds t;
  t.equipoise = d.get_double("equipoise", t.equipoise);
  t.max_smd = d.get_double("max_smd", t.max_smd);
  t.mdrr = d.get_double("mdrr", t.mdrr);
  t.ease = d.get_double("ease", t.ease);
  if (d.has("equipoise_bounds")) {
    const std::vector<double> b = d.get_doubles("equipoise_bounds");
    if (b.size() != 2) throw InputError(d.where("equipoise_bounds") + ": give two bounds, e.g. [0.3, 0.7]");
    t.equipoise_lower = b[0];
    t.equipoise_upper = b[1];
  }
  const std::string bad = t.invalid();
  if (!bad.empty()) throw InputError(d.where() + ": " + bad);
  return t;
}

}  // namespace

StudySpec load_study(const std::string& path) {
  StudySpec s;
  s.path = path;
  s.text = ConfigTable::read_text(path, "study file");
  ConfigTable root = ConfigTable::parse_text(s.text, path);
  const ConfigTable study = root.get_table("study");
  s.name = study.get_string("name");
  s.title = study.get_string("title", s.name);
  const int64_t seed = study.get_int("seed", 1);
  if (seed < 0) throw InputError(study.where("seed") + ": the seed must be 0 or more");
  s.seed = static_cast<uint64_t>(seed);

  const ConfigTable data = root.get_table("data");
  int horizon = 8;
  if (auto g = data.find_table("generate")) {
    generator::GenerateOptions o;
    o.programme = g->get_string("programme");
    o.patients = g->get_int("patients");
    o.years = static_cast<int>(g->get_int("years", 8));
    o.seed = static_cast<uint64_t>(g->get_int("seed", seed));
    o.engagement = g->get_bool("engagement", false);
    if (o.patients < 1) throw InputError(g->where("patients") + ": at least 1 patient");
    horizon = o.years;
    s.generate = o;
    if (data.has("file")) throw InputError(data.where("file") + ": give either file or [data.generate], not both");
  } else {
    s.data_file = data.get_string("file");
    const std::filesystem::path p(s.data_file);
    if (p.is_relative()) s.data_file = (std::filesystem::path(path).parent_path() / p).string();
    horizon = static_cast<int>(data.get_int("years", 8));
  }
  s.patients_table = data.get_string("patients_table", "patients");
  s.yearly_table = data.get_string("yearly_table", "yearly");

  s.design = read_design(root.get_table("design"), s.seed, s.warnings);
  s.columns.treatment = s.design.treatment();
  s.columns.id = s.design.id;

  if (root.has("outcome")) {
    for (const ConfigTable& o : root.get_tables("outcome")) {
      bool death_proof = false;
      const OutcomeSpec spec = read_outcome(o, horizon, death_proof);
      s.outcomes.push_back(spec);
      if (death_proof) s.outcomes.push_back(death_proof_version(spec));
    }
  }
  if (auto m = root.find_table("mortality")) {
    AdjustedMortalitySpec spec;
    spec.death_column = m->get_string("column", "death");
    spec.covariates = m->get_string("covariates");
    spec.years = years_of(*m, "years", horizon);
    s.mortality = spec;
  }
  if (root.has("time_to_event")) {
    for (const ConfigTable& e : root.get_tables("time_to_event")) {
      StudySpec::TimeToEvent ev;
      ev.column = e.get_string("column");
      ev.name = e.get_string("name", ev.column);
      s.events.push_back(std::move(ev));
    }
    if (!root.has("mortality")) {
      throw InputError(path + ": [[time_to_event]] needs [mortality] (its column: death censors the follow-up)");
    }
  }
  if (auto d = root.find_table("diagnostics")) s.diagnostics = read_diagnostics(*d);
  if (auto r = root.find_table("report")) {
    s.level = r->get_double("level", 0.95);
    if (!(s.level > 0 && s.level < 1)) throw InputError(r->where("level") + ": the confidence level lies in (0, 1)");
    s.bootstrap = static_cast<int>(r->get_int("bootstrap", 0));
    if (s.bootstrap != 0 && (s.bootstrap < 10 || s.bootstrap > 100000)) {
      throw InputError(r->where("bootstrap") + ": bootstrap replicates lie in 10..100000 (0: no bootstrap)");
    }
  }
  const bool negative_only = std::all_of(s.outcomes.begin(), s.outcomes.end(), [](const OutcomeSpec& o) { return o.negative_control; });
  if (!s.outcomes.empty() && negative_only && !s.mortality) {
    throw InputError(path + ": every [[outcome]] is a negative control; add the outcomes the study is about");
  }
  if (s.outcomes.empty() && !s.mortality) {
    throw InputError(path + ": the study has no [[outcome]] and no [mortality]; add at least one");
  }
  root.reject_unknown_keys();
  return s;
}

void StudySpec::reduce_to(int64_t patients) {
  if (!generate) throw InputError("--patients applies to studies that generate their data ([data.generate])");
  if (patients < 1) throw InputError("--patients must be at least 1");
  if (patients == generate->patients) return;
  if (reduced_from == 0) reduced_from = generate->patients;
  generate->patients = patients;
}

void run_study(const StudySpec& spec, const StudyRunOptions& options, std::ostream& progress) {
  namespace fs = std::filesystem;
  const auto start = std::chrono::steady_clock::now();
  auto stage = [&](int k, const std::string& what) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress << fmt::format("impactsim: [{}/6 {:6.1f} s] {}\n", k, s, what) << std::flush;
  };
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (!fs::is_directory(options.out_dir)) throw InputError(options.out_dir + ": cannot create the output directory");

  // 1. Data.
  bool reused = false;
  const std::string cohort = cohort_file(spec, options.out_dir, reused);
  Table patients = read_hdf5(cohort, spec.patients_table);
  const Table yearly = read_hdf5(cohort, spec.yearly_table);
  stage(1, fmt::format("data: {} patients, {} yearly rows from {}{}", patients.num_rows(), yearly.num_rows(), cohort,
                       reused ? " (generated earlier with the same options, reused)" : ""));

  // 2-3. Propensity model and matching.
  const DesignedMatching dm = spec.design.run(patients);
  const PropensityModel& pm = dm.propensity;
  const Matching& m = dm.matching;
  stage(2, fmt::format("propensity model: {} treated, {} control, {} discarded", pm.treated_count, pm.control_count,
                       std::count(pm.discarded.begin(), pm.discarded.end(), 1)));
  stage(3, fmt::format("matching: {} treated matched to {} controls", m.matched_treated, m.matched_controls));

  // 4. Balance.
  const DesignMatrix cov = balance_covariates(patients, spec.design.balance_formula());
  BalanceOptions bo;
  bo.threshold = spec.design.balance_threshold;
  const BalanceReport balance = compute_balance(cov.x, cov.column_names, pm.distance, pm.treated, m.weights, pm.discarded, bo);
  const long flagged = std::count_if(balance.after.begin(), balance.after.end(), [](const BalanceRow& r) { return r.flagged; });
  stage(4, fmt::format("balance: {} of {} terms above {} after matching", flagged, balance.after.size(), bo.threshold));

  // 5. Effects.
  std::vector<int64_t> subclass = m.subclass;
  for (int64_t& x : subclass) {
    if (x < 0) x = kMissingInt64;
  }
  patients.add_column(Column::float64(spec.columns.weights, m.weights));
  patients.add_column(Column::int64(spec.columns.subclass, std::move(subclass)));
  patients.add_column(Column::float64("distance", pm.distance));
  EffectOptions eo;
  eo.level = spec.level;
  eo.columns = spec.columns;
  eo.bootstrap_replicates = spec.bootstrap;
  eo.bootstrap_seed = spec.seed;
  eo.matched_pairs = spec.design.matching.ratio == 1 && !spec.design.matching.replace;
  std::vector<OutcomeEffects> effects = estimate_effects(patients, yearly, spec.outcomes, eo);
  std::optional<AdjustedMortality> mortality;
  std::optional<SurvivalEffects> survival;
  if (spec.mortality) {
    mortality = estimate_adjusted_mortality(patients, yearly, *spec.mortality, eo);
    survival = estimate_survival(patients, yearly, {spec.mortality->death_column, spec.mortality->years, ""}, eo);
  }
  std::vector<SurvivalEffects> events;
  for (const StudySpec::TimeToEvent& e : spec.events) {
    events.push_back(estimate_survival(patients, yearly, {spec.mortality->death_column, spec.mortality->years, e.column}, eo));
  }
  // The naive comparison: every member against every non-member, unweighted,
  // each patient its own cluster.
  patients.add_column(Column::float64("impactsim_unit_weight", std::vector<double>(patients.num_rows(), 1.0)));
  EffectOptions naive_options = eo;
  naive_options.columns.weights = "impactsim_unit_weight";
  naive_options.columns.subclass = "impactsim_no_matched_sets";
  naive_options.difference_only = true;
  naive_options.bootstrap_replicates = 0;
  const std::vector<OutcomeEffects> naive = estimate_effects(patients, yearly, spec.outcomes, naive_options);
  const StudyDiagnostics diagnostics =
      assess_study({pm, balance, spec.diagnostics, spec.level}, effects, mortality, survival, events, [&] {
        std::vector<std::string> names;
        for (const auto& e : spec.events) names.push_back(e.name);
        return names;
      }());
  stage(5, fmt::format("effects: {} outcomes{}; diagnostics {}", effects.size(), mortality ? ", adjusted mortality and survival" : "",
                       diagnostics.passed() ? "pass" : "FAIL"));

  // 6. Report.
  StudyReportInput in{spec,   pm,          m, balance, effects, naive, mortality, survival,
                      events, diagnostics, spec.generate ? "" : fnv1a_file_hex(cohort)};
  const StudyReport report = build_study_report(in);
  write_file_atomically((fs::path(options.out_dir) / "results.json").string(), report.json + "\n");
  write_file_atomically((fs::path(options.out_dir) / "report.md").string(), report.markdown);
  write_file_atomically((fs::path(options.out_dir) / "report.html").string(), report.html);
  if (options.write_matched) {
    write_matched(patients, yearly, m.weights, spec.columns.id, (fs::path(options.out_dir) / "matched.h5").string());
  }
  stage(6, "report: " + (fs::path(options.out_dir) / "report.html").string());
}

}  // namespace impactsim
