// impactsim match: propensity score, nearest-neighbour matching, balance.
// impactsim balance: balance diagnostics of a matched (or any weighted) file.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "models/balance/report.hpp"
#include "models/matching/nearest_neighbor.hpp"
#include "models/propensity/propensity.hpp"
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
  std::string data, formula, out, json, exact, order = "largest", discard = "none", distance = "ps", link = "logit", id,
      match_matrix;
  int ratio = 1;
  double caliper = 0, threshold = 0.1, trim_lower = -1, trim_upper = -1;
  bool raw_caliper = false, replace = false, reestimate = false;
  uint64_t seed = 1;
  TableInputFlags input;
  TableOutputFlags output;
};

// The balance covariates: the formula's, plus the exact-matching columns (as MatchIt lists them).
DesignMatrix covariates_of(const Table& data, const std::string& formula, const std::vector<std::string>& exact) {
  std::string f = formula;
  for (const auto& e : exact) f += " + " + e;
  return balance_covariates(data, f);
}

void run_match(const MatchArgs& a) {
  PropensityOptions po;
  const auto discard = parse_discard(a.discard);
  if (!discard) throw InputError("--discard \"" + a.discard + "\": use none, treated, control or both");
  po.discard = *discard;
  po.reestimate = a.reestimate;
  if (a.distance == "logit") {
    po.distance = DistanceScale::Logit;
  } else if (a.distance != "ps") {
    throw InputError("--distance \"" + a.distance + "\": use ps (the propensity score) or logit (its linear predictor)");
  }
  const auto link = parse_link(a.link);
  if (!link || (*link != Link::Logit && *link != Link::Probit && *link != Link::Cloglog)) {
    throw InputError("--link \"" + a.link + "\": use logit, probit or cloglog");
  }
  po.link = *link;
  if (a.trim_lower >= 0) po.trim_lower = a.trim_lower;
  if (a.trim_upper >= 0) po.trim_upper = a.trim_upper;
  NearestNeighborOptions no;
  no.ratio = a.ratio;
  no.replace = a.replace;
  no.seed = a.seed;
  if (a.caliper != 0) no.caliper = a.caliper;
  no.std_caliper = !a.raw_caliper;
  const auto order = parse_match_order(a.order);
  if (!order) throw InputError("--order \"" + a.order + "\": use largest, smallest, closest, random or data");
  no.order = *order;
  const TableWriteOptions write_options = a.output.options();
  table_format(a.out);

  Table data = read_table(a.data, a.input.options());
  for (const char* added : {"distance", "weights", "subclass", "discarded"}) {
    if (data.has_column(added)) {
      throw InputError(a.data + ": already has a column \"" + std::string(added) +
                       "\", which matching adds; rename or drop it first");
    }
  }
  const std::vector<std::string> exact = split_list(a.exact);
  const PropensityModel pm = fit_propensity(data, a.formula, po);
  std::vector<int32_t> strata;
  if (!exact.empty()) strata = exact_strata(data, exact);
  std::vector<int64_t> keys;
  const std::string id = !a.id.empty() ? a.id : (data.has_column("id") ? "id" : "");
  if (!id.empty()) {
    if (!data.has_column(id)) throw InputError("--id: no column \"" + id + "\"" + suggest_names(id, data.column_names()));
    const Column& c = data.column(id);
    if (c.type() != ColumnType::Int64) throw InputError("--id column \"" + id + "\" must hold integers");
    keys.assign(c.i64().begin(), c.i64().end());
  }
  const Matching m = match_nearest({pm.distance, pm.treated, pm.discarded, strata, keys}, no);
  if (m.matched_treated == 0) {
    throw InputError("no treated unit found a control" +
                     std::string(no.caliper ? " within the caliper; widen --caliper" : "") +
                     (exact.empty() ? "" : " (exact strata: check that each has both groups)"));
  }

  const DesignMatrix cov = covariates_of(data, a.formula, exact);
  BalanceOptions bo;
  bo.threshold = a.threshold;
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
  data.metadata()["match_formula"] = a.formula;
  data.metadata()["match_treatment"] = pm.treatment;
  if (data.name().empty()) data.set_name("matched");

  std::string caliper_text = "none";
  if (no.caliper) {
    caliper_text = no.std_caliper ? fmt::format("{} SD of the distance ({:.6g})", *no.caliper, m.caliper)
                                  : fmt::format("{:.6g}", m.caliper);
  }
  nlohmann::json j = {
      {"formula", a.formula},
      {"treatment", pm.treatment},
      {"propensity",
       {{"link", a.link},
        {"distance", a.distance},
        {"discard", a.discard},
        {"reestimate", a.reestimate},
        {"converged", pm.fit.converged},
        {"iterations", pm.fit.iterations},
        {"coefficients", nlohmann::json::object()}}},
      {"matching",
       {{"method", "nearest"},
        {"ratio", a.ratio},
        {"replace", a.replace},
        {"order", a.order},
        {"caliper", no.caliper ? nlohmann::json(*no.caliper) : nlohmann::json(nullptr)},
        {"std_caliper", no.std_caliper},
        {"caliper_distance_units", no.caliper ? nlohmann::json(m.caliper) : nlohmann::json(nullptr)},
        {"exact", exact},
        {"seed", a.seed},
        {"tie_key", id.empty() ? "row" : id},
        {"matched_treated", m.matched_treated},
        {"matched_controls", m.matched_controls}}},
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
  std::cout << fmt::format(
      "Propensity score: binomial({}) on {} units ({} treated, {} control), {} in {} iterations{}\n"
      "Matching: nearest neighbour, ratio {}, {} replacement, order {}, caliper {}{}\n\n",
      a.link, pm.treated.size(), pm.treated_count, pm.control_count, pm.fit.converged ? "converged" : "NOT converged",
      pm.fit.iterations, a.reestimate ? " (re-estimated after discarding)" : "", a.ratio, a.replace ? "with" : "without",
      a.order, caliper_text, exact.empty() ? "" : ", exact on " + a.exact);
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
  const DesignMatrix cov = covariates_of(data, a.formula, split_list(a.exact));
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
  cmd->add_option("--formula", a->formula, "propensity model: \"treat ~ covariates\"")->required();
  cmd->add_option("--out", a->out, "matched file: the input rows with distance, weights, subclass, discarded")->required();
  cmd->add_option("--ratio", a->ratio, "controls per treated unit")->default_val(1);
  cmd->add_option("--caliper", a->caliper, "caliper on the distance, in SDs of the distance (see --raw-caliper)");
  cmd->add_flag("--raw-caliper", a->raw_caliper, "the caliper is in the distance's own units");
  cmd->add_flag("--replace", a->replace, "match with replacement");
  cmd->add_option("--exact", a->exact, "match exactly on these columns (comma-separated)");
  cmd->add_option("--order", a->order, "largest, smallest, closest, random or data")->default_val("largest");
  cmd->add_option("--discard", a->discard, "common support: none, treated, control or both")->default_val("none");
  cmd->add_flag("--reestimate", a->reestimate, "refit the propensity model after discarding");
  cmd->add_option("--trim-lower", a->trim_lower, "also discard units with a propensity score below this");
  cmd->add_option("--trim-upper", a->trim_upper, "also discard units with a propensity score above this");
  cmd->add_option("--distance", a->distance, "ps (propensity score) or logit (linear predictor)")->default_val("ps");
  cmd->add_option("--link", a->link, "propensity model link: logit, probit or cloglog")->default_val("logit");
  cmd->add_option("--id", a->id, "integer id column breaking ties (default: id if present, else row order)");
  cmd->add_option("--seed", a->seed, "seed of --order random")->default_val(1);
  cmd->add_option("--threshold", a->threshold, "flag balance statistics above this")->default_val(0.1);
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
