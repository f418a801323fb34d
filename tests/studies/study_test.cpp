#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "studies/impact/study.hpp"
#include "test_util.hpp"

namespace impactsim {
namespace {

const std::string kStudies = std::string(IMPACTSIM_STUDIES);

// Numbers equal within a relative tolerance of 1e-6 (the run is
// deterministic; the tolerance absorbs floating-point differences between
// compilers and machines), everything else exactly.
void expect_same(const nlohmann::json& ours, const nlohmann::json& ref, const std::string& where) {
  if (ref.is_number() && ours.is_number()) {
    const double a = ours.get<double>(), b = ref.get<double>();
    EXPECT_LE(std::abs(a - b), 1e-6 * std::max(1.0, std::abs(b))) << where << ": " << a << " vs " << b;
    return;
  }
  ASSERT_EQ(ours.type(), ref.type()) << where;
  if (ref.is_object()) {
    for (auto it = ref.begin(); it != ref.end(); ++it) {
      ASSERT_TRUE(ours.contains(it.key())) << where << "." << it.key();
      expect_same(ours[it.key()], it.value(), where + "." + it.key());
    }
    EXPECT_EQ(ours.size(), ref.size()) << where;
  } else if (ref.is_array()) {
    ASSERT_EQ(ours.size(), ref.size()) << where;
    for (size_t i = 0; i < ref.size(); ++i) expect_same(ours[i], ref[i], where + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_EQ(ours, ref) << where;
  }
}

nlohmann::json run_reduced(const std::string& name, const std::string& dir, int64_t patients) {
  StudySpec spec = load_study(kStudies + "/" + name + ".toml");
  spec.reduce_to(patients);
  StudyRunOptions o;
  o.out_dir = dir;
  o.write_matched = false;
  std::ostringstream progress;
  run_study(spec, o, progress);
  EXPECT_NE(progress.str().find("[6/6"), std::string::npos);
  return nlohmann::json::parse(testing::read_file(dir + "/results.json"));
}

// studies/expected/NAME.json: impactsim run studies/NAME.toml --patients 20000.
TEST(Studies, ReducedRunsReproduceTheExpectedResults) {
  for (const char* name : {"sophia_diabetes", "sophia_asthma", "prado_heart_failure"}) {
    SCOPED_TRACE(name);
    testing::TempDir dir;
    nlohmann::json ours = run_reduced(name, dir.path().string(), 20000);
    nlohmann::json ref = nlohmann::json::parse(testing::read_file(kStudies + "/expected/" + name + ".json"));
    for (auto* j : {&ours, &ref}) {
      j->erase("program");
      (*j)["study"].erase("file");
    }
    expect_same(ours, ref, name);
    for (const char* f : {"report.html", "report.md", "results.json"}) {
      EXPECT_TRUE(std::filesystem::exists(dir.file(f))) << f;
    }
  }
}

TEST(Studies, ResultsDoNotDependOnTheThreadCount) {
  testing::TempDir a, b;
  const int before = thread_count();
  set_thread_count(1);
  run_reduced("prado_heart_failure", a.path().string(), 4000);
  set_thread_count(3);
  run_reduced("prado_heart_failure", b.path().string(), 4000);
  set_thread_count(before);
  for (const char* f : {"results.json", "report.md", "report.html"}) {
    EXPECT_TRUE(testing::read_file(a.file(f)) == testing::read_file(b.file(f))) << f;
  }
}

TEST(Studies, StudyFileErrorsNameTheLine) {
  testing::TempDir dir;
  const std::string good = testing::read_file(kStudies + "/prado_heart_failure.toml");
  auto with = [&](const std::string& from, const std::string& to) {
    testing::write_file(dir.file("s.toml"), testing::replace_once(good, from, to));
    return testing::error_of([&] { load_study(dir.file("s.toml")); });
  };
  EXPECT_NE(with("ratio = 1", "ratoi = 1").find("unknown key \"design.ratoi\"; did you mean \"ratio\"?"), std::string::npos);
  EXPECT_NE(with("ratio = 1", "ratio = \"one\"").find("key \"design.ratio\": expected an integer, found a string"),
            std::string::npos);
  EXPECT_NE(with("formula = ", "formulas = ").find("missing required key \"design.formula\""), std::string::npos);
  EXPECT_NE(with("kind = \"count\"", "kind = \"rate\"").find("is not binary, count, spending, mean or event_by_year"), std::string::npos);
  EXPECT_NE(with("caliper = 0.2", "caliper = -0.2").find("the caliper must be positive"), std::string::npos);
  EXPECT_NE(with("[data.generate]", "[data]\nfile = \"x.h5\"\n[data.generate]").find("either file or [data.generate]"),
            std::string::npos);
  EXPECT_NE(with("ratio = 1", "ratio = 1\norder = \"biggest\"").find("s.toml:18: key \"design.order\""), std::string::npos);
  EXPECT_NE(with("caliper = 0.2", "caliper = 0.2\ncaliper_scale = \"raw\"").find("\"raw\" is not sd (standard deviations"),
            std::string::npos);
  EXPECT_NE(with("caliper = 0.2", "caliper = 0.2\ncaliper_scale = \"sd\"\nstd_caliper = true").find("give caliper_scale only"),
            std::string::npos);
  EXPECT_NE(with("[design]", "[diagnostics]\nmdrr = 0.5\n[design]").find("mdrr must be above 1"), std::string::npos);
  EXPECT_NE(with("[design]", "[diagnostics]\nequipoise_bounds = [0.7, 0.3]\n[design]").find("preference-score bounds"),
            std::string::npos);
  EXPECT_NE(with("[design]", "[diagnostics]\nmax_smdd = 0.2\n[design]").find("unknown key \"diagnostics.max_smdd\""),
            std::string::npos);
}

// A negative control is a yearly binary or count outcome, and a study is more than its negative controls.
TEST(Studies, NegativeControlErrorsNameTheLine) {
  testing::TempDir dir;
  const std::string good = testing::read_file(kStudies + "/sophia_diabetes.toml");
  auto with = [&](const std::string& text) {
    testing::write_file(dir.file("s.toml"), text);
    return testing::error_of([&] { load_study(dir.file("s.toml")); });
  };
  const std::string spending = testing::replace_once(good, "baseline = \"spend_total\"", "baseline = \"spend_total\"\nnegative_control = true");
  EXPECT_NE(with(spending).find("a negative control is a yearly binary or count outcome"), std::string::npos) << with(spending);
  // Only negative controls: every other outcome and [mortality] removed.
  std::string only = good.substr(0, good.find("[[outcome]]")) + good.substr(good.find("# Negative controls"));
  only = only.substr(0, only.find("[mortality]")) + only.substr(only.find("# The diagnostics gate"));
  EXPECT_NE(with(only).find("every [[outcome]] is a negative control"), std::string::npos) << with(only);
}

// The old spelling std_caliper is accepted with a warning that says what to write instead.
TEST(Studies, OldCaliperSpellingIsAcceptedWithAWarning) {
  testing::TempDir dir;
  const std::string good = testing::read_file(kStudies + "/prado_heart_failure.toml");
  testing::write_file(dir.file("s.toml"), testing::replace_once(good, "caliper = 0.2", "caliper = 0.2\nstd_caliper = false"));
  const StudySpec s = load_study(dir.file("s.toml"));
  EXPECT_EQ(s.design.matching.caliper_scale, CaliperScale::DistanceUnits);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("write caliper_scale = \"distance\""), std::string::npos) << s.warnings[0];
}

}  // namespace
}  // namespace impactsim
