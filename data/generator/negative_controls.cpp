#include "data/generator/negative_controls.hpp"

#include "data/generator/draws.hpp"
#include "engine/error.hpp"

namespace impactsim::generator {

NegativeControls::NegativeControls(const Parameters& p, const std::string& latent_key) {
  names_ = p.strings("negative_controls", "names");
  labels_ = p.strings("negative_controls", "labels");
  intercept_ = p.values("negative_controls", "intercept");
  age_ = p.values("negative_controls", "age_per_decade");
  latent_ = latent_key.empty() ? std::vector<double>(kCount, 0.0) : p.values("negative_controls", latent_key);
  engagement_ = p.values("engagement", "negative_control_log_odds");
  for (size_t n : {names_.size(), labels_.size(), intercept_.size(), age_.size(), latent_.size(), engagement_.size()}) {
    if (n != kCount) {
      throw InputError(p.path() + ": [negative_controls] and engagement.negative_control_log_odds need " +
                       std::to_string(kCount) + " values each");
    }
  }
}

void NegativeControls::add_columns(std::vector<ColumnSpec>& yearly) const {
  for (int k = 0; k < kCount; ++k) {
    const auto j = static_cast<size_t>(k);
    yearly.push_back({names_[j], ColumnType::Bool, {}, 64, labels_[j] + " in the year (negative control: enrolment has no effect)"});
  }
}

void NegativeControls::baseline(double age_decades, double latent, double engagement, double* log_odds) const {
  for (int k = 0; k < kCount; ++k) {
    const auto j = static_cast<size_t>(k);
    log_odds[k] = intercept_[j] + age_[j] * age_decades + latent_[j] * latent + engagement_[j] * engagement;
  }
}

void NegativeControls::draw(const double* log_odds, int t, double exposure, RandomStream& s, bool* out) const {
  for (int k = 0; k < kCount; ++k) {
    out[k] = s.uniform() < logistic(log_odds[k] + age_[static_cast<size_t>(k)] * t / 10.0) * exposure;
  }
}

nlohmann::json NegativeControls::truth() const {
  return {{"outcomes", names_},
          {"meaning", "yearly outcomes enrolment does not change: every true effect is null (risk ratio 1); with the "
                      "engagement trait on they share its confounding"}};
}

}  // namespace impactsim::generator
