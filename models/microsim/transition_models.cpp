#include "models/microsim/transition_models.hpp"

#include <cmath>
#include <functional>
#include <unordered_map>

#include "engine/error.hpp"
#include "models/glm/inference.hpp"

namespace impactsim {

const std::vector<std::string>& microsim_state_names() {
  static const std::vector<std::string> names = {
      "age",           "male",          "insulin",         "cardiovascular", "renal_disease",
      "heart_failure", "retinopathy",   "deprivation",     "low_income",     "baseline_exams",
      "baseline_hba1c_tests",           "comorbidities_gained",               "lag_fundus_2y",
      "lag_renal_check",                "lag_dental",      "lag_hospitalised"};
  return names;
}

const char* to_string(Process p) {
  switch (p) {
    case Process::Death: return "death";
    case Process::Fundus: return "fundus_2y";
    case Process::RenalCheck: return "renal_check";
    case Process::Dental: return "dental";
    case Process::HospStays: return "hosp_stays";
    case Process::ExtraDays: return "extra_days";
    case Process::LogSpending: return "log_spending";
    case Process::OnsetCardiovascular: return "onset_cardiovascular";
    case Process::OnsetRenalDisease: return "onset_renal_disease";
    case Process::OnsetHeartFailure: return "onset_heart_failure";
    case Process::OnsetRetinopathy: return "onset_retinopathy";
    case Process::Count: break;
  }
  return "";
}

namespace {

const Column& need(const Table& t, const std::string& name) {
  if (!t.has_column(name)) {
    throw InputError("microsim fit: the cohort has no column \"" + name + "\"" + suggest_names(name, t.column_names()) +
                     " (expected a diabetes cohort as impactsim generate writes it)");
  }
  return t.column(name);
}

double level_is(const Column& c, size_t i, const char* level) {
  if (c.type() != ColumnType::Categorical) return c.numeric_value(i);
  const int32_t code = c.codes()[i];
  return code >= 0 && c.levels()[static_cast<size_t>(code)] == level ? 1.0 : 0.0;
}

}  // namespace

Eigen::MatrixXd baseline_state(const Table& p) {
  const size_t n = p.num_rows();
  Eigen::MatrixXd s(static_cast<Eigen::Index>(n), kStates);
  const Column &age = need(p, "age"), &sex = need(p, "sex"), &treatment = need(p, "treatment"),
               &cv = need(p, "cardiovascular"), &renal = need(p, "renal_disease"), &hf = need(p, "heart_failure"),
               &retino = need(p, "retinopathy"), &dep = need(p, "deprivation"), &low = need(p, "low_income"),
               &fundus = need(p, "fundus_2y"), &rc = need(p, "renal_check"), &dental = need(p, "dental"),
               &stays = need(p, "hosp_stays"), &creatinine = need(p, "creatinine"), &albuminuria = need(p, "albuminuria"),
               &hba1c = need(p, "hba1c_tests");
  for (size_t i = 0; i < n; ++i) {
    const auto r = static_cast<Eigen::Index>(i);
    s(r, 0) = age.numeric_value(i);
    s(r, 1) = level_is(sex, i, "M");
    s(r, 2) = level_is(treatment, i, "insulin");
    s(r, 3) = cv.numeric_value(i);
    s(r, 4) = renal.numeric_value(i);
    s(r, 5) = hf.numeric_value(i);
    s(r, 6) = retino.numeric_value(i);
    s(r, 7) = dep.type() == ColumnType::Categorical ? dep.codes()[i] + 1.0 : dep.numeric_value(i);
    s(r, 8) = low.numeric_value(i);
    s(r, 9) = fundus.numeric_value(i) + creatinine.numeric_value(i) + albuminuria.numeric_value(i) + dental.numeric_value(i);
    s(r, 10) = hba1c.numeric_value(i);
    s(r, kGainedState) = 0;
    s(r, kFixedStates + 0) = fundus.numeric_value(i);
    s(r, kFixedStates + 1) = rc.numeric_value(i);
    s(r, kFixedStates + 2) = dental.numeric_value(i);
    s(r, kFixedStates + 3) = stays.numeric_value(i) > 0;
  }
  if (!s.allFinite()) throw InputError("microsim: the cohort's baseline columns have missing values");
  return s;
}

namespace {

// The covariance over all coefficients: glm_vcov's covers the estimable
// ones, in order; a structural zero gets a zero row and column.
Eigen::MatrixXd full_covariance(const GlmFit& f, const GlmData& d) {
  const Eigen::MatrixXd v = glm_vcov(f, d).matrix;
  std::vector<Eigen::Index> estimable;
  for (Eigen::Index j = 0; j < f.coefficients.size(); ++j) {
    if (!std::isnan(f.coefficients[j])) estimable.push_back(j);
  }
  const Eigen::Index p = f.coefficients.size();
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(p, p);
  for (size_t a = 0; a < estimable.size(); ++a) {
    for (size_t b = 0; b < estimable.size(); ++b) cov(estimable[a], estimable[b]) = v(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
  }
  return cov;
}

}  // namespace

TransitionModels fit_transition_models(const Table& patients, const Table& yearly) {
  const Eigen::MatrixXd base = baseline_state(patients);
  const Column& pid = need(patients, "id");
  const Column& enrolled = need(patients, "enrolled");
  std::unordered_map<int64_t, size_t> row_of;
  for (size_t i = 0; i < patients.num_rows(); ++i) row_of[static_cast<int64_t>(pid.numeric_value(i))] = i;
  const Column &yid = need(yearly, "id"), &year = need(yearly, "year"), &exposure = need(yearly, "exposure"),
               &death = need(yearly, "death"), &fundus = need(yearly, "fundus_2y"), &rc = need(yearly, "renal_check"),
               &dental = need(yearly, "dental"), &stays = need(yearly, "hosp_stays"), &days = need(yearly, "hosp_days"),
               &spend = need(yearly, "spend_total");
  const Column* comorbidity[kComorbidityStates] = {&need(yearly, "cardiovascular"), &need(yearly, "renal_disease"),
                                                   &need(yearly, "heart_failure"), &need(yearly, "retinopathy")};

  // Person-years of non-members with their state at the start of the year.
  std::vector<size_t> rows;
  for (size_t r = 0; r < yearly.num_rows(); ++r) {
    const auto it = row_of.find(static_cast<int64_t>(yid.numeric_value(r)));
    if (it == row_of.end()) throw InputError("microsim fit: yearly row " + std::to_string(r + 1) + " has no patient");
    if (enrolled.numeric_value(it->second) == 0) rows.push_back(r);
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  if (n < 100) throw InputError("microsim fit: too few person-years of non-members to fit on");
  Eigen::MatrixXd x(n, kStates + 1);
  for (Eigen::Index k = 0; k < n; ++k) {
    const size_t r = rows[static_cast<size_t>(k)];
    const size_t p = row_of[static_cast<int64_t>(yid.numeric_value(r))];
    const double t = year.numeric_value(r);
    x(k, 0) = 1;
    x.row(k).segment(1, kStates) = base.row(static_cast<Eigen::Index>(p));
    x(k, 1) += t;  // current age
    if (t > 1) {
      if (r == 0 || yid.numeric_value(r - 1) != yid.numeric_value(r) || year.numeric_value(r - 1) != t - 1) {
        throw InputError("microsim fit: yearly rows must be sorted by id and year (row " + std::to_string(r + 1) + ")");
      }
      for (int c = 0; c < kComorbidityStates; ++c) {
        x(k, 1 + kGainedState) += comorbidity[c]->numeric_value(r - 1) != 0 && x(k, 1 + kFirstComorbidityState + c) == 0;
      }
      x(k, 1 + kFixedStates + 0) = fundus.numeric_value(r - 1);
      x(k, 1 + kFixedStates + 1) = rc.numeric_value(r - 1);
      x(k, 1 + kFixedStates + 2) = dental.numeric_value(r - 1);
      x(k, 1 + kFixedStates + 3) = stays.numeric_value(r - 1) > 0;
    }
  }

  TransitionModels tm;
  tm.programme = "diabetes";
  // structural_zero: a column constant 0 in the subset by construction (an
  // onset model's own comorbidity), whose coefficient is 0, not "not estimable".
  auto fit = [&](Process proc, FamilyKind kind, Link link, const std::vector<size_t>& subset,
                 const std::function<double(size_t)>& response, const std::function<double(size_t)>& offset,
                 Eigen::Index structural_zero = -1) {
    const auto m = static_cast<Eigen::Index>(subset.size());
    Eigen::MatrixXd xs(m, x.cols());
    Eigen::VectorXd y(m), off;
    if (offset) off.resize(m);
    for (Eigen::Index k = 0; k < m; ++k) {
      const size_t i = subset[static_cast<size_t>(k)];
      xs.row(k) = x.row(static_cast<Eigen::Index>(i));
      y[k] = response(rows[i]);
      if (offset) off[k] = offset(rows[i]);
    }
    GlmData d;
    d.x = &xs;
    d.y = &y;
    d.offset = off;
    d.names = {"(Intercept)"};
    for (const auto& s : microsim_state_names()) d.names.push_back(s);
    GlmOptions o;
    o.family = Family::make(kind, link);
    const GlmFit f = fit_glm(d, o);
    TransitionModel t;
    t.process = proc;
    t.beta = f.coefficients;
    if (structural_zero >= 0) t.beta[structural_zero] = 0;
    t.cov = full_covariance(f, d);
    for (Eigen::Index j = 0; j < t.beta.size(); ++j) {
      if (std::isnan(t.beta[j])) throw InputError(std::string("microsim fit: model ") + to_string(proc) + ": state variable \"" +
                                                  d.names[static_cast<size_t>(j)] + "\" is not estimable in this cohort");
    }
    t.sigma = kind == FamilyKind::Gaussian ? std::sqrt(f.dispersion) : 0;
    t.rows = static_cast<double>(m);
    tm.models.push_back(std::move(t));
  };
  std::vector<size_t> all(rows.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  std::vector<size_t> with_stays;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (stays.numeric_value(rows[i]) > 0) with_stays.push_back(i);
  }
  fit(Process::Death, FamilyKind::Binomial, Link::Logit, all, [&](size_t r) { return death.numeric_value(r); }, nullptr);
  fit(Process::Fundus, FamilyKind::Binomial, Link::Logit, all, [&](size_t r) { return fundus.numeric_value(r); }, nullptr);
  fit(Process::RenalCheck, FamilyKind::Binomial, Link::Logit, all, [&](size_t r) { return rc.numeric_value(r); }, nullptr);
  fit(Process::Dental, FamilyKind::Binomial, Link::Logit, all, [&](size_t r) { return dental.numeric_value(r); }, nullptr);
  fit(Process::HospStays, FamilyKind::Poisson, Link::Log, all, [&](size_t r) { return stays.numeric_value(r); },
      [&](size_t r) { return std::log(exposure.numeric_value(r)); });
  fit(Process::ExtraDays, FamilyKind::Poisson, Link::Log, with_stays,
      [&](size_t r) { return days.numeric_value(r) - stays.numeric_value(r); },
      [&](size_t r) { return std::log(stays.numeric_value(r)); });
  fit(Process::LogSpending, FamilyKind::Gaussian, Link::Identity, all,
      [&](size_t r) { return std::log1p(spend.numeric_value(r)); }, nullptr);
  for (int c = 0; c < kComorbidityStates; ++c) {
    std::vector<size_t> without_it;  // person-years without the comorbidity at their start
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t r = rows[i];
      const bool before = x(static_cast<Eigen::Index>(i), 1 + kFirstComorbidityState + c) != 0 ||
                          (year.numeric_value(r) > 1 && comorbidity[c]->numeric_value(r - 1) != 0);
      if (!before) without_it.push_back(i);
    }
    fit(static_cast<Process>(static_cast<int>(Process::OnsetCardiovascular) + c), FamilyKind::Binomial, Link::Logit, without_it,
        [&, c](size_t r) { return comorbidity[c]->numeric_value(r); }, nullptr, 1 + kFirstComorbidityState + c);
  }
  return tm;
}

nlohmann::json TransitionModels::to_json() const {
  nlohmann::json j;
  j["programme"] = programme;
  j["state"] = microsim_state_names();
  j["models"] = nlohmann::json::array();
  for (const auto& m : models) {
    std::vector<double> beta(m.beta.data(), m.beta.data() + m.beta.size());
    std::vector<std::vector<double>> cov;
    for (Eigen::Index r = 0; r < m.cov.rows(); ++r) {
      cov.emplace_back();
      for (Eigen::Index c = 0; c < m.cov.cols(); ++c) cov.back().push_back(m.cov(r, c));
    }
    j["models"].push_back({{"process", to_string(m.process)}, {"coefficients", beta}, {"covariance", cov},
                           {"sigma", m.sigma}, {"person_years", m.rows}});
  }
  return j;
}

TransitionModels TransitionModels::from_json(const nlohmann::json& j, const std::string& where) {
  TransitionModels tm;
  try {
    tm.programme = j.at("programme").get<std::string>();
    if (j.at("state").get<std::vector<std::string>>() != microsim_state_names()) {
      throw InputError(where + ": the model's state variables differ from this version's; refit it with impactsim microsim fit");
    }
    const auto& ms = j.at("models");
    if (ms.size() != static_cast<size_t>(Process::Count)) throw InputError(where + ": expected " + std::to_string(static_cast<int>(Process::Count)) + " models");
    for (size_t k = 0; k < ms.size(); ++k) {
      TransitionModel m;
      m.process = static_cast<Process>(k);
      if (ms[k].at("process").get<std::string>() != to_string(m.process)) throw InputError(where + ": models out of order");
      const auto beta = ms[k].at("coefficients").get<std::vector<double>>();
      m.beta = Eigen::Map<const Eigen::VectorXd>(beta.data(), static_cast<Eigen::Index>(beta.size()));
      const auto cov = ms[k].at("covariance").get<std::vector<std::vector<double>>>();
      m.cov.resize(m.beta.size(), m.beta.size());
      for (Eigen::Index r = 0; r < m.beta.size(); ++r) {
        for (Eigen::Index c = 0; c < m.beta.size(); ++c) m.cov(r, c) = cov.at(static_cast<size_t>(r)).at(static_cast<size_t>(c));
      }
      m.sigma = ms[k].at("sigma").get<double>();
      m.rows = ms[k].at("person_years").get<double>();
      tm.models.push_back(std::move(m));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(where + ": not a transition-model file (" + e.what() + ")");
  }
  return tm;
}

}  // namespace impactsim
