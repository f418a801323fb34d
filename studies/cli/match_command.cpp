// impactsim match: propensity score, nearest-neighbour matching, balance.
// impactsim balance: balance diagnostics of a matched (or any weighted) file.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "models/balance/report.hpp"
#include "models/matching/matching_design.hpp"
#include "studies/cli/commands.hpp"
#include "studies/cli/table_options.hpp"

namespace impactsim::cli {
namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

struct MatchArgs {
  std::string data, out, json, exact, order = "largest", discard = "none", distance = "ps", link = "logit",
      caliper_scale = "sd", match_matrix;
  MatchingDesign design;
  bool raw_caliper = false;
  TableInputFlags input;
  TableOutputFlags output;
};

// A design option's flag: its shared name with dashes (caliper_scale: --caliper-scale).
std::string flag_of(std::string option) {
  std::replace(option.begin(), option.end(), '_', '-');
  return "--" + option;
}

// The matching design from the flags, checked as a study file's [design] is.
MatchingDesign design_of(const MatchArgs& a) {
  MatchingDesign d = a.design;
  d.exact = split_list(a.exact);
  for (const auto& [option, value] : {std::pair{"link", a.link}, std::pair{"distance", a.distance}, std::pair{"discard", a.discard},
                                      std::pair{"order", a.order}, std::pair{"caliper_scale", a.caliper_scale}}) {
    if (auto issue = d.set(option, value)) throw InputError(flag_of(issue->option) + ": " + issue->message);
  }
  if (a.raw_caliper) {
    if (a.caliper_scale != "sd") throw InputError("--raw-caliper: give --caliper-scale only (--raw-caliper is its old spelling)");
    d.matching.caliper_scale = CaliperScale::DistanceUnits;
    std::cerr << "impactsim: warning: " << old_caliper_spelling_note(false, d.matching.caliper_scale) << "\n";
  }
  if (auto issue = d.validate()) throw InputError(flag_of(issue->option) + ": " + issue->message);
  return d;
}

void run_match(const MatchArgs& a) {
  const MatchingDesign design = design_of(a);
  const TableWriteOptions write_options = a.output.options();
  table_format(a.out);

  Table data = read_table(a.data, a.input.options());
  for (const char* added : {"distance", "weights", "subclass", "discarded"}) {
    if (data.has_column(added)) {
      throw InputError(a.data + ": already has a column \"" + std::string(added) +
                       "\", which matching adds; rename or drop it first");
    }
  }
  const DesignedMatching dm = design.run(data);
  const PropensityModel& pm = dm.propensity;
  const Matching& m = dm.matching;
  const std::vector<int64_t>& keys = dm.keys;
  const std::string& id = dm.tie_key;

  const DesignMatrix cov = balance_covariates(data, design.balance_formula());
  BalanceOptions bo;
  bo.threshold = design.balance_threshold;
  const BalanceReport bal = compute_balance(cov.x, cov.column_names, pm.distance, pm.treated, m.weights, pm.discarded, bo);

  // The input rows with MatchIt's match.data columns added.
  std::vector<int64_t> subclass = m.subclass;
  for (int64_t& s : subclass) {
    if (s < 0) s = kMissingInt64;
  }
  data.add_column(Column::float64("distance", pm.distance));
  data.add_column(Column::float64("weights", m.weights));
  data.add_column(Column::int64("subclass", std::move(subclass)));
  data.add_column(Column::boolean("discarded", pm.discarded));
  data.metadata()["match_formula"] = design.formula;
  data.metadata()["match_treatment"] = pm.treatment;
  if (data.name().empty()) data.set_name("matched");

  nlohmann::json matching = design.to_json(&m);
  matching["tie_key"] = id.empty() ? "row" : id;
  matching["matched_treated"] = m.matched_treated;
  matching["matched_controls"] = m.matched_controls;
  nlohmann::json j = {
      {"formula", design.formula},
      {"treatment", pm.treatment},
      {"propensity",
       {{"converged", pm.fit.converged}, {"iterations", pm.fit.iterations}, {"coefficients", nlohmann::json::object()}}},
      {"matching", matching},
      {"balance", balance_to_json(bal)}};
  for (size_t k = 0; k < pm.fit.names.size(); ++k) {
    const double b = pm.fit.coefficients[static_cast<Eigen::Index>(k)];
    j["propensity"]["coefficients"][pm.fit.names[k]] = std::isnan(b) ? nlohmann::json(nullptr) : nlohmann::json(b);
  }

  // The match matrix: a row per treated unit, its controls in matching order
  // (row numbers from 1, and ids when there is an id column; missing = none).
  Table mm("match_matrix");
  if (!a.match_matrix.empty()) {
    table_format(a.match_matrix);
    const size_t k = static_cast<size_t>(m.ratio);
    std::vector<int64_t> trow;
    for (int64_t t : m.treated_rows) trow.push_back(t + 1);
    mm.add_column(Column::int64("treated_row", trow));
    if (!keys.empty()) {
      std::vector<int64_t> tid;
      for (int64_t t : m.treated_rows) tid.push_back(keys[static_cast<size_t>(t)]);
      mm.add_column(Column::int64("treated_" + id, tid));
    }
    for (size_t r = 0; r < k; ++r) {
      std::vector<int64_t> crow, cid;
      for (size_t t = 0; t < m.treated_rows.size(); ++t) {
        const int64_t c = m.matches[t * k + r];
        crow.push_back(c < 0 ? kMissingInt64 : c + 1);
        if (!keys.empty()) cid.push_back(c < 0 ? kMissingInt64 : keys[static_cast<size_t>(c)]);
      }
      mm.add_column(Column::int64("control_row_" + std::to_string(r + 1), crow));
      if (!keys.empty()) mm.add_column(Column::int64("control_" + id + "_" + std::to_string(r + 1), cid));
    }
  }

  write_table(data, a.out, write_options);
  if (!a.match_matrix.empty()) write_table(mm, a.match_matrix, write_options);
  if (!a.json.empty()) write_file_atomically(a.json, j.dump(2) + "\n");
  std::cout << fmt::format("Propensity score: binomial({}) on {} units ({} treated, {} control), {} in {} iterations{}\n"
                           "Matching: {}\n\n",
                           to_string(design.propensity.link), pm.treated.size(), pm.treated_count, pm.control_count,
                           pm.fit.converged ? "converged" : "NOT converged", pm.fit.iterations,
                           design.propensity.reestimate ? " (re-estimated after discarding)" : "", design.describe(&m));
  std::cout << format_balance(bal);
  for (const auto& w : pm.fit.warnings) std::cerr << "impactsim: warning: propensity model: " << w << "\n";
  std::cerr << fmt::format("impactsim: wrote {} ({} rows; columns distance, weights, subclass, discarded added)\n", a.out,
                           data.num_rows());
}

struct BalanceArgs {
  std::string data, formula, weights = "weights", distance = "distance", discarded = "discarded", json, exact;
  double threshold = 0.1;
  TableInputFlags input;
};

void run_balance(const BalanceArgs& a) {
  const Table data = read_table(a.data, a.input.options());
  const DesignMatrix dm = build_design_matrix(data, a.formula);
  if (!dm.has_response) throw InputError("formula \"" + a.formula + "\": needs the treatment on the left (treat ~ covariates)");
  if (dm.rows_dropped > 0) {
    throw InputError("formula \"" + a.formula + "\": " + std::to_string(dm.rows_dropped) + " rows have missing values");
  }
  const size_t n = data.num_rows();
  std::vector<uint8_t> treated(n);
  for (size_t i = 0; i < n; ++i) {
    const double y = dm.y[static_cast<Eigen::Index>(i)];
    if (y != 0 && y != 1) throw InputError("treatment \"" + dm.response_name + "\" must be 0/1; row " + std::to_string(i + 1) + " is not");
    treated[i] = y == 1;
  }
  auto numeric = [&](const std::string& name) {
    std::vector<double> v;
    if (name.empty() || !data.has_column(name)) return v;
    const Column& c = data.column(name);
    if (!c.is_numeric()) throw InputError("column \"" + name + "\" must be numeric");
    for (size_t i = 0; i < n; ++i) v.push_back(c.numeric_value(i));
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(v[i]) || (name == a.weights && v[i] < 0)) {
        throw InputError("column \"" + name + "\", row " + std::to_string(i + 1) + ": not a valid value");
      }
    }
    return v;
  };
  if (a.weights != "weights" && !data.has_column(a.weights)) {
    throw InputError("--weights: no column \"" + a.weights + "\"" + suggest_names(a.weights, data.column_names()));
  }
  const std::vector<double> weights = numeric(a.weights), distance = numeric(a.distance);
  std::vector<uint8_t> discarded;
  if (data.has_column(a.discarded) && data.column(a.discarded).type() == ColumnType::Bool) {
    const auto b = data.column(a.discarded).b8();
    discarded.assign(b.begin(), b.end());
  }
  MatchingDesign listed;
  listed.formula = a.formula;
  listed.exact = split_list(a.exact);
  const DesignMatrix cov = balance_covariates(data, listed.balance_formula());
  BalanceOptions bo;
  bo.threshold = a.threshold;
  const BalanceReport bal = compute_balance(cov.x, cov.column_names, distance, treated, weights, discarded, bo);
  if (!a.json.empty()) write_file_atomically(a.json, balance_to_json(bal).dump(2) + "\n");
  std::cout << format_balance(bal);
}

}  // namespace

void add_match_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("match", "Propensity-score nearest-neighbour matching (MatchIt semantics) and balance");
  auto a = std::make_shared<MatchArgs>();
  cmd->add_option("--data", a->data, "input table (.csv or .h5)")->required();
  cmd->add_option("--formula", a->design.formula, "propensity model: \"treat ~ covariates\"")->required();
  cmd->add_option("--out", a->out, "matched file: the input rows with distance, weights, subclass, discarded")->required();
  cmd->add_option("--ratio", a->design.matching.ratio, "controls per treated unit")->default_val(1);
  cmd->add_option("--caliper", a->design.matching.caliper, "caliper on the distance (scale: --caliper-scale)");
  cmd->add_option("--caliper-scale", a->caliper_scale, "sd (SDs of the distance, MatchIt's default) or distance (its own units)")
      ->default_val("sd");
  cmd->add_flag("--raw-caliper", a->raw_caliper, "old spelling of --caliper-scale distance");
  cmd->add_flag("--replace", a->design.matching.replace, "match with replacement");
  cmd->add_option("--exact", a->exact, "match exactly on these columns (comma-separated)");
  cmd->add_option("--order", a->order, "largest, smallest, closest, random or data")->default_val("largest");
  cmd->add_option("--discard", a->discard, "common support: none, treated, control or both")->default_val("none");
  cmd->add_flag("--reestimate", a->design.propensity.reestimate, "refit the propensity model after discarding");
  cmd->add_option("--trim-lower", a->design.propensity.trim_lower, "also discard units with a propensity score below this");
  cmd->add_option("--trim-upper", a->design.propensity.trim_upper, "also discard units with a propensity score above this");
  cmd->add_option("--distance", a->distance, "ps (propensity score) or logit (linear predictor)")->default_val("ps");
  cmd->add_option("--link", a->link, "propensity model link: logit, probit or cloglog")->default_val("logit");
  cmd->add_option("--id", a->design.id, "integer id column breaking ties (default: id if present, else row order)");
  cmd->add_option("--seed", a->design.matching.seed, "seed of --order random")->default_val(1);
  cmd->add_option("--balance-threshold,--threshold", a->design.balance_threshold, "flag balance statistics above this")
      ->default_val(0.1);
  cmd->add_option("--json", a->json, "write every number to this JSON file");
  cmd->add_option("--match-matrix", a->match_matrix, "write the match matrix (treated unit -> its controls) to this table");
  a->input.add_to(*cmd);
  a->output.add_to(*cmd);
  cmd->callback([a] { run_match(*a); });

  auto* bcmd = app.add_subcommand("balance", "Balance diagnostics (MatchIt's summary) of a matched or weighted table");
  auto b = std::make_shared<BalanceArgs>();
  bcmd->add_option("--data", b->data, "table, e.g. the output of impactsim match")->required();
  bcmd->add_option("--formula", b->formula, "\"treat ~ covariates\"")->required();
  bcmd->add_option("--weights", b->weights, "weights column (default: weights, when present)");
  bcmd->add_option("--distance", b->distance, "distance column shown first (default: distance, when present)");
  bcmd->add_option("--exact", b->exact, "also list these columns (comma-separated), as match --exact does");
  bcmd->add_option("--threshold", b->threshold, "flag balance statistics above this")->default_val(0.1);
  bcmd->add_option("--json", b->json, "write every number to this JSON file");
  b->input.add_to(*bcmd);
  bcmd->callback([b] { run_balance(*b); });
}

}  // namespace impactsim::cli
