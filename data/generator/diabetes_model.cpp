// Diabetes coaching programme (DESIGN.md, "Diabetes programme"): adults
// treated for diabetes, invited to a voluntary remote-coaching programme.
//
// Model, per patient (parameters in data/diabetes.toml):
// - baseline covariates (sex, age, deprivation, coverage, department, type,
//   treatment, comorbidities) and two latent traits: a follow-up propensity
//   (drives exam uptake every year, so the baseline exam history is its noisy
//   proxy) and a hospital frailty (gamma, mean 1: stays are negative binomial);
// - exams each year: logistic in covariates + follow-up propensity (+ the
//   member effect on the log-odds scale from year 1);
// - enrolment: logistic in the observed baseline (better-followed patients
//   enrol more: healthy-adherer selection), so selection is on observables
//   unless the optional engagement trait is on;
// - comorbidity onset each year (logistic in age and treatment), unaffected
//   by enrolment; a new comorbidity raises GP visits, stays and drug
//   spending from the next year;
// - death each year: logistic in baseline covariates and age only, with the
//   member odds ratio by year, so that a logistic regression of death on
//   enrolment and the baseline covariates is correctly specified and its
//   coefficient estimates the true odds ratio (onset therefore does not
//   move mortality);
// - hospital stays (Poisson given frailty), days (stays + Poisson extra days),
//   HbA1c tests and GP visits (Poisson), spending by kind (costs of care used
//   plus log-normal remainders, growing each year);
// - negative-control outcomes each year (logistic in age, the follow-up
//   propensity and engagement), which enrolment does not change: drawn from
//   uniforms after all the others of the patient-year, so that adding them
//   left every other draw as it was.
#include <algorithm>
#include <cmath>

#include "data/generator/cohort_model.hpp"
#include "data/generator/demographics.hpp"
#include "data/generator/draws.hpp"
#include "data/generator/negative_controls.hpp"
#include "data/generator/parameters.hpp"

namespace impactsim::generator {
namespace {


enum Exam { kFundus, kCreatinine, kAlbuminuria, kDental, kExams };
const char* const kExamNames[kExams] = {"fundus", "creatinine", "albuminuria", "dental"};

// Uniforms drawn each year, always all of them, so that both arms of a patient
// use the same uniform for the same event.
enum YearDraw { uDeath, uDeathTime, uExam0, uHba1c = uExam0 + kExams, uGp, uStays, uDays, uAmbulatory, uHospitalCost,
                uDrugs, uOnset0, kYearDraws = uOnset0 + 4 };
enum BaselineDraw { bDemographics, bType1 = bDemographics + DemographicsModel::kDraws, bInsulin, bComorb0, bCare = bComorb0 + 4,
                    bFrailty, bEngagement, bEnrol, kBaselineDrawCount };

enum Comorbidity { kCardiovascular, kRenal, kHeartFailure, kRetinopathy, kComorbidities };
const char* const kComorbNames[kComorbidities] = {"cardiovascular", "renal_disease", "heart_failure", "retinopathy"};

struct Params {
  double type1, insulin_type2;
  double comorb_prevalence[kComorbidities], comorb_incidence[kComorbidities], comorb_age_per_decade, comorb_insulin;
  double care_sd, frailty_shape;
  double exam_intercept[kExams], exam_age_per_decade[kExams], exam_per_quintile, exam_low_income, exam_insulin,
      exam_care_loading;
  std::vector<double> exam_effect[kExams];
  double hba1c_log_mean, hba1c_care_loading, gp_log_mean, gp_care_loading, gp_comorbidity;
  std::vector<double> hba1c_effect, gp_effect;
  double stays_log_mean, stays_age_per_decade, stays_comorbidity, stays_insulin, mean_los;
  std::vector<double> stays_rate_ratio, los_ratio;
  double death_intercept, death_age_per_decade, death_male, death_comorb[kComorbidities], death_insulin,
      death_per_quintile;
  std::vector<double> death_odds_ratio;
  double cost_gp, cost_exam[kExams], cost_hba1c, ambulatory_log_mean, ambulatory_sd, drugs_log_mean, drugs_insulin,
      drugs_comorbidity, drugs_sd, hospital_cost_per_day, hospital_cost_sd, spending_growth;
  double enrol_intercept, enrol_fundus, enrol_renal, enrol_dental, enrol_per_hba1c, enrol_low_income,
      enrol_per_quintile, enrol_age_per_decade, enrol_pilot;
  double engagement_enrol, engagement_exam, engagement_death, engagement_stays;
};

Params read_params(const Parameters& p, int years) {
  Params q{};
  q.type1 = p.probability("population", "type1");
  q.insulin_type2 = p.probability("population", "insulin_type2");
  for (int c = 0; c < kComorbidities; ++c) {
    q.comorb_prevalence[c] = p.probability("comorbidity", kComorbNames[c]);
    q.comorb_incidence[c] = p.probability("comorbidity", std::string(kComorbNames[c]) + "_incidence");
  }
  q.comorb_age_per_decade = p.value("comorbidity", "age_per_decade");
  q.comorb_insulin = p.value("comorbidity", "insulin");
  q.care_sd = p.value("exams", "follow_up_propensity_sd");
  for (int e = 0; e < kExams; ++e) {
    const std::string n = kExamNames[e];
    q.exam_intercept[e] = p.value("exams", n + "_intercept");
    q.exam_age_per_decade[e] = p.value("exams", n + "_age_per_decade");
    q.exam_effect[e] = p.by_year("effects", n + "_log_odds", years);
  }
  q.exam_per_quintile = p.value("exams", "per_deprivation_quintile");
  q.exam_low_income = p.value("exams", "low_income");
  q.exam_insulin = p.value("exams", "insulin");
  q.exam_care_loading = p.value("exams", "follow_up_loading");
  q.hba1c_log_mean = p.value("care", "hba1c_log_mean");
  q.hba1c_care_loading = p.value("care", "hba1c_follow_up_loading");
  q.gp_log_mean = p.value("care", "gp_log_mean");
  q.gp_care_loading = p.value("care", "gp_follow_up_loading");
  q.gp_comorbidity = p.value("care", "gp_per_comorbidity");
  q.hba1c_effect = p.by_year("effects", "hba1c_log_rate", years);
  q.gp_effect = p.by_year("effects", "gp_log_rate", years);
  q.frailty_shape = p.value("hospital", "frailty_shape");
  q.stays_log_mean = p.value("hospital", "stays_log_mean");
  q.stays_age_per_decade = p.value("hospital", "stays_age_per_decade");
  q.stays_comorbidity = p.value("hospital", "stays_per_comorbidity");
  q.stays_insulin = p.value("hospital", "stays_insulin");
  q.mean_los = p.value("hospital", "mean_length_of_stay");
  q.stays_rate_ratio = p.by_year("effects", "stays_rate_ratio", years);
  q.los_ratio = p.by_year("effects", "length_of_stay_ratio", years);
  q.death_intercept = p.value("mortality", "intercept");
  q.death_age_per_decade = p.value("mortality", "age_per_decade");
  q.death_male = p.value("mortality", "male");
  for (int c = 0; c < kComorbidities; ++c) q.death_comorb[c] = p.value("mortality", kComorbNames[c]);
  q.death_insulin = p.value("mortality", "insulin");
  q.death_per_quintile = p.value("mortality", "per_deprivation_quintile");
  q.death_odds_ratio = p.by_year("effects", "death_odds_ratio", years);
  q.cost_gp = p.value("spending", "gp_visit");
  for (int e = 0; e < kExams; ++e) q.cost_exam[e] = p.value("spending", std::string(kExamNames[e]) + "_exam");
  q.cost_hba1c = p.value("spending", "hba1c_test");
  q.ambulatory_log_mean = p.value("spending", "other_ambulatory_log_mean");
  q.ambulatory_sd = p.value("spending", "other_ambulatory_log_sd");
  q.drugs_log_mean = p.value("spending", "drugs_log_mean");
  q.drugs_insulin = p.value("spending", "drugs_insulin");
  q.drugs_comorbidity = p.value("spending", "drugs_per_comorbidity");
  q.drugs_sd = p.value("spending", "drugs_log_sd");
  q.hospital_cost_per_day = p.value("spending", "hospital_day");
  q.hospital_cost_sd = p.value("spending", "hospital_log_sd");
  q.spending_growth = p.value("spending", "annual_growth");
  q.enrol_intercept = p.value("enrolment", "intercept");
  q.enrol_fundus = p.value("enrolment", "fundus_2y");
  q.enrol_renal = p.value("enrolment", "renal_check");
  q.enrol_dental = p.value("enrolment", "dental");
  q.enrol_per_hba1c = p.value("enrolment", "per_hba1c_test");
  q.enrol_low_income = p.value("enrolment", "low_income");
  q.enrol_per_quintile = p.value("enrolment", "per_deprivation_quintile");
  q.enrol_age_per_decade = p.value("enrolment", "age_per_decade");
  q.enrol_pilot = p.value("enrolment", "pilot_area");
  q.engagement_enrol = p.value("engagement", "enrolment_log_odds");
  q.engagement_exam = p.value("engagement", "exam_log_odds");
  q.engagement_death = p.value("engagement", "death_log_odds");
  q.engagement_stays = p.value("engagement", "stays_log_rate");
  return q;
}

struct Patient : Demographics {
  bool type1, insulin;
  bool comorb[kComorbidities];
  int n_comorb;
  double care, frailty, engagement;
  double exam_lp[kExams], hba1c_lp, gp_lp, stays_lp, death_lp, drugs_lp, nc_lp[NegativeControls::kCount];
  // Without enrolment these do not change from year to year: computed once.
  double exam_p0[kExams], hba1c_mean0, gp_mean0, stays_mean0;
};

// One year of one arm.
struct Year {
  bool death, exam[kExams], onset[kComorbidities], negative_control[NegativeControls::kCount];
  double exposure;
  int64_t hba1c, gp, stays, days, ambulatory, hospital, drugs;
};

class DiabetesModel final : public CohortModel {
 public:
  DiabetesModel(const GenerateOptions& o, const Parameters& p)
      : opt_(o), demographics_(p), q_(read_params(p, o.years)), negative_controls_(p, "follow_up_loading") {
    for (int t = -2; t <= o.years; ++t) {
      growth_.push_back(std::pow(1.0 + q_.spending_growth, t + 1));
      stays_age_factor_.push_back(std::exp(q_.stays_age_per_decade * std::max(0, t + 1) / 10.0));
    }
    for (int k = 0; k < o.years; ++k) {
      hba1c_ratio_.push_back(std::exp(q_.hba1c_effect[static_cast<size_t>(k)]));
      gp_ratio_.push_back(std::exp(q_.gp_effect[static_cast<size_t>(k)]));
    }
    patients_.name = "patients";
    auto& pc = patients_.columns;
    pc = {{"id", ColumnType::Int64, {}, 32, "pseudonymous patient identifier (1..N)"}};
    for (auto& c : DemographicsModel::columns()) pc.push_back(std::move(c));
    pc.insert(pc.end(), {
        {"diabetes_type", ColumnType::Categorical, {"type1", "type2"}, 64, "type of diabetes"},
        {"treatment", ColumnType::Categorical, {"insulin", "oral"}, 64, "antidiabetic treatment in year -1"},
    });
    for (const char* c : kComorbNames) pc.push_back({c, ColumnType::Bool, {}, 64, "comorbidity recorded by year -1"});
    pc.push_back({"fundus_2y", ColumnType::Bool, {}, 64, "fundus exam in years -2..-1"});
    pc.push_back({"creatinine", ColumnType::Bool, {}, 64, "serum creatinine test in year -1"});
    pc.push_back({"albuminuria", ColumnType::Bool, {}, 64, "albuminuria test in year -1"});
    pc.push_back({"renal_check", ColumnType::Bool, {}, 64, "creatinine and albuminuria both in year -1"});
    pc.push_back({"dental", ColumnType::Bool, {}, 64, "dental exam in year -1"});
    pc.push_back({"hba1c_tests", ColumnType::Int64, {}, 8, "HbA1c tests in year -1"});
    pc.push_back({"gp_visits", ColumnType::Int64, {}, 8, "GP visits in year -1"});
    pc.push_back({"hosp_stays", ColumnType::Int64, {}, 8, "hospital stays in year -1"});
    pc.push_back({"hosp_days", ColumnType::Int64, {}, 16, "days in hospital in year -1"});
    for (auto& c : spending_columns(true)) pc.push_back(std::move(c));
    pc.push_back({"enrolled", ColumnType::Bool, {}, 64, "enrolled in the programme in year 0 (the treatment)"});
    pc.push_back(death_year_column());
    if (o.engagement) pc.push_back(engagement_column());
    yearly_.name = "yearly";
    yearly_.columns = yearly_key_columns();
    yearly_.columns.insert(yearly_.columns.end(), {
        {"fundus", ColumnType::Bool, {}, 64, "fundus exam in the year"},
        {"fundus_2y", ColumnType::Bool, {}, 64, "fundus exam in the year or the year before (recommended window)"},
        {"creatinine", ColumnType::Bool, {}, 64, "serum creatinine test in the year"},
        {"albuminuria", ColumnType::Bool, {}, 64, "albuminuria test in the year"},
        {"renal_check", ColumnType::Bool, {}, 64, "creatinine and albuminuria both in the year"},
        {"dental", ColumnType::Bool, {}, 64, "dental exam in the year"},
        {"hba1c_tests", ColumnType::Int64, {}, 8, "HbA1c tests in the year"},
        {"gp_visits", ColumnType::Int64, {}, 8, "GP visits in the year"},
        {"hosp_stays", ColumnType::Int64, {}, 8, "hospital stays in the year"},
        {"hosp_days", ColumnType::Int64, {}, 16, "days in hospital in the year"},
    });
    for (auto& c : spending_columns(false)) yearly_.columns.push_back(std::move(c));
    for (const char* c : kComorbNames) yearly_.columns.push_back({c, ColumnType::Bool, {}, 64, "comorbidity recorded by the end of the year"});
    negative_controls_.add_columns(yearly_.columns);
    truth_ = {
        {"fundus_2y", OutcomeKind::Proportion, "fundus exam in the 2-year window"},
        {"renal_check", OutcomeKind::Proportion, "creatinine and albuminuria in the year"},
        {"dental", OutcomeKind::Proportion, "dental exam in the year"},
        {"hospitalised", OutcomeKind::Proportion, "at least one hospital stay in the year"},
        {"hosp_stays", OutcomeKind::Rate, "hospital stays"},
        {"hosp_days", OutcomeKind::Rate, "days in hospital"},
        {"spend_total", OutcomeKind::Mean, "total spending (euros)"},
        {"spend_hospital", OutcomeKind::Mean, "hospital spending (euros)"},
        {"death", OutcomeKind::Cumulative, "death by the end of the year"},
    };
  }

  const TableSchema& patients() const override { return patients_; }
  const TableSchema& yearly() const override { return yearly_; }
  const std::vector<TruthOutcome>& truth_outcomes() const override { return truth_; }

  void generate(int64_t first_id, int64_t count, BlockBuilder& pb, BlockBuilder& yb, TruthTally& tally) const override;
  nlohmann::json true_parameters() const override;

 private:
  Patient draw_patient(int64_t id) const;
  // Year `t` (-2..H) of arm `arm` (0 not enrolled, 1 enrolled: effects from year 1), with the
  // comorbidities at its start (`comorb`; onsets from year 1). Columns are set in schema order by
  // generate().
  Year draw_year(const Patient& p, int64_t id, int t, int arm, const bool* comorb) const;

  GenerateOptions opt_;
  DemographicsModel demographics_;
  Params q_;
  NegativeControls negative_controls_;
  // By year index t + 2 (t = -2..H): spending growth from year -1, stays' age factor.
  std::vector<double> growth_, stays_age_factor_;
  // By follow-up year - 1: members' rate ratios of HbA1c tests and GP visits.
  std::vector<double> hba1c_ratio_, gp_ratio_;
  TableSchema patients_, yearly_;
  std::vector<TruthOutcome> truth_;
};

Patient DiabetesModel::draw_patient(int64_t id) const {
  RandomStream s = stream(opt_.seed, id, kBaselineDraws, 0);
  double u[kBaselineDrawCount];
  for (double& x : u) x = s.uniform();
  Patient p{};
  static_cast<Demographics&>(p) = demographics_.draw(&u[bDemographics]);
  p.type1 = u[bType1] < q_.type1;
  p.insulin = p.type1 || u[bInsulin] < q_.insulin_type2;
  const double age_dec = (p.age - 65) / 10.0;
  for (int c = 0; c < kComorbidities; ++c) {
    const double lp = logit(q_.comorb_prevalence[c]) + q_.comorb_age_per_decade * age_dec +
                      (p.insulin ? q_.comorb_insulin : 0.0);
    p.comorb[c] = u[bComorb0 + c] < logistic(lp);
    p.n_comorb += p.comorb[c];
  }
  p.care = q_.care_sd * RandomStream::normal_quantile(u[bCare]);
  p.frailty = gamma_frailty(q_.frailty_shape, u[bFrailty]);
  p.engagement = opt_.engagement ? RandomStream::normal_quantile(u[bEngagement]) : 0.0;
  const double dep = p.quintile - 3;
  for (int e = 0; e < kExams; ++e) {
    p.exam_lp[e] = q_.exam_intercept[e] + q_.exam_age_per_decade[e] * age_dec + q_.exam_per_quintile * dep +
                   (p.low_income ? q_.exam_low_income : 0.0) + (p.insulin ? q_.exam_insulin : 0.0) +
                   q_.exam_care_loading * p.care + q_.engagement_exam * p.engagement;
  }
  p.hba1c_lp = q_.hba1c_log_mean + q_.hba1c_care_loading * p.care;
  p.gp_lp = q_.gp_log_mean + q_.gp_care_loading * p.care + q_.gp_comorbidity * p.n_comorb;
  p.stays_lp = q_.stays_log_mean + q_.stays_age_per_decade * age_dec + q_.stays_comorbidity * p.n_comorb +
               (p.insulin ? q_.stays_insulin : 0.0) + q_.engagement_stays * p.engagement + std::log(p.frailty);
  p.death_lp = q_.death_intercept + q_.death_age_per_decade * age_dec + (p.male ? q_.death_male : 0.0) +
               (p.insulin ? q_.death_insulin : 0.0) + q_.death_per_quintile * dep + q_.engagement_death * p.engagement;
  for (int c = 0; c < kComorbidities; ++c) p.death_lp += p.comorb[c] ? q_.death_comorb[c] : 0.0;
  p.drugs_lp = q_.drugs_log_mean + (p.insulin ? q_.drugs_insulin : 0.0) + q_.drugs_comorbidity * p.n_comorb;
  for (int e = 0; e < kExams; ++e) p.exam_p0[e] = logistic(p.exam_lp[e]);
  negative_controls_.baseline(age_dec, p.care, p.engagement, p.nc_lp);
  p.hba1c_mean0 = std::exp(p.hba1c_lp);
  p.gp_mean0 = std::exp(p.gp_lp);
  p.stays_mean0 = std::exp(p.stays_lp);
  return p;
}

Year DiabetesModel::draw_year(const Patient& p, int64_t id, int t, int arm, const bool* comorb) const {
  RandomStream s = stream(opt_.seed, id, kPatientYear, t);  // one stream per patient-year, all draws in a fixed order
  double u[kYearDraws];
  for (double& x : u) x = s.uniform();
  const bool follow_up = t >= 1;
  const bool effect = follow_up && arm == 1;
  const size_t k = follow_up ? static_cast<size_t>(t - 1) : 0;
  Year y{};
  y.exposure = 1.0;
  if (follow_up) {
    // Age rises by a year each year: age_per_decade / 10 per year.
    const double lp = p.death_lp + q_.death_age_per_decade * t / 10.0 + (effect ? std::log(q_.death_odds_ratio[k]) : 0.0);
    y.death = u[uDeath] < logistic(lp);
    if (y.death) y.exposure = u[uDeathTime];
  }
  for (int e = 0; e < kExams; ++e) {
    const double pr = (effect ? logistic(p.exam_lp[e] + q_.exam_effect[e][k]) : p.exam_p0[e]) * y.exposure;
    y.exam[e] = u[uExam0 + e] < pr;
  }
  // Comorbidities gained since baseline, and this year's onsets.
  int gained = 0;
  for (int c = 0; c < kComorbidities; ++c) gained += comorb[c] && !p.comorb[c];
  if (follow_up) {
    const double age_dec = (p.age + t - 65) / 10.0;
    for (int c = 0; c < kComorbidities; ++c) {
      const double lp = logit(q_.comorb_incidence[c]) + q_.comorb_age_per_decade * age_dec + (p.insulin ? q_.comorb_insulin : 0.0);
      y.onset[c] = !comorb[c] && u[uOnset0 + c] < logistic(lp) * y.exposure;
    }
  }
  const double hba1c_mean = p.hba1c_mean0 * (effect ? hba1c_ratio_[k] : 1.0) * y.exposure;
  y.hba1c = std::min<int64_t>(poisson_inverse(hba1c_mean, u[uHba1c]), 20);
  const double gp_gained = gained ? std::exp(q_.gp_comorbidity * gained) : 1.0;
  y.gp = std::min<int64_t>(poisson_inverse(p.gp_mean0 * gp_gained * (effect ? gp_ratio_[k] : 1.0) * y.exposure, u[uGp]), 100);
  // Stays rise with age, a year older each year from the baseline year -1.
  const size_t ti = static_cast<size_t>(t + 2);
  const double stays_mean = p.stays_mean0 * stays_age_factor_[ti] * y.exposure * (effect ? q_.stays_rate_ratio[k] : 1.0) *
                            (gained ? std::exp(q_.stays_comorbidity * gained) : 1.0);
  y.stays = std::min<int64_t>(poisson_inverse(stays_mean, u[uStays]), 50);
  if (y.stays > 0) {
    const double extra = static_cast<double>(y.stays) * (q_.mean_los - 1.0) * (effect ? q_.los_ratio[k] : 1.0);
    y.days = std::min<int64_t>(y.stays + poisson_inverse(extra, u[uDays]), 366);
  }
  const double growth = growth_[ti];
  double ambulatory = q_.cost_gp * static_cast<double>(y.gp) + q_.cost_hba1c * static_cast<double>(y.hba1c);
  for (int e = 0; e < kExams; ++e) ambulatory += y.exam[e] ? q_.cost_exam[e] : 0.0;
  ambulatory += std::exp(q_.ambulatory_log_mean + q_.ambulatory_sd * RandomStream::normal_quantile(u[uAmbulatory])) * y.exposure;
  y.ambulatory = euros(ambulatory * growth);
  const double hsd = q_.hospital_cost_sd;
  y.hospital = y.days > 0 ? euros(static_cast<double>(y.days) * q_.hospital_cost_per_day * growth *
                                  std::exp(hsd * RandomStream::normal_quantile(u[uHospitalCost]) - hsd * hsd / 2))
                          : 0;
  y.drugs = euros(std::exp(p.drugs_lp + q_.drugs_comorbidity * gained + q_.drugs_sd * RandomStream::normal_quantile(u[uDrugs])) *
                  y.exposure * growth);
  // Negative controls: the stream's next uniforms, the same in both arms (no effect).
  negative_controls_.draw(p.nc_lp, t, y.exposure, s, y.negative_control);
  return y;
}

void DiabetesModel::generate(int64_t first_id, int64_t count, BlockBuilder& pb, BlockBuilder& yb,
                             TruthTally& tally) const {
  const int H = opt_.years;
  for (int64_t id = first_id; id < first_id + count; ++id) {
    const Patient p = draw_patient(id);
    // Baseline: years -2 (fundus window) and -1.
    const Year ym2 = draw_year(p, id, -2, 0, p.comorb);
    const Year ym1 = draw_year(p, id, -1, 0, p.comorb);
    const Year y0 = draw_year(p, id, 0, 0, p.comorb);
    // Enrolment, from the observed baseline.
    RandomStream se = stream(opt_.seed, id, kEnrolment, 0);
    const bool fundus_2y = ym2.exam[kFundus] || ym1.exam[kFundus];
    const bool renal = ym1.exam[kCreatinine] && ym1.exam[kAlbuminuria];
    const double enrol_lp = q_.enrol_intercept + (fundus_2y ? q_.enrol_fundus : 0.0) + (renal ? q_.enrol_renal : 0.0) +
                            (ym1.exam[kDental] ? q_.enrol_dental : 0.0) +
                            q_.enrol_per_hba1c * (std::min<int64_t>(ym1.hba1c, 6) - 2) +
                            (p.low_income ? q_.enrol_low_income : 0.0) + q_.enrol_per_quintile * (p.quintile - 3) +
                            q_.enrol_age_per_decade * (p.age - 65) / 10.0 + (p.pilot ? q_.enrol_pilot : 0.0) +
                            q_.engagement_enrol * p.engagement;
    const bool enrolled = se.uniform() < logistic(enrol_lp);

    // Follow-up: the observed arm is written; members are also run without
    // enrolment (same uniforms) for the truth.
    int death_year = 0;
    for (int arm = enrolled ? 1 : 0; arm >= 0; --arm) {
      const bool observed = arm == (enrolled ? 1 : 0);
      bool prev_fundus = y0.exam[kFundus];
      bool dead = false;
      bool comorb[kComorbidities];
      std::copy(p.comorb, p.comorb + kComorbidities, comorb);
      for (int t = 1; t <= H && !dead; ++t) {
        const Year y = draw_year(p, id, t, arm, comorb);
        for (int c = 0; c < kComorbidities; ++c) comorb[c] = comorb[c] || y.onset[c];
        dead = y.death;
        const bool f2 = y.exam[kFundus] || prev_fundus;
        prev_fundus = y.exam[kFundus];
        const int64_t total = y.ambulatory + y.hospital + y.drugs;
        if (enrolled) {
          tally.add_alive(arm, t, y.exposure);
          tally.add(arm, 0, t, f2);
          tally.add(arm, 1, t, y.exam[kCreatinine] && y.exam[kAlbuminuria]);
          tally.add(arm, 2, t, y.exam[kDental]);
          tally.add(arm, 3, t, y.stays > 0);
          tally.add(arm, 4, t, static_cast<double>(y.stays));
          tally.add(arm, 5, t, static_cast<double>(y.days));
          tally.add(arm, 6, t, static_cast<double>(total));
          tally.add(arm, 7, t, static_cast<double>(y.hospital));
          if (y.death) {
            for (int s = t; s <= H; ++s) tally.add(arm, 8, s, 1.0);
          }
        }
        if (!observed) continue;
        if (y.death) death_year = t;
        yb.add_row();
        size_t c = 0;
        yb.set_int(c++, id);
        yb.set_int(c++, t);
        yb.set(c++, y.exposure);
        yb.set_bool(c++, y.death);
        yb.set_bool(c++, y.exam[kFundus]);
        yb.set_bool(c++, f2);
        yb.set_bool(c++, y.exam[kCreatinine]);
        yb.set_bool(c++, y.exam[kAlbuminuria]);
        yb.set_bool(c++, y.exam[kCreatinine] && y.exam[kAlbuminuria]);
        yb.set_bool(c++, y.exam[kDental]);
        yb.set_int(c++, y.hba1c);
        yb.set_int(c++, y.gp);
        yb.set_int(c++, y.stays);
        yb.set_int(c++, y.days);
        yb.set_int(c++, y.ambulatory);
        yb.set_int(c++, y.hospital);
        yb.set_int(c++, y.drugs);
        yb.set_int(c++, total);
        for (int k = 0; k < kComorbidities; ++k) yb.set_bool(c++, comorb[k]);
        for (int k = 0; k < NegativeControls::kCount; ++k) yb.set_bool(c++, y.negative_control[k]);
      }
    }
    if (enrolled) tally.add_member();

    pb.add_row();
    size_t c = 0;
    pb.set_int(c++, id);
    c = DemographicsModel::set(pb, c, p);
    pb.set_code(c++, p.type1 ? 0 : 1);
    pb.set_code(c++, p.insulin ? 0 : 1);
    for (int k = 0; k < kComorbidities; ++k) pb.set_bool(c++, p.comorb[k]);
    pb.set_bool(c++, fundus_2y);
    pb.set_bool(c++, ym1.exam[kCreatinine]);
    pb.set_bool(c++, ym1.exam[kAlbuminuria]);
    pb.set_bool(c++, renal);
    pb.set_bool(c++, ym1.exam[kDental]);
    pb.set_int(c++, ym1.hba1c);
    pb.set_int(c++, ym1.gp);
    pb.set_int(c++, ym1.stays);
    pb.set_int(c++, ym1.days);
    pb.set_int(c++, ym1.ambulatory);
    pb.set_int(c++, ym1.hospital);
    pb.set_int(c++, ym1.drugs);
    pb.set_int(c++, ym1.ambulatory + ym1.hospital + ym1.drugs);
    pb.set_bool(c++, enrolled);
    if (death_year > 0) pb.set_int(c, death_year);
    ++c;
    if (opt_.engagement) pb.set(c++, p.engagement);
  }
}

nlohmann::json DiabetesModel::true_parameters() const {
  nlohmann::json j;
  j["death_odds_ratio"] = {{"by_year", q_.death_odds_ratio},
                           {"meaning", "odds ratio of death in year t for members, conditional on the baseline "
                                       "covariates (sex, age, deprivation, treatment, comorbidities): the estimand "
                                       "of a logistic regression of death in year t, among those alive at its "
                                       "start, on enrolment and these covariates"}};
  nlohmann::json exams;
  for (int e = 0; e < kExams; ++e) exams[kExamNames[e]] = q_.exam_effect[e];
  j["exam_log_odds"] = {{"by_year", exams},
                        {"meaning", "member effect on the log-odds of each annual exam, conditional on the patient"}};
  j["stays_rate_ratio"] = {{"by_year", q_.stays_rate_ratio}, {"meaning", "member rate ratio of hospital stays"}};
  j["length_of_stay_ratio"] = {{"by_year", q_.los_ratio},
                               {"meaning", "member ratio of the extra days per stay beyond the first"}};
  j["hba1c_log_rate"] = {{"by_year", q_.hba1c_effect}, {"meaning", "member effect on the log rate of HbA1c tests"}};
  j["gp_log_rate"] = {{"by_year", q_.gp_effect}, {"meaning", "member effect on the log rate of GP visits"}};
  j["negative_controls"] = negative_controls_.truth();
  return j;
}

}  // namespace

std::unique_ptr<CohortModel> make_diabetes_model(const GenerateOptions& options) {
  Parameters p(options.parameters, "diabetes");
  auto model = std::make_unique<DiabetesModel>(options, p);
  p.reject_unknown_keys();
  model->set_parameter_file(nlohmann::json::parse(p.to_json()));
  return model;
}

}  // namespace impactsim::generator
