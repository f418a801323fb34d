// The yearly transition models of the cohort microsimulation, fitted on a
// claims cohort by the GLM engine and stored with their coefficients and
// covariance (for probabilistic sensitivity analysis).
//
// Each model is a GLM on person-years of non-members (the status quo; the
// effects of enrolment come from a study's results) with the same state
// variables: current age, sex, treatment, comorbidities, deprivation, low
// income, the baseline year's care (exams done, HbA1c tests: they stand for
// a patient's lasting propensity to be followed up, which one year's lags
// capture only in part), and the previous year's exams and hospitalisation:
//   death         binomial logit
//   fundus_2y     binomial logit (fundus exam in the 2-year window)
//   renal_check   binomial logit
//   dental        binomial logit
//   hosp_stays    Poisson log, offset log(exposure)
//   extra_days    Poisson log on days beyond the first of each stay, offset log(stays)
//   log_spending  Gaussian on log(1 + total spending), with its residual SD
//   onset_*       binomial logit: a comorbidity recorded by the end of the
//                 year, among those without it at its start (cardiovascular,
//                 renal disease, heart failure, retinopathy)
// Comorbidities enter as the baseline flags plus the number gained since
// baseline (at the start of each year, from the cohort's yearly flags), so
// that a new comorbidity may weigh differently from one present at entry
// (in the generated cohorts it raises care and stays but not mortality).
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/table.hpp"

namespace impactsim {

// The state variables, in the order of every model's columns after the
// intercept: kFixedStates covariates of the person (age first: it moves
// with the year; the comorbidities gained change with onsets), then
// kLagStates 0/1 indicators of last year's events.
const std::vector<std::string>& microsim_state_names();
constexpr int kFixedStates = 12;
constexpr int kLagStates = 4;
constexpr int kStates = kFixedStates + kLagStates;

enum class Process {
  Death, Fundus, RenalCheck, Dental, HospStays, ExtraDays, LogSpending,
  // Onset of each comorbidity in the year, among those without it at its start.
  OnsetCardiovascular, OnsetRenalDisease, OnsetHeartFailure, OnsetRetinopathy,
  Count
};
constexpr int kComorbidityStates = 4;  // state variables 3..6 (at baseline), in the order of the onset processes
constexpr int kFirstComorbidityState = 3;
constexpr int kGainedState = 11;       // comorbidities gained since baseline (changes over follow-up)
const char* to_string(Process p);

struct TransitionModel {
  Process process = Process::Death;
  Eigen::VectorXd beta;  // intercept, then the state variables
  Eigen::MatrixXd cov;   // covariance of beta
  double sigma = 0;      // residual SD (log_spending)
  double rows = 0;       // person-years fitted on
};

struct TransitionModels {
  std::string programme;
  std::vector<TransitionModel> models;  // indexed by Process
  const TransitionModel& operator[](Process p) const { return models[static_cast<size_t>(p)]; }
  nlohmann::json to_json() const;
  static TransitionModels from_json(const nlohmann::json& j, const std::string& where);
};

// Fits the models on a diabetes cohort (tables patients and yearly as
// impactsim generate writes them). InputError names a missing column.
TransitionModels fit_transition_models(const Table& patients, const Table& yearly);

// The state variables of each patient at baseline (rows = patients), in
// microsim_state_names() order.
Eigen::MatrixXd baseline_state(const Table& patients);

}  // namespace impactsim
