// GLM families and links, with R's definitions (stats::family, and
// MASS::negative.binomial): the same clamping of means near 0 and 1, the same
// deviance residuals, AIC terms and starting values, so that fits agree with
// R's glm() to the last digits.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace impactsim {

enum class FamilyKind { Binomial, Poisson, NegativeBinomial, Gamma, Gaussian };
enum class Link { Logit, Probit, Cloglog, Log, Inverse, Identity };

std::string_view to_string(FamilyKind kind);
std::string_view to_string(Link link);
// Parses "binomial", "poisson", "negbin" (or "negative-binomial"), "Gamma"
// (or "gamma"), "gaussian"; nullopt otherwise.
std::optional<FamilyKind> parse_family(std::string_view text);
std::optional<Link> parse_link(std::string_view text);

class Family {
 public:
  // The family with R's default link, or the given one; throws InputError for
  // a combination R does not offer.
  static Family make(FamilyKind kind, std::optional<Link> link = std::nullopt, double theta = 1.0);

  FamilyKind kind() const { return kind_; }
  Link link() const { return link_; }
  // Negative binomial shape; set by the fit when estimated.
  double theta() const { return theta_; }
  void set_theta(double theta) { theta_ = theta; }
  // R's family name: "binomial", "poisson", "Negative Binomial(1.234)", "Gamma", "gaussian".
  std::string name() const;
  // Binomial, Poisson and negative binomial have dispersion 1; Gamma and
  // Gaussian estimate it.
  bool fixed_dispersion() const { return kind_ == FamilyKind::Binomial || kind_ == FamilyKind::Poisson || kind_ == FamilyKind::NegativeBinomial; }

  double linkfun(double mu) const;
  double linkinv(double eta) const;
  double mu_eta(double eta) const;  // d mu / d eta
  double variance(double mu) const;
  double deviance_residual(double y, double mu, double weight) const;
  bool valid_mu(double mu) const;
  bool valid_eta(double eta) const;
  // R's family$initialize: the starting mean of an observation.
  double start_mu(double y, double weight) const;
  // One observation's contribution to R's family$aic (before + 2 * rank).
  // `gamma_dispersion` (deviance / sum of weights) is used by Gamma only;
  // Gaussian's aic depends on the total deviance alone (see the fit).
  double aic_term(double y, double mu, double weight, double gamma_dispersion = 1.0) const;

 private:
  Family(FamilyKind kind, Link link, double theta) : kind_(kind), link_(link), theta_(theta) {}
  FamilyKind kind_;
  Link link_;
  double theta_;
};

}  // namespace impactsim
