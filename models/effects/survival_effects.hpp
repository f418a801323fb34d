// Death as a time to event in the matched cohort, beside the odds ratios of
// death by year: a patient's follow-up is the sum of his yearly exposures
// (person-years, less than 1 in the year he dies) over programme years 1 to
// the last one studied, the event his death.
// - Kaplan-Meier curves by group, weighted by the matching weights;
// - the hazard ratio of enrolment overall (Cox, Efron ties, matching
//   weights, robust variance clustered by matched set: coxph(cluster = ));
// - over the whole follow-up, cox.zph's test of proportional hazards;
// - the hazard ratio in each programme year t: among those alive at its
//   start, time within the year (a piecewise-constant hazard ratio);
// - the restricted mean survival time of each group to the end of the last
//   year, and its difference.
#pragma once

#include <string>
#include <vector>

#include "engine/table.hpp"
#include "models/effects/effects.hpp"
#include "models/survival/kaplan_meier.hpp"

namespace impactsim {

struct SurvivalSpec {
  std::string death_column = "death";  // yearly 0/1: died in the year (exposure: options.columns.exposure)
  std::vector<int> years;              // programme years (1..H)
  // Another event than death: a patients column holding its time in years
  // since the index date (missing: no event), e.g. the first readmission.
  // Each patient is followed until the event, death or the end of the last
  // year studied, whichever comes first (death censors).
  std::string event_time_column;
};

struct YearHazard {
  int year = 0;
  Estimate hazard_ratio;           // exp scale; std_error on the log scale
  double events[2] = {0, 0};       // deaths, 0 controls, 1 members (patients, unweighted)
  size_t patients[2] = {0, 0};     // alive at the start of the year (overall: with follow-up)
  size_t clusters = 0;
  EValue evalue;                   // filled by the study (studies/impact/study_sensitivity)
  // Overall (year 0) only: cox.zph's test of proportional hazards for
  // enrolment (transform "km"); NaN otherwise.
  double zph_chisq = NAN, zph_p = NAN;
};

struct SurvivalEffects {
  SurvivalSpec spec;
  KmCurve curves[2];               // 0 controls, 1 members
  YearHazard overall;              // year 0: the whole follow-up
  std::vector<YearHazard> by_year;
  // Restricted mean survival time to the end of the last year studied (in
  // years), each group's with survfit's standard error (the matching weights
  // as case weights), and their difference, members minus controls, its
  // standard error as if the groups were independent (the pairs' correlation
  // ignored).
  KmCurve::RestrictedMean restricted_mean[2] = {{0, NAN, NAN}, {0, NAN, NAN}};
  Estimate restricted_mean_difference;
};

SurvivalEffects estimate_survival(const Table& patients, const Table& yearly, const SurvivalSpec& spec,
                                  const EffectOptions& options = {});

}  // namespace impactsim
