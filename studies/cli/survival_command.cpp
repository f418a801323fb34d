// impactsim cox: the Cox proportional-hazards model (survival::coxph).
// impactsim km: Kaplan-Meier curves by group at chosen times (survfit).
#include <fmt/format.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "models/survival/cox_zph.hpp"
#include "models/survival/kaplan_meier.hpp"
#include "models/survival/survival_frame.hpp"
#include "studies/cli/commands.hpp"
#include "studies/cli/table_options.hpp"

namespace impactsim::cli {
namespace {

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

struct CoxArgs {
  std::string data, formula, json, ties = "efron";
  SurvivalColumns columns;
  std::string strata;
  std::string zph;  // cox.zph's transform, empty: no test
  double level = 0.95;
  TableInputFlags input;
};

double chi2_p(double stat, double df) {
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), std::max(stat, 0.0)));
}

void run_cox(const CoxArgs& a) {
  if (a.ties != "efron" && a.ties != "breslow") throw InputError("--ties \"" + a.ties + "\": use efron (R's default) or breslow");
  if (!(a.level > 0 && a.level < 1)) throw InputError("--level: a confidence level lies in (0, 1)");
  const Table table = read_table(a.data, a.input.options());
  SurvivalColumns cols = a.columns;
  std::stringstream list(a.strata);
  for (std::string s; std::getline(list, s, ',');) {
    if (!s.empty()) cols.strata.push_back(s);
  }
  CoxFrame frame;
  build_cox_frame(table, parse_survival_formula(a.formula), cols, frame);
  CoxOptions o;
  o.ties = a.ties == "breslow" ? CoxTies::Breslow : CoxTies::Efron;
  const CoxFit fit = fit_cox(frame.data, o);
  const bool robust = fit.robust_var.size() > 0;
  const Eigen::MatrixXd& v = robust ? fit.robust_var : fit.var;
  const double z = boost::math::quantile(boost::math::normal(), 0.5 + a.level / 2);
  nlohmann::json coefs = nlohmann::json::array();
  std::string table_text = fmt::format("{:<24} {:>12} {:>12} {:>12} {:>12} {:>10}\n", "", "coef", "exp(coef)", "se(coef)",
                                       robust ? "robust se" : "z", robust ? "z" : "Pr(>|z|)");
  for (Eigen::Index k = 0; k < fit.coefficients.size(); ++k) {
    const double b = fit.coefficients[k], se = std::sqrt(fit.var(k, k)), rse = robust ? std::sqrt(v(k, k)) : NAN;
    const double used = robust ? rse : se;
    const double zstat = b / used;
    const double p = 2 * boost::math::cdf(boost::math::complement(boost::math::normal(), std::abs(zstat)));
    coefs.push_back({{"term", fit.names[static_cast<size_t>(k)]}, {"estimate", num(b)}, {"std_error", num(se)},
                     {"robust_std_error", num(rse)}, {"statistic", num(zstat)}, {"p_value", num(p)},
                     {"exp_estimate", num(std::exp(b))}, {"exp_lower", num(std::exp(b - z * used))},
                     {"exp_upper", num(std::exp(b + z * used))}});
    table_text += robust ? fmt::format("{:<24} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g} {:>10.4g}\n", fit.names[static_cast<size_t>(k)], b,
                                       std::exp(b), se, rse, zstat)
                         : fmt::format("{:<24} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g} {:>10.4g}\n", fit.names[static_cast<size_t>(k)], b,
                                       std::exp(b), se, zstat, p);
  }
  const double df = static_cast<double>(fit.coefficients.size());
  const double lr = 2 * (fit.loglik - fit.loglik_null), wald = cox_wald_test(fit, v);
  nlohmann::json j = {{"formula", a.formula},
                      {"ties", a.ties},
                      {"n", fit.n},
                      {"events", fit.events},
                      {"rows_dropped", frame.rows_dropped},
                      {"strata", frame.strata_labels},
                      {"clusters", robust ? nlohmann::json(fit.clusters) : nlohmann::json(nullptr)},
                      {"variance", robust ? "robust (coxph: dfbeta residuals summed by cluster)" : "model-based"},
                      {"converged", fit.converged},
                      {"iterations", fit.iterations},
                      {"loglik", {num(fit.loglik_null), num(fit.loglik)}},
                      {"confidence_level", a.level},
                      {"coefficients", coefs},
                      {"likelihood_ratio_test", {{"statistic", lr}, {"df", df}, {"p_value", chi2_p(lr, df)}}},
                      {"wald_test", {{"statistic", wald}, {"df", df}, {"p_value", chi2_p(wald, df)}}},
                      {"score_test", {{"statistic", fit.score_test}, {"df", df}, {"p_value", chi2_p(fit.score_test, df)}}}};
  std::string zph_text;
  if (!a.zph.empty()) {
    const CoxZph zph = cox_zph(frame.data, fit, frame.column_term, frame.term_labels, zph_transform_from_string(a.zph));
    nlohmann::json rows = nlohmann::json::array();
    zph_text = fmt::format("\nProportional hazards (cox.zph, transform \"{}\")\n{:<24} {:>12} {:>6} {:>12}\n", a.zph, "", "chisq",
                           "df", "p");
    for (const CoxZphRow& r : zph.rows) {
      rows.push_back({{"term", r.term}, {"chisq", num(r.chisq)}, {"df", r.df}, {"p_value", num(r.p_value)}});
      zph_text += fmt::format("{:<24} {:>12.4g} {:>6g} {:>12.4g}\n", r.term, r.chisq, r.df, r.p_value);
    }
    j["proportional_hazards"] = {{"transform", a.zph}, {"tests", rows}};
  }
  if (!a.json.empty()) write_file_atomically(a.json, j.dump(2) + "\n");
  std::cout << fmt::format("Cox proportional hazards ({} ties): n = {}, events = {}{}{}\n\n", a.ties, fit.n, fit.events,
                           frame.strata_labels.empty() ? "" : fmt::format(", {} strata", frame.strata_labels.size()),
                           robust ? fmt::format(", robust variance over {} clusters", fit.clusters) : "")
            << table_text
            << fmt::format("\nLikelihood ratio test = {:.4g} on {} df, p = {:.4g}\nWald test = {:.4g} on {} df, p = {:.4g}\n"
                           "Score (logrank) test = {:.4g} on {} df, p = {:.4g}\n",
                           lr, df, chi2_p(lr, df), wald, df, chi2_p(wald, df), fit.score_test, df, chi2_p(fit.score_test, df))
            << zph_text;
  if (!fit.converged) std::cerr << "impactsim: warning: the Cox fit did not converge in " << fit.iterations << " iterations\n";
}

struct KmArgs {
  std::string data, formula, json, times, weights;
  double rmst = 0;  // restricted mean survival time up to this time (0: none)
  double level = 0.95;
  TableInputFlags input;
};

void run_km(const KmArgs& a) {
  if (!(a.level > 0 && a.level < 1)) throw InputError("--level: a confidence level lies in (0, 1)");
  std::vector<double> times;
  std::stringstream list(a.times);
  for (std::string s; std::getline(list, s, ',');) {
    try {
      size_t used = 0;
      times.push_back(std::stod(s, &used));
      if (used != s.size() || !(times.back() >= 0)) throw std::invalid_argument(s);
    } catch (const std::exception&) {
      throw InputError("--times: \"" + s + "\" is not a time; give times as 180,365");
    }
  }
  if (times.empty()) throw InputError("--times: give at least one time, e.g. --times 180,365");
  if (!(a.rmst >= 0)) throw InputError("--rmst: give a positive time, e.g. --rmst 365 (0: no restricted mean)");
  const Table table = read_table(a.data, a.input.options());
  SurvivalFormula f = parse_survival_formula(a.formula);
  // km groups by the right-hand side's columns: they become the strata.
  std::stringstream rhs(f.covariates);
  for (std::string term; std::getline(rhs, term, '+');) {
    term.erase(0, term.find_first_not_of(' '));
    term.erase(term.find_last_not_of(' ') + 1);
    if (term == "1" || term.empty()) continue;
    f.strata.push_back(term);
  }
  f.covariates = "1";
  SurvivalColumns cols;
  cols.weights = a.weights;
  CoxFrame frame;
  build_cox_frame(table, f, cols, frame);
  std::vector<int32_t> groups(frame.data.strata.begin(), frame.data.strata.end());
  const auto curves = kaplan_meier(frame.data.time, frame.data.status, frame.data.weights, groups,
                                   frame.strata_labels.empty() ? std::vector<std::string>{"all"} : frame.strata_labels, a.level);
  nlohmann::json strata = nlohmann::json::array();
  std::cout << fmt::format("{:<28} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "stratum", "time", "n.risk", "survival",
                           "std.err", "lower", "upper");
  for (const KmCurve& c : curves) {
    nlohmann::json at = nlohmann::json::array();
    for (double t : times) {
      const KmCurve::At v = c.at(t);
      at.push_back({{"time", t}, {"n_risk", v.n_risk}, {"surv", num(v.surv)}, {"std_error", num(v.std_error)},
                    {"lower", num(v.lower)}, {"upper", num(v.upper)}});
      std::cout << fmt::format("{:<28} {:>10g} {:>10g} {:>10.4f} {:>10.4f} {:>10.4f} {:>10.4f}\n", c.stratum, t, v.n_risk, v.surv,
                               v.std_error, v.lower, v.upper);
    }
    nlohmann::json sj = {{"stratum", c.stratum}, {"n", c.n}, {"events", c.events}, {"at", at}};
    if (a.rmst > 0) {
      const KmCurve::RestrictedMean m = c.restricted_mean(a.rmst);
      sj["restricted_mean"] = {{"tau", m.tau}, {"estimate", num(m.estimate)}, {"std_error", num(m.std_error)}};
      std::cout << fmt::format("{:<28} restricted mean survival time to {:g}: {:.4f} (std.err {:.4f})\n", c.stratum, m.tau,
                               m.estimate, m.std_error);
    }
    strata.push_back(std::move(sj));
  }
  nlohmann::json j = {{"formula", a.formula},
                      {"confidence_level", a.level},
                      {"interval", "log-log"},
                      {"variance", "Greenwood"},
                      {"rows_dropped", frame.rows_dropped},
                      {"strata", strata}};
  if (!a.json.empty()) write_file_atomically(a.json, j.dump(2) + "\n");
}

}  // namespace

void add_survival_commands(CLI::App& app) {
  auto* cmd = app.add_subcommand("cox", "Cox proportional-hazards model (R's survival::coxph)");
  auto a = std::make_shared<CoxArgs>();
  cmd->add_option("--data", a->data, "table file: .csv, .tsv, .txt or .h5")->required();
  cmd->add_option("--formula", a->formula, "\"Surv(time, status) ~ x1 + x2 [+ strata(s)] [+ offset(o)]\"")->required();
  cmd->add_option("--ties", a->ties, "efron (R's default) or breslow")->capture_default_str();
  cmd->add_option("--weights", a->columns.weights, "case weights column (positive)");
  cmd->add_option("--cluster", a->columns.cluster, "cluster column: robust variance as coxph(cluster = )");
  cmd->add_option("--strata", a->strata, "strata columns (comma-separated), as strata() terms");
  cmd->add_option("--level", a->level, "confidence level of the hazard ratios' intervals")->capture_default_str();
  cmd->add_option("--zph", a->zph, "test proportional hazards as cox.zph, with this transform of time: km, identity, log or rank");
  cmd->add_option("--json", a->json, "write every number to this JSON file");
  a->input.add_to(*cmd);
  cmd->callback([a] { run_cox(*a); });

  auto* km = app.add_subcommand("km", "Kaplan-Meier survival by group at chosen times (R's survfit, log-log intervals)");
  auto k = std::make_shared<KmArgs>();
  km->add_option("--data", k->data, "table file: .csv, .tsv, .txt or .h5")->required();
  km->add_option("--formula", k->formula, "\"Surv(time, status) ~ group\" (or ~ 1)")->required();
  km->add_option("--times", k->times, "times at which to report, comma-separated, e.g. 180,365")->required();
  km->add_option("--weights", k->weights, "case weights column (positive)");
  km->add_option("--rmst", k->rmst, "restricted mean survival time up to this time, with its standard error (survfit's rmean)");
  km->add_option("--level", k->level, "confidence level")->capture_default_str();
  km->add_option("--json", k->json, "write every number to this JSON file");
  k->input.add_to(*km);
  km->callback([k] { run_km(*k); });
}

}  // namespace impactsim::cli
