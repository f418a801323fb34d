// Heart-failure discharge programme (DESIGN.md: "GP and nurse seen within 15
// days, 30-day readmission, length of stay, mortality").
//
// The index year holds a hospital stay for heart failure; enrolment is support
// at discharge. Model, per patient (parameters in data/heart_failure.toml):
// demographics, NYHA class, comorbidities, stays in year -1, the index stay's
// length; outcomes of the discharge (GP and nurse within 15 days, readmission
// within 30 days: logistic, member effects on the log-odds scale) in the
// patients table; then each follow-up year death (logistic in baseline
// covariates, member odds ratio by year), hospital stays (Poisson given a
// gamma frailty, member rate ratio), days, GP visits and spending; the time
// of the first readmission (the 30-day one, or the first stay of the
// follow-up years), its timing drawn from uniforms after all the others so
// that every other column is as before; negative-control outcomes each year
// (data/generator/negative_controls.hpp), drawn last too.
#include <cmath>

#include "data/generator/cohort_model.hpp"
#include "data/generator/demographics.hpp"
#include "data/generator/draws.hpp"
#include "data/generator/negative_controls.hpp"

namespace impactsim::generator {
namespace {


enum Comorbidity { kDiabetes, kRenal, kCopd, kAtrialFibrillation, kComorbidities };
const char* const kComorbNames[kComorbidities] = {"diabetes", "renal_disease", "copd", "atrial_fibrillation"};
enum Discharge { kGp15, kNurse15, kReadmit30, kDischargeOutcomes };
const char* const kDischargeNames[kDischargeOutcomes] = {"gp_15d", "nurse_15d", "readmission_30d"};

enum YearDraw { uDeath, uDeathTime, uStays, uDays, uGp, uAmbulatory, uHospitalCost, uDrugs, kYearDraws };
enum BaselineDraw { bDemographics, bNyha = bDemographics + DemographicsModel::kDraws, bComorb0,
                    bPriorStays = bComorb0 + kComorbidities, bIndexLos, bFrailty, bEngagement, bDischarge0,
                    kBaselineDrawCount = bDischarge0 + kDischargeOutcomes };

struct Patient : Demographics {
  int nyha;  // 0: II, 1: III, 2: IV
  bool comorb[kComorbidities];
  int n_comorb;
  int64_t prior_stays, index_los;
  double frailty, engagement, death_lp, stays_mean;
  double nc_lp[NegativeControls::kCount];
};

class HeartFailureModel final : public CohortModel {
 public:
  HeartFailureModel(const GenerateOptions& o, const Parameters& p) : opt_(o), demographics_(p), negative_controls_(p, "") {
    double acc = 0;
    for (double w : p.values("population", "nyha_class")) nyha_cdf_.push_back(acc += w);
    for (double& c : nyha_cdf_) c /= acc;
    for (int c = 0; c < kComorbidities; ++c) prevalence_[c] = p.probability("comorbidity", kComorbNames[c]);
    prior_stays_mean_ = p.value("hospital", "prior_stays_mean");
    index_los_mean_ = p.value("hospital", "index_length_of_stay");
    for (int d = 0; d < kDischargeOutcomes; ++d) {
      const std::string n = kDischargeNames[d];
      discharge_intercept_[d] = p.value("discharge", n + "_intercept");
      discharge_effect_[d] = p.value("effects", n + "_log_odds");
    }
    discharge_age_ = p.value("discharge", "age_per_decade");
    readmit_nyha_ = p.value("discharge", "readmission_per_nyha_step");
    frailty_shape_ = p.value("hospital", "frailty_shape");
    stays_log_mean_ = p.value("hospital", "stays_log_mean");
    stays_per_comorbidity_ = p.value("hospital", "stays_per_comorbidity");
    stays_nyha_ = p.value("hospital", "stays_per_nyha_step");
    stays_per_prior_ = p.value("hospital", "stays_per_prior_stay");
    mean_los_ = p.value("hospital", "mean_length_of_stay");
    stays_rr_ = p.by_year("effects", "stays_rate_ratio", o.years);
    death_intercept_ = p.value("mortality", "intercept");
    death_age_ = p.value("mortality", "age_per_decade");
    death_male_ = p.value("mortality", "male");
    death_nyha_ = p.value("mortality", "per_nyha_step");
    death_comorb_ = p.value("mortality", "per_comorbidity");
    death_or_ = p.by_year("effects", "death_odds_ratio", o.years);
    gp_log_mean_ = p.value("care", "gp_log_mean");
    gp_effect_ = p.by_year("effects", "gp_log_rate", o.years);
    ambulatory_log_mean_ = p.value("spending", "ambulatory_log_mean");
    ambulatory_sd_ = p.value("spending", "ambulatory_log_sd");
    drugs_log_mean_ = p.value("spending", "drugs_log_mean");
    drugs_sd_ = p.value("spending", "drugs_log_sd");
    hospital_day_ = p.value("spending", "hospital_day");
    gp_cost_ = p.value("spending", "gp_visit");
    growth_ = p.value("spending", "annual_growth");
    enrol_intercept_ = p.value("enrolment", "intercept");
    enrol_age_ = p.value("enrolment", "age_per_decade");
    enrol_nyha_ = p.value("enrolment", "per_nyha_step");
    enrol_quintile_ = p.value("enrolment", "per_deprivation_quintile");
    enrol_pilot_ = p.value("enrolment", "pilot_area");
    eng_enrol_ = p.value("engagement", "enrolment_log_odds");
    eng_death_ = p.value("engagement", "death_log_odds");
    eng_stays_ = p.value("engagement", "stays_log_rate");

    patients_.name = "patients";
    auto& pc = patients_.columns;
    pc = {{"id", ColumnType::Int64, {}, 32, "pseudonymous patient identifier (1..N)"}};
    for (auto& c : DemographicsModel::columns()) pc.push_back(std::move(c));
    pc.push_back({"nyha", ColumnType::Categorical, {"II", "III", "IV"}, 64, "NYHA class at the index stay"});
    for (const char* c : kComorbNames) pc.push_back({c, ColumnType::Bool, {}, 64, "comorbidity recorded by year -1"});
    pc.insert(pc.end(), {
        {"prior_stays", ColumnType::Int64, {}, 8, "hospital stays in year -1"},
        {"index_los", ColumnType::Int64, {}, 16, "length of the index heart-failure stay (days)"},
        {"enrolled", ColumnType::Bool, {}, 64, "supported at discharge by the programme (the treatment)"},
        {"gp_15d", ColumnType::Bool, {}, 64, "GP seen within 15 days of discharge"},
        {"nurse_15d", ColumnType::Bool, {}, 64, "nurse seen within 15 days of discharge"},
        {"readmission_30d", ColumnType::Bool, {}, 64, "readmitted within 30 days of discharge"},
    });
    pc.push_back(death_year_column());
    pc.push_back({"readmission_time", ColumnType::Float64, {}, 64,
                  "years from discharge to the first readmission (the 30-day one, or the first stay of the follow-up "
                  "years); missing without one during follow-up"});
    if (o.engagement) pc.push_back(engagement_column());
    yearly_.name = "yearly";
    yearly_.columns = yearly_key_columns();
    yearly_.columns.insert(yearly_.columns.end(), {
        {"hosp_stays", ColumnType::Int64, {}, 8, "hospital stays in the year"},
        {"hosp_days", ColumnType::Int64, {}, 16, "days in hospital in the year"},
        {"gp_visits", ColumnType::Int64, {}, 8, "GP visits in the year"},
    });
    for (auto& c : spending_columns(false)) yearly_.columns.push_back(std::move(c));
    negative_controls_.add_columns(yearly_.columns);
    truth_ = {
        {"gp_15d", OutcomeKind::AtIndex, "GP seen within 15 days of discharge"},
        {"nurse_15d", OutcomeKind::AtIndex, "nurse seen within 15 days of discharge"},
        {"readmission_30d", OutcomeKind::AtIndex, "readmitted within 30 days"},
        {"hosp_stays", OutcomeKind::Rate, "hospital stays"},
        {"hosp_days", OutcomeKind::Rate, "days in hospital"},
        {"spend_total", OutcomeKind::Mean, "total spending (euros)"},
        {"death", OutcomeKind::Cumulative, "death by the end of the year"},
    };
  }

  const TableSchema& patients() const override { return patients_; }
  const TableSchema& yearly() const override { return yearly_; }
  const std::vector<TruthOutcome>& truth_outcomes() const override { return truth_; }

  nlohmann::json true_parameters() const override {
    nlohmann::json d;
    for (int k = 0; k < kDischargeOutcomes; ++k) d[kDischargeNames[k]] = discharge_effect_[k];
    return {{"discharge_log_odds", {{"values", d}, {"meaning", "member effect on the log-odds of each discharge outcome"}}},
            {"stays_rate_ratio", {{"by_year", stays_rr_}, {"meaning", "member rate ratio of hospital stays"}}},
            {"gp_log_rate", {{"by_year", gp_effect_}, {"meaning", "member effect on the log rate of GP visits"}}},
            {"death_odds_ratio",
             {{"by_year", death_or_},
              {"meaning", "odds ratio of death in year t for members, conditional on sex, age, NYHA class and the "
                          "number of comorbidities"}}},
            {"negative_controls", negative_controls_.truth()}};
  }

  void generate(int64_t first_id, int64_t count, BlockBuilder& pb, BlockBuilder& yb, TruthTally& tally) const override {
    for (int64_t id = first_id; id < first_id + count; ++id) {
      RandomStream s = stream(opt_.seed, id, kBaselineDraws, 0);
      double u[kBaselineDrawCount];
      for (double& x : u) x = s.uniform();
      const double u_readmit_day = s.uniform();  // when in the 30 days (drawn last: earlier draws unchanged)
      const Patient p = draw_patient(u);
      RandomStream se = stream(opt_.seed, id, kEnrolment, 0);
      const double enrol_lp = enrol_intercept_ + enrol_age_ * (p.age - 78) / 10.0 + enrol_nyha_ * p.nyha +
                              enrol_quintile_ * (p.quintile - 3) + (p.pilot ? enrol_pilot_ : 0.0) +
                              eng_enrol_ * p.engagement;
      const bool enrolled = se.uniform() < logistic(enrol_lp);
      bool discharge[2][kDischargeOutcomes];
      for (int arm = 0; arm < 2; ++arm) {
        for (int d = 0; d < kDischargeOutcomes; ++d) {
          double lp = discharge_intercept_[d] + discharge_age_ * (p.age - 78) / 10.0 + (arm ? discharge_effect_[d] : 0.0);
          if (d == kReadmit30) lp += readmit_nyha_ * p.nyha + eng_stays_ * p.engagement;
          discharge[arm][d] = u[bDischarge0 + d] < logistic(lp);
        }
      }
      int death_year = 0;
      double readmission_time = discharge[enrolled ? 1 : 0][kReadmit30] ? u_readmit_day * 30.0 / 365.0 : NAN;
      for (int arm = enrolled ? 1 : 0; arm >= 0; --arm) {
        const bool observed = arm == (enrolled ? 1 : 0);
        if (enrolled) {
          for (int d = 0; d < kDischargeOutcomes; ++d) tally.add(arm, static_cast<size_t>(d), 1, discharge[arm][d]);
        }
        for (int t = 1; t <= opt_.years; ++t) {
          const size_t k = static_cast<size_t>(t - 1);
          const bool effect = arm == 1;
          RandomStream sy = stream(opt_.seed, id, kPatientYear, t);
          double v[kYearDraws];
          for (double& x : v) x = sy.uniform();
          const bool death =
              v[uDeath] < logistic(p.death_lp + death_age_ * t / 10.0 + (effect ? std::log(death_or_[k]) : 0.0));
          const double exposure = death ? v[uDeathTime] : 1.0;
          const int64_t stays = std::min<int64_t>(
              poisson_inverse(p.stays_mean * exposure * (effect ? stays_rr_[k] : 1.0), v[uStays]), 30);
          const int64_t days =
              stays > 0 ? std::min<int64_t>(stays + poisson_inverse(static_cast<double>(stays) * (mean_los_ - 1), v[uDays]), 366) : 0;
          const int64_t gp = std::min<int64_t>(
              poisson_inverse(std::exp(gp_log_mean_ + (effect ? gp_effect_[k] : 0.0)) * exposure, v[uGp]), 100);
          const double growth = std::pow(1.0 + growth_, t);
          const int64_t ambulatory = euros((gp_cost_ * static_cast<double>(gp) +
                                            std::exp(ambulatory_log_mean_ + ambulatory_sd_ * RandomStream::normal_quantile(v[uAmbulatory])) * exposure) * growth);
          const int64_t hospital = days > 0 ? euros(static_cast<double>(days) * hospital_day_ * growth *
                                                    std::exp(0.3 * RandomStream::normal_quantile(v[uHospitalCost]) - 0.045))
                                            : 0;
          const int64_t drugs = euros(std::exp(drugs_log_mean_ + drugs_sd_ * RandomStream::normal_quantile(v[uDrugs])) * exposure * growth);
          const int64_t total = ambulatory + hospital + drugs;
          if (enrolled) {
            tally.add_alive(arm, t, exposure);
            tally.add(arm, 3, t, static_cast<double>(stays));
            tally.add(arm, 4, t, static_cast<double>(days));
            tally.add(arm, 5, t, static_cast<double>(total));
            if (death) {
              for (int s2 = t; s2 <= opt_.years; ++s2) tally.add(arm, 6, s2, 1.0);
            }
          }
          const double u_first_stay = sy.uniform();  // drawn last: earlier draws unchanged
          bool negative_control[NegativeControls::kCount];
          negative_controls_.draw(p.nc_lp, t, exposure, sy, negative_control);
          if (observed) {
            if (death) death_year = t;
            // The first of `stays` uniform times within the year's exposure.
            if (std::isnan(readmission_time) && stays > 0) {
              readmission_time = (t - 1) + exposure * (1 - std::pow(1 - u_first_stay, 1.0 / static_cast<double>(stays)));
            }
            yb.add_row();
            size_t c = 0;
            yb.set_int(c++, id);
            yb.set_int(c++, t);
            yb.set(c++, exposure);
            yb.set_bool(c++, death);
            yb.set_int(c++, stays);
            yb.set_int(c++, days);
            yb.set_int(c++, gp);
            yb.set_int(c++, ambulatory);
            yb.set_int(c++, hospital);
            yb.set_int(c++, drugs);
            yb.set_int(c++, total);
            for (bool v : negative_control) yb.set_bool(c++, v);
          }
          if (death) break;
        }
      }
      if (enrolled) tally.add_member();
      pb.add_row();
      size_t c = 0;
      pb.set_int(c++, id);
      c = DemographicsModel::set(pb, c, p);
      pb.set_code(c++, p.nyha);
      for (int k = 0; k < kComorbidities; ++k) pb.set_bool(c++, p.comorb[k]);
      pb.set_int(c++, p.prior_stays);
      pb.set_int(c++, p.index_los);
      pb.set_bool(c++, enrolled);
      for (int d = 0; d < kDischargeOutcomes; ++d) pb.set_bool(c++, discharge[enrolled ? 1 : 0][d]);
      if (death_year > 0) pb.set_int(c, death_year);
      ++c;
      if (!std::isnan(readmission_time)) pb.set(c, readmission_time);
      ++c;
      if (opt_.engagement) pb.set(c++, p.engagement);
    }
  }

 private:
  Patient draw_patient(const double* u) const {
    Patient p{};
    static_cast<Demographics&>(p) = demographics_.draw(&u[bDemographics]);
    p.nyha = std::min(2, static_cast<int>(std::lower_bound(nyha_cdf_.begin(), nyha_cdf_.end(), u[bNyha]) - nyha_cdf_.begin()));
    for (int c = 0; c < kComorbidities; ++c) {
      p.comorb[c] = u[bComorb0 + c] < prevalence_[c];
      p.n_comorb += p.comorb[c];
    }
    p.prior_stays = std::min<int64_t>(poisson_inverse(prior_stays_mean_, u[bPriorStays]), 30);
    p.index_los = 1 + poisson_inverse(index_los_mean_ - 1, u[bIndexLos]);
    p.frailty = gamma_frailty(frailty_shape_, u[bFrailty]);
    p.engagement = opt_.engagement ? RandomStream::normal_quantile(u[bEngagement]) : 0.0;
    const double age_dec = (p.age - 78) / 10.0;
    p.death_lp = death_intercept_ + death_age_ * age_dec + (p.male ? death_male_ : 0.0) + death_nyha_ * p.nyha +
                 death_comorb_ * p.n_comorb + eng_death_ * p.engagement;
    p.stays_mean = std::exp(stays_log_mean_ + stays_per_comorbidity_ * p.n_comorb + stays_nyha_ * p.nyha +
                            stays_per_prior_ * static_cast<double>(std::min<int64_t>(p.prior_stays, 5)) +
                            eng_stays_ * p.engagement) * p.frailty;
    negative_controls_.baseline(age_dec, 0.0, p.engagement, p.nc_lp);
    return p;
  }

  GenerateOptions opt_;
  DemographicsModel demographics_;
  NegativeControls negative_controls_;
  std::vector<double> nyha_cdf_;
  double prevalence_[kComorbidities];
  double discharge_intercept_[kDischargeOutcomes], discharge_effect_[kDischargeOutcomes];
  double prior_stays_mean_, index_los_mean_, discharge_age_, readmit_nyha_, frailty_shape_, stays_log_mean_,
      stays_per_comorbidity_, stays_nyha_, stays_per_prior_, mean_los_, death_intercept_, death_age_, death_male_,
      death_nyha_, death_comorb_, gp_log_mean_, ambulatory_log_mean_, ambulatory_sd_, drugs_log_mean_, drugs_sd_,
      hospital_day_, gp_cost_, growth_, enrol_intercept_, enrol_age_, enrol_nyha_, enrol_quintile_, enrol_pilot_,
      eng_enrol_, eng_death_, eng_stays_;
  std::vector<double> stays_rr_, death_or_, gp_effect_;
  TableSchema patients_, yearly_;
  std::vector<TruthOutcome> truth_;
};

}  // namespace

std::unique_ptr<CohortModel> make_heart_failure_model(const GenerateOptions& options) {
  Parameters p(options.parameters, "heart-failure");
  auto model = std::make_unique<HeartFailureModel>(options, p);
  p.reject_unknown_keys();
  model->set_parameter_file(nlohmann::json::parse(p.to_json()));
  return model;
}

}  // namespace impactsim::generator
