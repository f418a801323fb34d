// impactsim glm --data FILE --formula "y ~ ..." --family binomial ...: fits a
// GLM, prints a summary laid out like R's summary.glm and writes every
// number to JSON.
#include <fmt/format.h>

#include <iostream>

#include "engine/atomic_file.hpp"
#include "engine/design_matrix.hpp"
#include "engine/error.hpp"
#include "models/glm/report.hpp"
#include "studies/cli/commands.hpp"
#include "studies/cli/table_options.hpp"

namespace impactsim::cli {
namespace {

struct GlmArgs {
  std::string data, formula, family = "gaussian", link, weights, offset, vcov = "model", cluster, json;
  bool cluster_hc1 = false, firth = false, profile_ci = false;
  double level = 0.95;
  int maxit = GlmOptions{}.max_iterations;
  double epsilon = GlmOptions{}.epsilon;
  std::vector<std::string> reference;
  TableInputFlags input;
};

Eigen::VectorXd numeric_column(const Table& t, const std::string& name, const std::vector<size_t>& rows, const char* what) {
  const Column& c = t.column(name);
  if (!c.is_numeric() && c.type() != ColumnType::Bool) {
    throw InputError(std::string(what) + " column \"" + name + "\" is " + std::string(to_string(c.type())) + "; it must be numeric");
  }
  Eigen::VectorXd v(static_cast<Eigen::Index>(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) v[static_cast<Eigen::Index>(i)] = c.numeric_value(rows[i]);
  return v;
}

std::vector<int64_t> cluster_ids(const Table& t, const std::string& name, const std::vector<size_t>& rows) {
  const Column& c = t.column(name);
  std::vector<int64_t> ids(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t r = rows[i];
    switch (c.type()) {
      case ColumnType::Int64: ids[i] = c.i64()[r]; break;
      case ColumnType::Categorical: ids[i] = c.codes()[r]; break;
      case ColumnType::Bool: ids[i] = c.b8()[r]; break;
      case ColumnType::Float64: {
        const double v = c.f64()[r];
        if (v != std::floor(v)) throw InputError("cluster column \"" + name + "\" holds " + format_r_number(v) + ", not an identifier");
        ids[i] = static_cast<int64_t>(v);
        break;
      }
    }
  }
  return ids;
}

void run_glm(const GlmArgs& a) {
  // Options first: a bad flag fails before any work.
  const auto kind = parse_family(a.family);
  if (!kind) throw InputError("--family \"" + a.family + "\": use binomial, poisson, negbin, Gamma or gaussian");
  std::optional<Link> link;
  if (!a.link.empty()) {
    link = parse_link(a.link);
    if (!link) throw InputError("--link \"" + a.link + "\": use logit, probit, cloglog, log, inverse or identity");
  }
  GlmOptions options;
  options.family = Family::make(*kind, link);
  options.firth = a.firth;
  options.max_iterations = a.maxit;
  options.epsilon = a.epsilon;
  if (a.maxit < 1) throw InputError("--maxit must be at least 1");
  if (!(a.epsilon > 0)) throw InputError("--epsilon must be positive");
  if (!(a.level > 0 && a.level < 1)) throw InputError("--level must lie between 0 and 1, e.g. 0.95");
  VcovOptions vopt;
  if (a.vcov == "model") vopt.type = VcovType::Model;
  else if (a.vcov == "HC0") vopt.type = VcovType::HC0;
  else if (a.vcov == "HC1") vopt.type = VcovType::HC1;
  else if (a.vcov == "CL") vopt.type = VcovType::Cluster;
  else throw InputError("--vcov \"" + a.vcov + "\": use model, HC0, HC1 or CL");
  if (vopt.type == VcovType::Cluster && a.cluster.empty()) throw InputError("--vcov CL needs --cluster COLUMN (e.g. the matched pair)");
  if (!a.cluster.empty() && vopt.type == VcovType::Model) vopt.type = VcovType::Cluster;
  vopt.cluster_hc1 = a.cluster_hc1;

  DesignOptions dopt;
  dopt.reference_levels = parse_assignments(a.reference, "--reference", "VARIABLE=LEVEL region=north");
  for (const auto* col : {&a.weights, &a.offset, &a.cluster}) {
    if (!col->empty()) dopt.required_columns.push_back(*col);
  }
  const Formula formula = Formula::parse(a.formula);
  if (!formula.has_response) throw InputError("formula \"" + a.formula + "\" has no response; write it as \"y ~ x1 + x2\"");
  const Table table = read_table(a.data, a.input.options());
  const DesignMatrix dm = build_design_matrix(table, formula, dopt);
  if (!dm.response_levels.empty() && options.family.kind() != FamilyKind::Binomial) {
    throw InputError("the response \"" + dm.response_name + "\" is categorical; only the binomial family accepts a "
                     "categorical response (first level = 0, others = 1); recode it as a number for the " +
                     std::string(to_string(options.family.kind())) + " family");
  }

  Eigen::VectorXd weights, offset;
  if (!a.weights.empty()) weights = numeric_column(table, a.weights, dm.rows, "weights");
  if (!a.offset.empty()) offset = numeric_column(table, a.offset, dm.rows, "offset");
  if (!a.cluster.empty()) vopt.cluster = cluster_ids(table, a.cluster, dm.rows);
  if (dm.y.size() > 0 && (dm.y.array() == dm.y[0]).all()) {
    throw InputError("the response \"" + dm.response_name + "\" is constant (every value is " + format_r_number(dm.y[0]) +
                     "): there is nothing to model");
  }
  const GlmData data = GlmData::from(dm, weights, offset);
  const GlmFit fit = fit_glm(data, options);
  const Vcov vcov = glm_vcov(fit, data, vopt);
  std::optional<Eigen::MatrixXd> profile;
  if (a.profile_ci) profile = profile_intervals(fit, data, options, a.level);
  const GlmSummary summary = summarize_glm(fit, vcov, a.level, profile);
  GlmReportContext context{a.formula, dm.rows_dropped, dm.response_levels};

  if (!a.json.empty()) write_file_atomically(a.json, glm_to_json(fit, summary, context).dump(2) + "\n");
  std::cout << format_glm_summary(fit, summary, context);
}

}  // namespace

void add_glm_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("glm", "Fit a generalised linear model (logistic, Poisson, negative binomial, Gamma, Gaussian)");
  auto a = std::make_shared<GlmArgs>();
  cmd->add_option("--data", a->data, "table file: .csv, .tsv, .txt or .h5")->required();
  cmd->add_option("--formula", a->formula, "R model formula, e.g. \"died ~ enrolled + age + sex\"")->required();
  cmd->add_option("--family", a->family, "binomial, poisson, negbin (theta by ML), Gamma or gaussian")->capture_default_str();
  cmd->add_option("--link", a->link, "logit, probit, cloglog, log, inverse or identity (default: the family's, as R)");
  cmd->add_option("--weights", a->weights, "prior weights column (binomial proportions: the trials)");
  cmd->add_option("--offset", a->offset, "offset column, e.g. log person-years for rates");
  cmd->add_option("--vcov", a->vcov, "standard errors: model, HC0, HC1 or CL (cluster-robust)")->capture_default_str();
  cmd->add_option("--cluster", a->cluster, "cluster column for --vcov CL (implies it), e.g. the matched pair");
  cmd->add_flag("--cluster-hc1", a->cluster_hc1, "cluster-robust with HC1 scaling (default HC0 x G/(G-1), as sandwich::vcovCL)");
  cmd->add_flag("--firth", a->firth, "Firth's bias-reduced logistic regression (rare outcomes, separation)");
  cmd->add_flag("--profile-ci", a->profile_ci, "profile-likelihood confidence intervals (as R's confint) instead of Wald");
  cmd->add_option("--level", a->level, "confidence level")->capture_default_str();
  cmd->add_option("--maxit", a->maxit, "maximum IRLS iterations")->capture_default_str();
  cmd->add_option("--epsilon", a->epsilon, "convergence tolerance on the relative deviance change")->capture_default_str();
  cmd->add_option("--reference", a->reference, "reference level of a factor, VARIABLE=LEVEL, repeatable");
  cmd->add_option("--json", a->json, "write every number to this JSON file");
  a->input.add_to(*cmd);
  cmd->callback([a] { run_glm(*a); });
}

}  // namespace impactsim::cli
