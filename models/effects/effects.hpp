// Effects of enrolment on the enrolled, year by year, in a matched cohort.
//
// Each estimate is a weighted regression on the units observed in the year
// (those alive at its start), with the matching weights as prior weights and
// cluster-robust standard errors by matched set (sandwich::vcovCL's default,
// HC0 × G/(G−1)); with replacement, where matched sets overlap, by patient.
// A regression of the outcome on the treatment alone gives the two groups'
// weighted means and their contrast:
// - binary outcomes: proportions (Gaussian identity: risk difference), risk
//   ratio (Poisson log, Zou 2004's modified Poisson), odds ratio (binomial logit);
// - counts: rates per 100 person-years (Poisson log with log exposure as
//   offset, or negative binomial), rate ratio, and rate difference by the
//   delta method;
// - spending: means and their difference (Gaussian identity), and the
//   difference in differences against the baseline year (the same regression
//   on each patient's change from baseline);
// - death in year t among those alive at its start, adjusted ("all else
//   equal"): logistic regression on the treatment and baseline covariates;
//   the treatment's odds ratio.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "engine/table.hpp"
#include "models/effects/cluster_bootstrap.hpp"
#include "models/sensitivity/evalue.hpp"
#include "models/sensitivity/rosenbaum_bounds.hpp"

namespace impactsim {

// Binary: proportions; Count: rates per 100 person-years; Mean: means of a
// continuous outcome (spending in euros, or another unit, OutcomeSpec::unit).
enum class EffectKind { Binary, Count, Mean };

// A yearly outcome compares those alive at the start of the year: if
// enrolment changes survival, the survivors are no longer the matched
// groups. These versions count every matched patient in year t instead:
// - Composite: the outcome in year t or death by its end (binary outcomes);
// - Cumulative: the outcome summed over years 1..t, nothing added after
//   death (counts and means: events per patient, euros per patient).
enum class DeathProof { None, Composite, Cumulative };

struct OutcomeSpec {
  std::string name;             // label in reports
  std::string column;           // column of the yearly table
  EffectKind kind = EffectKind::Binary;
  std::vector<int> years;       // follow-up years (1..H)
  bool negative_binomial = false;   // counts: rate ratio from a negative binomial model
  std::string baseline_column;      // means: patients-table column of year -1, for the DiD
  std::string unit;                 // means: the outcome's unit ("euros" for spending; may be empty)
  // The outcome is a column of the patients table describing the index year
  // (e.g. nurse seen within 15 days of discharge): one comparison, year 0.
  bool at_index = false;
  // The column (patients table) holds the year of an event, missing when it
  // did not happen (death_year): the binary outcome of year t is "the event
  // by the end of year t", over every matched patient (death by year t).
  bool event_year = false;
  // An outcome enrolment cannot change: its estimates measure the design's
  // systematic error (empirical calibration), not an effect.
  bool negative_control = false;
  // A version death cannot distort of the yearly outcome in `column`
  // (made by death_proof_version).
  DeathProof death_proof = DeathProof::None;
};

// The death-proof version of a yearly outcome: Composite for binary
// outcomes, Cumulative for counts and means; named after it.
OutcomeSpec death_proof_version(const OutcomeSpec& yearly_outcome);

struct AdjustedMortalitySpec {
  std::string death_column = "death";  // yearly table, 0/1: died during the year
  std::string covariates;              // right-hand side: "sex + age + ..."
  std::vector<int> years;
};

// The matched cohort: patients (one row each, with treatment, weights and
// matched-set columns) and their yearly rows (id, year, outcomes).
struct CohortColumns {
  std::string id = "id", year = "year", treatment = "enrolled", weights = "weights", subclass = "subclass",
              exposure = "exposure", death = "death";  // yearly: 0/1, died during the year
};

struct Estimate {
  double estimate = NAN, std_error = NAN, lower = NAN, upper = NAN, p_value = NAN;
};

struct GroupValue {
  double value = NAN, lower = NAN, upper = NAN;
  size_t rows = 0;     // patients observed (unweighted)
  double events = NAN; // binary and count outcomes: the unweighted sum of the outcome (patients with the event, or events)
};

struct YearEffect {
  int year = 0;
  GroupValue treated, control;  // proportion, rate per 100 person-years or mean
  Estimate difference;          // risk difference, rate difference (per 100), mean difference
  Estimate ratio;               // risk ratio or rate ratio
  Estimate odds_ratio;          // binary outcomes
  Estimate did;                 // spending with a baseline column
  size_t clusters = 0;
  // Pair (cluster) bootstrap of `difference`, when requested.
  bool bootstrapped = false;
  BootstrapInterval bootstrap;
  // 1:1 matched pairs, binary outcomes: Rosenbaum bounds of the pairs whose
  // two members are both observed in the year (pairs == 0: not computed).
  RosenbaumBound rosenbaum;
  // Filled by the study (studies/impact/study_sensitivity): E-values of the
  // ratio and the odds ratio; the ratio calibrated on the negative controls'
  // empirical null (NaN without negative controls); the difference's p-value
  // adjusted across the study's outcomes and years (Holm, Benjamini-Hochberg).
  EValue ratio_evalue, odds_ratio_evalue;
  Estimate calibrated_ratio;
  double p_holm = NAN, p_bh = NAN;
};

struct OutcomeEffects {
  OutcomeSpec spec;
  std::vector<YearEffect> years;
};

struct AdjustedMortality {
  AdjustedMortalitySpec spec;
  std::vector<YearEffect> years;  // odds_ratio holds the adjusted OR; treated/control the crude risks
};

struct EffectOptions {
  double level = 0.95;
  CohortColumns columns;
  // Only the groups' values and their difference (no ratios, odds ratios or
  // DiD): the naive comparison reports use beside the matched one.
  bool difference_only = false;
  // Pair (cluster) bootstrap of each difference: replicates (0 = none), seed.
  int bootstrap_replicates = 0;
  uint64_t bootstrap_seed = 1;
  // The matched sets are 1:1 pairs (ratio 1, without replacement): binary
  // outcomes get Rosenbaum bounds at the one-sided level (1 - level) / 2.
  bool matched_pairs = false;
};

std::vector<OutcomeEffects> estimate_effects(const Table& patients, const Table& yearly,
                                             const std::vector<OutcomeSpec>& outcomes,
                                             const EffectOptions& options = {});

AdjustedMortality estimate_adjusted_mortality(const Table& patients, const Table& yearly,
                                              const AdjustedMortalitySpec& spec, const EffectOptions& options = {});

}  // namespace impactsim
