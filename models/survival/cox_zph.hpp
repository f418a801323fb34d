// The test of proportional hazards of R's survival::cox.zph (survival 3.x):
// for each term, the score test at the fitted coefficients of adding
// x * g(t) to the model, g a transform of time centred on the events' mean
// (Grambsch & Therneau 1994, as rewritten in survival 3.0: a one-step score
// test in the expanded model, not the older regression of scaled
// Schoenfeld residuals). With U the score of the 2p coefficients (the first
// p are 0 at the estimate) and I their information, a term with columns J
// has chisq = U_J' [I restricted to the p and the J rows]^-1 U_J on |J|
// degrees of freedom; GLOBAL uses all 2p. Efron or Breslow ties as the fit,
// case weights, strata and offsets as the fit.
//
// Transforms of time (cox.zph's transform): "km" (the default: 1 - S(t-),
// S the unweighted Kaplan-Meier of all subjects, strata ignored),
// "identity", "log", "rank" (average ranks of the follow-up times).
#pragma once

#include <string>
#include <vector>

#include "models/survival/cox.hpp"

namespace impactsim {

enum class ZphTransform { KaplanMeier, Identity, Log, Rank };

struct CoxZphRow {
  std::string term;  // a term label, or "GLOBAL"
  double chisq = 0, df = 0, p_value = 0;
};

struct CoxZph {
  ZphTransform transform = ZphTransform::KaplanMeier;
  std::vector<CoxZphRow> rows;  // one per term, then GLOBAL
};

// `column_term[j]`: the term (index into term_labels) of column j of data.x.
// InputError for lengths that do not match or a transform that cannot apply
// (log of a time that is not positive).
CoxZph cox_zph(const CoxData& data, const CoxFit& fit, const std::vector<int>& column_term,
               const std::vector<std::string>& term_labels, ZphTransform transform = ZphTransform::KaplanMeier);

// "km", "identity", "log", "rank"; InputError naming the choices otherwise.
ZphTransform zph_transform_from_string(const std::string& name);

}  // namespace impactsim
