// The true effect of enrolment in a generated cohort.
//
// Each enrolled patient is simulated twice with the same random numbers
// (common random numbers): enrolled (arm 1, the path written to the file) and
// not enrolled (arm 0, the counterfactual). The tally sums, by year of
// follow-up, each outcome over the members alive that year in each arm. The
// difference between arms is the sample average treatment effect on the
// treated: the quantity a matched comparison of members with comparable
// non-members estimates, year by year, among those observed that year.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace impactsim::generator {

// How an outcome is summarised per group and year, and how arms are compared.
enum class OutcomeKind {
  Proportion,  // mean of a 0/1 outcome over those alive: risk difference, risk and odds ratios
  Rate,        // sum over person-years, per 100 person-years: rate ratio and difference
  Mean,        // mean over those alive (spending): difference
  Cumulative,  // 0/1 over all members whatever their survival (death by year t)
  AtIndex,     // 0/1 event of the index year, over all members (added as year 1; one row, year 0)
};

struct TruthOutcome {
  std::string name;
  OutcomeKind kind;
  std::string meaning;
};

class TruthTally {
 public:
  TruthTally() = default;
  TruthTally(size_t outcomes, int years);

  // Denominators: a member alive in `year` (1-based) of arm 0/1 with `exposure` person-years.
  void add_alive(int arm, int year, double exposure);
  void add(int arm, size_t outcome, int year, double value);
  void add_member() { ++members_; }
  // Sums of another tally (combined in a fixed order, so the result does not
  // depend on the thread count).
  void merge(const TruthTally& other);

  double members() const { return members_; }
  // JSON by outcome: per year, arm values and their comparison.
  nlohmann::json summarize(const std::vector<TruthOutcome>& outcomes) const;

 private:
  size_t at(int arm, size_t slot, int year) const;
  size_t outcomes_ = 0;
  int years_ = 0;
  double members_ = 0;
  std::vector<double> sums_;  // [arm][slot][year], slot 0 alive, 1 exposure, 2.. outcomes
};

}  // namespace impactsim::generator
