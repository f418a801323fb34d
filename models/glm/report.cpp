#include "models/glm/report.hpp"

#include <fmt/format.h>

#include <cmath>

#include "engine/version.hpp"

namespace impactsim {
namespace {

// R's significance stars.
const char* stars(double p) {
  if (!(p >= 0)) return "";
  if (p < 0.001) return "***";
  if (p < 0.01) return "**";
  if (p < 0.05) return "*";
  if (p < 0.1) return ".";
  return "";
}

std::string number(double x) {
  if (std::isnan(x)) return "NA";
  if (std::isinf(x)) return x > 0 ? "Inf" : "-Inf";
  return fmt::format("{:.6g}", x);
}

std::string p_value(double p) {
  if (std::isnan(p)) return "NA";
  if (p < 2e-16) return "<2e-16";
  return fmt::format("{:.3g}", p);
}

nlohmann::json num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

}  // namespace

std::string format_glm_summary(const GlmFit& fit, const GlmSummary& s, const GlmReportContext& ctx) {
  std::string out;
  out += fmt::format("Formula: {}\nFamily: {}, link: {}\n", ctx.formula, fit.family.name(), to_string(fit.family.link()));
  if (!ctx.response_levels.empty()) {
    std::string others;
    for (size_t i = 1; i < ctx.response_levels.size(); ++i) others += (i > 1 ? ", \"" : "\"") + ctx.response_levels[i] + "\"";
    out += fmt::format("Response levels: \"{}\" = 0, {} = 1\n", ctx.response_levels[0], others);
  }
  if (fit.firth) out += "Firth's bias-reduced (penalised) likelihood\n";
  const char* stat = s.t_statistics ? "t value" : "z value";
  const char* pcol = s.t_statistics ? "Pr(>|t|)" : "Pr(>|z|)";
  const std::string ci = fmt::format("{:g}%", 100 * s.level);
  out += fmt::format("\nCoefficients ({} standard errors{}):\n",
                     s.vcov == VcovType::Model ? std::string("model-based")
                     : s.vcov == VcovType::Cluster ? fmt::format("cluster-robust, {} clusters", s.clusters)
                                                   : std::string(to_string(s.vcov)),
                     s.profile_intervals ? ", profile-likelihood intervals" : "");
  size_t w = 11;
  for (const auto& r : s.rows) w = std::max(w, r.name.size());
  out += fmt::format("{:<{}} {:>12} {:>11} {:>8} {:>9}     {:>11} {:>11} {:>11}\n", "", w, "Estimate", "Std. Error", stat,
                     pcol, "exp(Est.)", "exp lower", "exp upper");
  for (const auto& r : s.rows) {
    if (r.aliased) {
      out += fmt::format("{:<{}} {:>12} {:>11} {:>8} {:>9}\n", r.name, w, "NA", "NA", "NA", "NA");
      continue;
    }
    out += fmt::format("{:<{}} {:>12} {:>11} {:>8} {:>9} {:<3} {:>11} {:>11} {:>11}\n", r.name, w, number(r.estimate),
                       number(r.std_error), fmt::format("{:.3f}", r.statistic), p_value(r.p_value), stars(r.p_value),
                       number(r.exp_estimate), number(r.exp_ci_low), number(r.exp_ci_high));
  }
  out += fmt::format("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n");
  out += fmt::format("Intervals: {} {}\n", ci, s.profile_intervals ? "profile likelihood" : "Wald");
  out += fmt::format("\n(Dispersion parameter for {} family taken to be {})\n\n", fit.family.name(),
                     number(fit.dispersion_estimated ? fit.dispersion : 1.0));
  out += fmt::format("    Null deviance: {:.2f}  on {:g}  degrees of freedom\n", fit.null_deviance, fit.df_null);
  out += fmt::format("Residual deviance: {:.2f}  on {:g}  degrees of freedom\n", fit.deviance, fit.df_residual);
  if (ctx.rows_dropped > 0) out += fmt::format("  ({} observations deleted due to missingness)\n", ctx.rows_dropped);
  out += fmt::format("AIC: {:.6g}   log-likelihood: {:.6g}\n", fit.aic, fit.log_likelihood);
  if (fit.family.kind() == FamilyKind::NegativeBinomial) {
    out += fmt::format("\n              Theta:  {:.6g}\n          Std. Err.:  {:.6g}\n 2 x log-likelihood:  {:.6g}\n",
                       fit.theta, fit.theta_se, 2 * fit.log_likelihood);
  }
  out += fmt::format("\nNumber of Fisher Scoring iterations: {}\n", fit.iterations);
  for (const auto& warning : fit.warnings) out += "Warning: " + warning + "\n";
  return out;
}

nlohmann::json glm_to_json(const GlmFit& fit, const GlmSummary& s, const GlmReportContext& ctx) {
  nlohmann::json j;
  j["program"] = std::string(kProgramName) + " " + kVersion;
  j["formula"] = ctx.formula;
  j["family"] = to_string(fit.family.kind());
  j["link"] = to_string(fit.family.link());
  j["firth"] = fit.firth;
  if (!ctx.response_levels.empty()) j["response_levels"] = ctx.response_levels;
  j["vcov"] = to_string(s.vcov);
  if (s.vcov == VcovType::Cluster) j["clusters"] = s.clusters;
  j["statistic"] = s.t_statistics ? "t" : "z";
  j["interval"] = {{"level", s.level}, {"method", s.profile_intervals ? "profile" : "wald"}};
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : s.rows) {
    rows.push_back({{"term", r.name},
                    {"aliased", r.aliased},
                    {"estimate", num(r.estimate)},
                    {"std_error", num(r.std_error)},
                    {"statistic", num(r.statistic)},
                    {"p_value", num(r.p_value)},
                    {"ci_low", num(r.ci_low)},
                    {"ci_high", num(r.ci_high)},
                    {"exp_estimate", num(r.exp_estimate)},
                    {"exp_ci_low", num(r.exp_ci_low)},
                    {"exp_ci_high", num(r.exp_ci_high)}});
  }
  j["coefficients"] = rows;
  j["deviance"] = num(fit.deviance);
  j["null_deviance"] = num(fit.null_deviance);
  j["df_residual"] = fit.df_residual;
  j["df_null"] = fit.df_null;
  j["aic"] = num(fit.aic);
  j["log_likelihood"] = num(fit.log_likelihood);
  j["dispersion"] = num(fit.dispersion_estimated ? fit.dispersion : 1.0);
  j["dispersion_estimated"] = fit.dispersion_estimated;
  j["rank"] = fit.rank;
  j["n_obs"] = fit.n_obs;
  j["rows_dropped"] = ctx.rows_dropped;
  j["iterations"] = fit.iterations;
  j["converged"] = fit.converged;
  if (fit.family.kind() == FamilyKind::NegativeBinomial) {
    j["theta"] = num(fit.theta);
    j["theta_se"] = num(fit.theta_se);
  }
  j["warnings"] = fit.warnings;
  return j;
}

}  // namespace impactsim
