// Asthma coaching programme (DESIGN.md: "small gain in medication adherence,
// no effect on exacerbations, spending up (~ +65 euros)").
//
// Model, per patient (parameters in data/asthma.toml): demographics, severity
// step and smoking; a latent adherence propensity (persistent across years)
// and an exacerbation frailty (gamma, mean 1). Each year: proportion of days
// covered by controller therapy (logistic-normal around the propensity, plus
// the member effect on the log-odds scale), exacerbations (Poisson given
// frailty, not driven by adherence: the published evaluation found no effect),
// asthma control (from exacerbations and a yearly draw), hospital stays, death
// (rare), spending (controller drugs in proportion to days covered, relievers,
// ambulatory care plus the members' extra follow-up); negative-control
// outcomes each year (data/generator/negative_controls.hpp), drawn from the
// patient-year's last uniforms so that every other column is as before.
#include <cmath>

#include "data/generator/cohort_model.hpp"
#include "data/generator/demographics.hpp"
#include "data/generator/draws.hpp"
#include "data/generator/negative_controls.hpp"

namespace impactsim::generator {
namespace {


enum YearDraw { uDeath, uDeathTime, uPdc, uExacerbations, uControl, uStays, uDays, uAmbulatory, uHospitalCost, uDrugs,
                kYearDraws };
enum BaselineDraw { bDemographics, bSeverity = bDemographics + DemographicsModel::kDraws, bSmoker, bAdherence,
                    bFrailty, bEngagement, kBaselineDrawCount };

struct Patient : Demographics {
  int severity;  // 0 mild, 1 moderate, 2 severe
  bool smoker;
  double adherence, frailty, engagement;
  double nc_lp[NegativeControls::kCount];
  double pdc_lp, exac_mean, stays_mean, death_lp;
};

struct Year {
  bool death, negative_control[NegativeControls::kCount];
  double exposure, pdc;
  int64_t exacerbations, control, stays, days, ambulatory, hospital, drugs;
};

class AsthmaModel final : public CohortModel {
 public:
  AsthmaModel(const GenerateOptions& o, const Parameters& p)
      : opt_(o), demographics_(p), negative_controls_(p, "follow_up_loading") {
    double acc = 0;
    for (double w : p.values("population", "severity")) severity_cdf_.push_back(acc += w);
    for (double& c : severity_cdf_) c /= acc;
    smoker_ = p.probability("population", "smoker");
    adherence_sd_ = p.value("adherence", "propensity_sd");
    pdc_intercept_ = p.value("adherence", "intercept");
    pdc_noise_sd_ = p.value("adherence", "yearly_sd");
    pdc_per_severity_ = p.value("adherence", "per_severity_step");
    pdc_age_ = p.value("adherence", "age_per_decade");
    pdc_effect_ = p.by_year("effects", "adherence_log_odds", o.years);
    frailty_shape_ = p.value("exacerbations", "frailty_shape");
    exac_log_mean_ = p.value("exacerbations", "log_mean");
    exac_per_severity_ = p.value("exacerbations", "per_severity_step");
    exac_smoker_ = p.value("exacerbations", "smoker");
    exac_rate_ratio_ = p.by_year("effects", "exacerbation_rate_ratio", o.years);
    controlled_ = p.probability("control", "controlled_without_exacerbation");
    stays_per_exac_ = p.value("hospital", "stays_per_exacerbation");
    stays_base_ = p.value("hospital", "other_stays_rate");
    mean_los_ = p.value("hospital", "mean_length_of_stay");
    death_intercept_ = p.value("mortality", "intercept");
    death_age_ = p.value("mortality", "age_per_decade");
    death_severity_ = p.value("mortality", "per_severity_step");
    death_or_ = p.by_year("effects", "death_odds_ratio", o.years);
    controller_cost_ = p.value("spending", "controller_full_year");
    reliever_cost_ = p.value("spending", "reliever_per_exacerbation");
    drugs_sd_ = p.value("spending", "drugs_log_sd");
    ambulatory_log_mean_ = p.value("spending", "ambulatory_log_mean");
    ambulatory_sd_ = p.value("spending", "ambulatory_log_sd");
    ambulatory_per_severity_ = p.value("spending", "ambulatory_per_severity_step");
    hospital_day_ = p.value("spending", "hospital_day");
    growth_ = p.value("spending", "annual_growth");
    member_ambulatory_ = p.by_year("effects", "member_extra_ambulatory", o.years);
    enrol_intercept_ = p.value("enrolment", "intercept");
    enrol_pdc_ = p.value("enrolment", "per_pdc");
    enrol_severity_ = p.value("enrolment", "per_severity_step");
    enrol_age_ = p.value("enrolment", "age_per_decade");
    enrol_quintile_ = p.value("enrolment", "per_deprivation_quintile");
    eng_enrol_ = p.value("engagement", "enrolment_log_odds");
    eng_pdc_ = p.value("engagement", "adherence_log_odds");
    eng_exac_ = p.value("engagement", "exacerbation_log_rate");

    patients_.name = "patients";
    auto& pc = patients_.columns;
    pc = {{"id", ColumnType::Int64, {}, 32, "pseudonymous patient identifier (1..N)"}};
    for (auto& c : DemographicsModel::columns()) pc.push_back(std::move(c));
    pc.insert(pc.end(), {
        {"severity", ColumnType::Categorical, {"mild", "moderate", "severe"}, 64, "treatment step of asthma in year -1"},
        {"smoker", ColumnType::Bool, {}, 64, "smoker recorded by year -1"},
        {"pdc", ColumnType::Float64, {}, 64, "proportion of days covered by controller therapy in year -1 (0..1)"},
        {"exacerbations", ColumnType::Int64, {}, 8, "exacerbations (oral corticosteroid bursts) in year -1"},
        {"asthma_control", ColumnType::Categorical, {"controlled", "partly", "uncontrolled"}, 64, "asthma control in year -1"},
        {"hosp_stays", ColumnType::Int64, {}, 8, "hospital stays in year -1"},
    });
    for (auto& c : spending_columns(true)) pc.push_back(std::move(c));
    pc.push_back({"enrolled", ColumnType::Bool, {}, 64, "enrolled in the programme in year 0 (the treatment)"});
    pc.push_back(death_year_column());
    if (o.engagement) pc.push_back(engagement_column());
    yearly_.name = "yearly";
    yearly_.columns = yearly_key_columns();
    yearly_.columns.insert(yearly_.columns.end(), {
        {"pdc", ColumnType::Float64, {}, 64, "proportion of days covered by controller therapy (0..1)"},
        {"adherent", ColumnType::Bool, {}, 64, "pdc at least 0.8"},
        {"exacerbations", ColumnType::Int64, {}, 8, "exacerbations (oral corticosteroid bursts)"},
        {"asthma_control", ColumnType::Categorical, {"controlled", "partly", "uncontrolled"}, 64, "asthma control"},
        {"hosp_stays", ColumnType::Int64, {}, 8, "hospital stays in the year"},
        {"hosp_days", ColumnType::Int64, {}, 16, "days in hospital in the year"},
    });
    for (auto& c : spending_columns(false)) yearly_.columns.push_back(std::move(c));
    negative_controls_.add_columns(yearly_.columns);
    truth_ = {
        {"pdc", OutcomeKind::Mean, "proportion of days covered"},
        {"adherent", OutcomeKind::Proportion, "pdc at least 0.8"},
        {"exacerbations", OutcomeKind::Rate, "exacerbations"},
        {"hosp_stays", OutcomeKind::Rate, "hospital stays"},
        {"spend_total", OutcomeKind::Mean, "total spending (euros)"},
        {"death", OutcomeKind::Cumulative, "death by the end of the year"},
    };
  }

  const TableSchema& patients() const override { return patients_; }
  const TableSchema& yearly() const override { return yearly_; }
  const std::vector<TruthOutcome>& truth_outcomes() const override { return truth_; }

  nlohmann::json true_parameters() const override {
    return {{"adherence_log_odds", {{"by_year", pdc_effect_}, {"meaning", "member shift of the log-odds of pdc"}}},
            {"exacerbation_rate_ratio", {{"by_year", exac_rate_ratio_}, {"meaning", "member rate ratio"}}},
            {"member_extra_ambulatory", {{"by_year", member_ambulatory_}, {"meaning", "member extra ambulatory euros"}}},
            {"death_odds_ratio", {{"by_year", death_or_}, {"meaning", "member odds ratio of death in the year"}}},
            {"negative_controls", negative_controls_.truth()}};
  }

  void generate(int64_t first_id, int64_t count, BlockBuilder& pb, BlockBuilder& yb, TruthTally& tally) const override {
    for (int64_t id = first_id; id < first_id + count; ++id) {
      const Patient p = draw_patient(id);
      const Year base = draw_year(p, id, -1, 0);
      RandomStream se = stream(opt_.seed, id, kEnrolment, 0);
      const double enrol_lp = enrol_intercept_ + enrol_pdc_ * base.pdc + enrol_severity_ * p.severity +
                              enrol_age_ * (p.age - 45) / 10.0 + enrol_quintile_ * (p.quintile - 3) +
                              eng_enrol_ * p.engagement;
      const bool enrolled = se.uniform() < logistic(enrol_lp);
      int death_year = 0;
      for (int arm = enrolled ? 1 : 0; arm >= 0; --arm) {
        const bool observed = arm == (enrolled ? 1 : 0);
        for (int t = 1; t <= opt_.years; ++t) {
          const Year y = draw_year(p, id, t, arm);
          const int64_t total = y.ambulatory + y.hospital + y.drugs;
          if (enrolled) {
            tally.add_alive(arm, t, y.exposure);
            tally.add(arm, 0, t, y.pdc);
            tally.add(arm, 1, t, y.pdc >= 0.8);
            tally.add(arm, 2, t, static_cast<double>(y.exacerbations));
            tally.add(arm, 3, t, static_cast<double>(y.stays));
            tally.add(arm, 4, t, static_cast<double>(total));
            if (y.death) {
              for (int s = t; s <= opt_.years; ++s) tally.add(arm, 5, s, 1.0);
            }
          }
          if (observed) {
            if (y.death) death_year = t;
            yb.add_row();
            size_t c = 0;
            yb.set_int(c++, id);
            yb.set_int(c++, t);
            yb.set(c++, y.exposure);
            yb.set_bool(c++, y.death);
            yb.set(c++, y.pdc);
            yb.set_bool(c++, y.pdc >= 0.8);
            yb.set_int(c++, y.exacerbations);
            yb.set_code(c++, static_cast<int32_t>(y.control));
            yb.set_int(c++, y.stays);
            yb.set_int(c++, y.days);
            yb.set_int(c++, y.ambulatory);
            yb.set_int(c++, y.hospital);
            yb.set_int(c++, y.drugs);
            yb.set_int(c++, total);
            for (bool v : y.negative_control) yb.set_bool(c++, v);
          }
          if (y.death) break;
        }
      }
      if (enrolled) tally.add_member();
      pb.add_row();
      size_t c = 0;
      pb.set_int(c++, id);
      c = DemographicsModel::set(pb, c, p);
      pb.set_code(c++, p.severity);
      pb.set_bool(c++, p.smoker);
      pb.set(c++, base.pdc);
      pb.set_int(c++, base.exacerbations);
      pb.set_code(c++, static_cast<int32_t>(base.control));
      pb.set_int(c++, base.stays);
      pb.set_int(c++, base.ambulatory);
      pb.set_int(c++, base.hospital);
      pb.set_int(c++, base.drugs);
      pb.set_int(c++, base.ambulatory + base.hospital + base.drugs);
      pb.set_bool(c++, enrolled);
      if (death_year > 0) pb.set_int(c, death_year);
      ++c;
      if (opt_.engagement) pb.set(c++, p.engagement);
    }
  }

 private:
  Patient draw_patient(int64_t id) const {
    RandomStream s = stream(opt_.seed, id, kBaselineDraws, 0);
    double u[kBaselineDrawCount];
    for (double& x : u) x = s.uniform();
    Patient p{};
    static_cast<Demographics&>(p) = demographics_.draw(&u[bDemographics]);
    p.severity = static_cast<int>(std::lower_bound(severity_cdf_.begin(), severity_cdf_.end(), u[bSeverity]) -
                                  severity_cdf_.begin());
    p.severity = std::min(p.severity, 2);
    p.smoker = u[bSmoker] < smoker_;
    p.adherence = adherence_sd_ * RandomStream::normal_quantile(u[bAdherence]);
    p.frailty = gamma_frailty(frailty_shape_, u[bFrailty]);
    p.engagement = opt_.engagement ? RandomStream::normal_quantile(u[bEngagement]) : 0.0;
    const double age_dec = (p.age - 45) / 10.0;
    p.pdc_lp = pdc_intercept_ + p.adherence + pdc_per_severity_ * p.severity + pdc_age_ * age_dec + eng_pdc_ * p.engagement;
    p.exac_mean = std::exp(exac_log_mean_ + exac_per_severity_ * p.severity + (p.smoker ? exac_smoker_ : 0.0) +
                           eng_exac_ * p.engagement) * p.frailty;
    p.death_lp = death_intercept_ + death_age_ * age_dec + death_severity_ * p.severity;
    negative_controls_.baseline(age_dec, p.adherence, p.engagement, p.nc_lp);
    return p;
  }

  Year draw_year(const Patient& p, int64_t id, int t, int arm) const {
    RandomStream s = stream(opt_.seed, id, kPatientYear, t);
    double u[kYearDraws];
    for (double& x : u) x = s.uniform();
    const bool effect = t >= 1 && arm == 1;
    const size_t k = t >= 1 ? static_cast<size_t>(t - 1) : 0;
    Year y{};
    y.exposure = 1.0;
    if (t >= 1) {
      y.death = u[uDeath] < logistic(p.death_lp + death_age_ * t / 10.0 + (effect ? std::log(death_or_[k]) : 0.0));
      if (y.death) y.exposure = u[uDeathTime];
    }
    y.pdc = logistic(p.pdc_lp + pdc_noise_sd_ * RandomStream::normal_quantile(u[uPdc]) + (effect ? pdc_effect_[k] : 0.0));
    y.pdc = std::round(y.pdc * 365.0) / 365.0;  // whole days covered
    y.exacerbations =
        std::min<int64_t>(poisson_inverse(p.exac_mean * y.exposure * (effect ? exac_rate_ratio_[k] : 1.0), u[uExacerbations]), 50);
    // Control: uncontrolled after 2+ exacerbations, partly after 1; without
    // exacerbations controlled with probability `controlled_`.
    y.control = y.exacerbations >= 2 ? 2 : y.exacerbations == 1 ? 1 : (u[uControl] < controlled_ ? 0 : 1);
    y.stays = std::min<int64_t>(
        poisson_inverse((stays_base_ + stays_per_exac_ * static_cast<double>(y.exacerbations)) * y.exposure, u[uStays]), 30);
    if (y.stays > 0) y.days = std::min<int64_t>(y.stays + poisson_inverse(static_cast<double>(y.stays) * (mean_los_ - 1), u[uDays]), 366);
    const double growth = std::pow(1.0 + growth_, t + 1);
    const double amb = std::exp(ambulatory_log_mean_ + ambulatory_per_severity_ * p.severity +
                                ambulatory_sd_ * RandomStream::normal_quantile(u[uAmbulatory])) * y.exposure +
                       (effect ? member_ambulatory_[k] * y.exposure : 0.0);
    y.ambulatory = euros(amb * growth);
    y.hospital = y.days > 0 ? euros(static_cast<double>(y.days) * hospital_day_ * growth *
                                    std::exp(0.3 * RandomStream::normal_quantile(u[uHospitalCost]) - 0.045))
                            : 0;
    const double drugs = (controller_cost_ * (1.0 + 0.5 * p.severity) * y.pdc * y.exposure +
                          reliever_cost_ * static_cast<double>(y.exacerbations)) *
                         std::exp(drugs_sd_ * RandomStream::normal_quantile(u[uDrugs]) - drugs_sd_ * drugs_sd_ / 2);
    y.drugs = euros(drugs * growth);
    negative_controls_.draw(p.nc_lp, t, y.exposure, s, y.negative_control);
    return y;
  }

  GenerateOptions opt_;
  DemographicsModel demographics_;
  NegativeControls negative_controls_;
  std::vector<double> severity_cdf_;
  double smoker_, adherence_sd_, pdc_intercept_, pdc_noise_sd_, pdc_per_severity_, pdc_age_, frailty_shape_,
      exac_log_mean_, exac_per_severity_, exac_smoker_, controlled_, stays_per_exac_, stays_base_, mean_los_,
      death_intercept_, death_age_, death_severity_, controller_cost_, reliever_cost_, drugs_sd_, ambulatory_log_mean_,
      ambulatory_sd_, ambulatory_per_severity_, hospital_day_, growth_, enrol_intercept_, enrol_pdc_, enrol_severity_,
      enrol_age_, enrol_quintile_, eng_enrol_, eng_pdc_, eng_exac_;
  std::vector<double> pdc_effect_, exac_rate_ratio_, death_or_, member_ambulatory_;
  TableSchema patients_, yearly_;
  std::vector<TruthOutcome> truth_;
};

}  // namespace

std::unique_ptr<CohortModel> make_asthma_model(const GenerateOptions& options) {
  Parameters p(options.parameters, "asthma");
  auto model = std::make_unique<AsthmaModel>(options, p);
  p.reject_unknown_keys();
  model->set_parameter_file(nlohmann::json::parse(p.to_json()));
  return model;
}

}  // namespace impactsim::generator
