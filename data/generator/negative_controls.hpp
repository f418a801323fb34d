// Negative-control outcomes of a programme's cohort (issue 16): yearly
// binary outcomes that enrolment does not change, so that a study can
// measure its systematic error and calibrate its intervals. Each year's
// log-odds: intercept + age_per_decade x (age in that year - the
// programme's centre) / 10 + loading x a latent trait of the programme (the
// diabetes follow-up propensity; none elsewhere) + engagement loading x the
// hidden engagement trait (0 unless it is on). Both arms of a patient use
// the same uniforms: the truth is null by construction.
//
// Parameters ([negative_controls] of the programme's file, every value with
// its source): names, labels, intercept, age_per_decade and, where the
// programme has a latent trait, follow_up_loading; and
// engagement.negative_control_log_odds.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/generator/cohort_schema.hpp"
#include "data/generator/parameters.hpp"
#include "engine/random_stream.hpp"

namespace impactsim::generator {

class NegativeControls {
 public:
  static constexpr int kCount = 3;

  // `latent_key`: the [negative_controls] key of the latent trait's loadings,
  // empty when the programme has none. InputError when a list is not kCount long.
  NegativeControls(const Parameters& p, const std::string& latent_key);

  // Appends the yearly columns (bool, one per control).
  void add_columns(std::vector<ColumnSpec>& yearly) const;

  // A patient's log-odds in year 0, `age_decades` = (age - centre) / 10.
  void baseline(double age_decades, double latent, double engagement, double* log_odds) const;

  // Year t's outcomes: the stream's next kCount uniforms (drawn whatever the
  // year's other events), each event at most as likely as the year's exposure.
  void draw(const double* log_odds, int t, double exposure, RandomStream& s, bool* out) const;

  // truth.json's entry: the outcomes and their (null) effect.
  nlohmann::json truth() const;

 private:
  std::vector<std::string> names_, labels_;
  std::vector<double> intercept_, age_, latent_, engagement_;
};

}  // namespace impactsim::generator
