#include "models/matching/matching_design.hpp"

#include <gtest/gtest.h>

namespace impactsim {
namespace {

TEST(MatchingDesign, DefaultsAreMatchItsAndValid) {
  MatchingDesign d;
  d.formula = "treat ~ x";
  EXPECT_FALSE(d.validate().has_value());
  EXPECT_EQ(d.treatment(), "treat");
  EXPECT_EQ(d.matching.ratio, 1);
  EXPECT_FALSE(d.matching.replace);
  EXPECT_FALSE(d.matching.caliper.has_value());
  EXPECT_EQ(d.matching.caliper_scale, CaliperScale::StandardDeviations);
  EXPECT_EQ(d.matching.order, MatchOrder::Largest);
  EXPECT_EQ(d.propensity.link, Link::Logit);
  EXPECT_EQ(d.propensity.discard, Discard::None);
  EXPECT_DOUBLE_EQ(d.balance_threshold, 0.1);
  EXPECT_EQ(d.describe(), "nearest neighbour on the propensity score, ratio 1, without replacement, order largest, caliper none");
}

TEST(MatchingDesign, ValidateNamesTheOptionAndTheFix) {
  auto issue_of = [](auto change) {
    MatchingDesign d;
    d.formula = "treat ~ x";
    change(d);
    const auto issue = d.validate();
    return issue ? issue->option + ": " + issue->message : std::string("valid");
  };
  EXPECT_EQ(issue_of([](MatchingDesign& d) { d.formula = "x"; }).rfind("formula: ", 0), 0u);
  EXPECT_EQ(issue_of([](MatchingDesign& d) { d.matching.ratio = 0; }).rfind("ratio: ", 0), 0u);
  EXPECT_EQ(issue_of([](MatchingDesign& d) { d.matching.caliper = -0.2; }),
            "caliper: the caliper must be positive; leave it out for no caliper");
  EXPECT_EQ(issue_of([](MatchingDesign& d) { d.matching.caliper = NAN; }).rfind("caliper: ", 0), 0u);
  EXPECT_EQ(issue_of([](MatchingDesign& d) { d.propensity.trim_lower = 1.5; }).rfind("trim_lower: ", 0), 0u);
  EXPECT_EQ(issue_of([](MatchingDesign& d) {
              d.propensity.trim_lower = 0.6;
              d.propensity.trim_upper = 0.4;
            }).rfind("trim_upper: ", 0),
            0u);
  EXPECT_EQ(issue_of([](MatchingDesign& d) { d.balance_threshold = 0; }).rfind("balance_threshold: ", 0), 0u);
  EXPECT_EQ(issue_of([](MatchingDesign& d) { d.matching.caliper = 0.2; }), "valid");
}

TEST(MatchingDesign, OptionsGivenAsTextShareOneParser) {
  MatchingDesign d;
  EXPECT_FALSE(d.set("order", "closest"));
  EXPECT_EQ(d.matching.order, MatchOrder::Closest);
  EXPECT_FALSE(d.set("caliper_scale", "distance"));
  EXPECT_EQ(d.matching.caliper_scale, CaliperScale::DistanceUnits);
  EXPECT_FALSE(d.set("link", "probit"));
  EXPECT_FALSE(d.set("distance", "logit"));
  EXPECT_FALSE(d.set("discard", "both"));
  EXPECT_EQ(d.set("order", "biggest")->message, "\"biggest\" is not largest, smallest, closest, random or data");
  EXPECT_EQ(d.set("caliper_scale", "raw")->option, "caliper_scale");
  EXPECT_EQ(d.set("link", "identity")->message, "\"identity\" is not logit, probit or cloglog");
}

// The defect this owner fixes: a caliper in the distance's units was described as "SD".
TEST(MatchingDesign, DescribeSaysTheCalipersScale) {
  MatchingDesign d;
  d.formula = "treat ~ x";
  d.matching.caliper = 0.2;
  Matching result;
  result.caliper = 0.0123;
  EXPECT_NE(d.describe(&result).find("caliper 0.2 SD of the distance (0.0123 in its units)"), std::string::npos);
  d.matching.caliper_scale = CaliperScale::DistanceUnits;
  d.exact = {"sex", "region"};
  const std::string s = d.describe(&result);
  EXPECT_NE(s.find("caliper 0.2 in the distance's units, exact on sex, region"), std::string::npos) << s;
  EXPECT_EQ(s.find("SD"), std::string::npos) << s;
  const nlohmann::json j = d.to_json(&result);
  EXPECT_EQ(j["caliper_scale"], "distance");
  EXPECT_EQ(j["caliper"], 0.2);
  EXPECT_EQ(j["caliper_distance_units"], 0.0123);
  EXPECT_EQ(j["tie_key"], "row");
  EXPECT_NE(old_caliper_spelling_note(true, CaliperScale::DistanceUnits).find("caliper_scale = \"distance\""), std::string::npos);
  EXPECT_NE(old_caliper_spelling_note(false, CaliperScale::DistanceUnits).find("--caliper-scale distance"), std::string::npos);
}

}  // namespace
}  // namespace impactsim
