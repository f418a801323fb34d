#include "engine/config_file.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "engine/error.hpp"
#include "test_util.hpp"

namespace impactsim {
namespace {

const char* kStudy = R"(name = "sophia"
seed = 42

[design]
ratio = 2
caliper = 0.2
exact = ["sex", "department"]

[[outcome]]
name = "fundus"
years = [1, 2, 3]
)";

TEST(ConfigFile, ReadsTypedValuesAndNestedTables) {
  ConfigTable c = ConfigTable::parse_text(kStudy, "study.toml");
  EXPECT_EQ(c.get_string("name"), "sophia");
  EXPECT_EQ(c.get_int("seed"), 42);
  const ConfigTable d = c.get_table("design");
  EXPECT_EQ(d.get_int("ratio"), 2);
  EXPECT_DOUBLE_EQ(d.get_double("caliper"), 0.2);
  EXPECT_DOUBLE_EQ(d.get_double("ratio"), 2.0);  // an integer where a number is expected
  EXPECT_EQ(d.get_strings("exact"), (std::vector<std::string>{"sex", "department"}));
  EXPECT_TRUE(d.get_bool("replace", false) == false);
  const auto outcomes = c.get_tables("outcome");
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].get_doubles("years"), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(outcomes[0].get_string("name"), "fundus");
  EXPECT_NO_THROW(c.reject_unknown_keys());
}

TEST(ConfigFile, ErrorsNameTheFileLineAndKey) {
  ConfigTable c = ConfigTable::parse_text(kStudy, "study.toml");
  const ConfigTable d = c.get_table("design");
  EXPECT_EQ(testing::error_of([&] { d.get_int("caliper"); }),
            "study.toml:6: key \"design.caliper\": expected an integer, found a number");
  EXPECT_NE(testing::error_of([&] { d.get_string("formula"); }).find("missing required key \"design.formula\""),
            std::string::npos);
  EXPECT_NE(testing::error_of([] { ConfigTable::parse_text("a = [1,\nb = 2", "bad.toml"); }).find("bad.toml:2:"),
            std::string::npos);
  EXPECT_NE(testing::error_of([] { ConfigTable::parse_file("/nonexistent/study.toml"); }).find("cannot open"),
            std::string::npos);
}

TEST(ConfigFile, UnknownKeysAreRejectedWithTheClosestKnownKey) {
  ConfigTable c = ConfigTable::parse_text("seed = 1\n[design]\nratoi = 2\n", "s.toml");
  c.get_int("seed");
  const ConfigTable d = c.get_table("design");
  d.get_int("ratio", 1);  // optional and absent: still a known key
  EXPECT_EQ(testing::error_of([&] { c.reject_unknown_keys(); }),
            "s.toml:3: unknown key \"design.ratoi\"; did you mean \"ratio\"?; remove it or correct its spelling");
  ConfigTable e = ConfigTable::parse_text("seed = 1\n[desgin]\nratio = 2\n", "s.toml");
  e.get_int("seed");
  e.find_table("design");
  EXPECT_NE(testing::error_of([&] { e.reject_unknown_keys(); }).find("unknown key \"desgin\"; did you mean \"design\"?"),
            std::string::npos);
}

}  // namespace
}  // namespace impactsim
