// End-to-end tests of the impactsim program: exit codes, one-line errors and
// no output left behind on bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/csv.hpp"
#include "engine/hdf5_table.hpp"
#include "test_util.hpp"

namespace impactsim {
namespace {

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr together
};

Result run(const std::string& args) {
  const std::string cmd = std::string(IMPACTSIM_BIN) + " " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

const std::string kSample = std::string(IMPACTSIM_SAMPLES) + "/cohort_sample.csv";

size_t line_count(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// A bad input: exit status 2, one line on stderr naming the problem.
void expect_input_error(const Result& r, const std::string& fragment) {
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_EQ(line_count(r.output), 1u) << r.output;
  EXPECT_NE(r.output.find("impactsim: error: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(fragment), std::string::npos) << r.output;
}

TEST(Cli, VersionAndHelp) {
  Result r = run("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.output.rfind("impactsim ", 0), 0u) << r.output;
  for (const char* sub : {"", "describe", "convert", "design", "glm", "generate", "match", "balance", "run", "simulate", "cox", "km"}) {
    r = run(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << sub << r.output;
  }
}

TEST(Cli, DescribeCsvAndHdf5) {
  testing::TempDir dir;
  Result r = run("describe " + kSample);
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("400 rows, 13 columns"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("department"), std::string::npos);
  EXPECT_NE(r.output.find("7 levels"), std::string::npos);
  EXPECT_NE(r.output.find("min "), std::string::npos);
  r = run("convert " + kSample + " " + dir.file("c.h5"));
  ASSERT_EQ(r.code, 0) << r.output;
  r = run("describe " + dir.file("c.h5"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("[cohort_sample]: 400 rows, 13 columns"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("creator = impactsim"), std::string::npos) << r.output;
}

TEST(Cli, ConvertRoundTripAndFrenchCsv) {
  testing::TempDir dir;
  ASSERT_EQ(run("convert " + kSample + " " + dir.file("c.h5") + " --compression none").code, 0);
  ASSERT_EQ(run("convert " + dir.file("c.h5") + " " + dir.file("back.csv")).code, 0);
  EXPECT_EQ(read_csv(dir.file("back.csv")), read_csv(kSample));
  ASSERT_EQ(run("--threads 1 convert " + kSample + " " + dir.file("fr.csv") + " --out-delimiter ';' --out-decimal ,").code, 0);
  const std::string fr = testing::read_file(dir.file("fr.csv"));
  EXPECT_NE(fr.find("52,5"), std::string::npos);
  Result r = run("convert " + dir.file("fr.csv") + " " + dir.file("fr.h5") + " --decimal ,");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(read_hdf5(dir.file("fr.h5")), read_csv(kSample));
}

TEST(Cli, DesignPrintsAndWritesTheMatrix) {
  testing::TempDir dir;
  Result r = run("design --data " + kSample +
                 " --formula 'enrolled ~ age + sex + department + log(spending)' --reference department=75 --out " +
                 dir.file("x.csv"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("396 rows used, 4 dropped"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("department13"), std::string::npos) << r.output;
  const Table x = read_csv(dir.file("x.csv"));
  EXPECT_TRUE(x.has_column("log(spending)"));
  EXPECT_EQ(x.num_rows(), 396u);
}

TEST(Cli, GlmPrintsASummaryAndWritesJson) {
  testing::TempDir dir;
  const std::string fixtures = std::string(IMPACTSIM_SAMPLES) + "/../../tests/fixtures/glm/data.csv";
  Result r = run("glm --data " + fixtures + " --formula 'yb ~ x1 + x2 + f' --family binomial --cluster g --json " +
                 dir.file("fit.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("cluster-robust, 60 clusters"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Residual deviance: 616.34  on 595  degrees of freedom"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("exp(Est.)"), std::string::npos);
  const std::string json = testing::read_file(dir.file("fit.json"));
  EXPECT_NE(json.find("\"vcov\": \"CL\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"term\": \"fb\""), std::string::npos) << json;
  r = run("glm --data " + fixtures + " --formula 'ynb ~ x1 + f' --family negbin --profile-ci");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Theta:  1.1113"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("profile-likelihood intervals"), std::string::npos) << r.output;
}

TEST(Cli, GlmCategoricalResponse) {
  testing::TempDir dir;
  testing::write_file(dir.file("f.csv"), "out,x\nno,1\nyes,2\nno,3\nyes,5\nno,2\nyes,4\nno,1\n");
  const Result r = run("glm --data " + dir.file("f.csv") + " --formula 'out ~ x' --family binomial");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Response levels: \"no\" = 0, \"yes\" = 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1.43036"), std::string::npos) << r.output;  // R: glm(out ~ x, binomial) gives x = 1.4303643
  expect_input_error(run("glm --data " + dir.file("f.csv") + " --formula 'out ~ x' --family poisson"),
                     "only the binomial family accepts a categorical response");
}

TEST(Cli, GlmBadInput) {
  testing::TempDir dir;
  testing::write_file(dir.file("neg.csv"), "y,x\n1,1\n-2,2\n3,3\n");
  expect_input_error(run("glm --data " + dir.file("neg.csv") + " --formula 'y ~ x' --family poisson"),
                     "negative count -2 at model row 2");
  expect_input_error(run("glm --data " + dir.file("neg.csv") + " --formula 'y ~ x' --family poison"),
                     "--family \"poison\"");
  expect_input_error(run("glm --data " + kSample + " --formula 'hba1c_tests ~ age' --family binomial"),
                     "binomial response must lie in [0, 1]");
  expect_input_error(run("glm --data " + kSample + " --formula 'spending ~ age' --family Gamma --link logit"),
                     "link \"logit\" is not available for the Gamma family");
  expect_input_error(run("glm --data " + kSample + " --formula 'enrolled ~ age' --family binomial --vcov CL"),
                     "--vcov CL needs --cluster");
  testing::write_file(dir.file("const.csv"), "y,x\n1,1\n1,2\n1,3\n");
  expect_input_error(run("glm --data " + dir.file("const.csv") + " --formula 'y ~ x'"), "is constant");
  // A failed fit leaves no JSON behind.
  EXPECT_EQ(run("glm --data " + dir.file("neg.csv") + " --formula 'y ~ x' --family poisson --json " + dir.file("o.json")).code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.file("o.json")));
}

TEST(Cli, BadInputGivesOneLineAndExitTwo) {
  testing::TempDir dir;
  const auto ragged = dir.file("ragged.csv");
  testing::write_file(ragged, "id,x\n1,2\n3\n");
  const auto notnum = dir.file("notnum.csv");
  testing::write_file(notnum, "id,x\n1,2\n2,abc\n");
  const auto not_h5 = dir.file("fake.h5");
  testing::write_file(not_h5, "just text\n");

  expect_input_error(run("describe " + dir.file("absent.csv")), "absent.csv: no such file");
  expect_input_error(run("describe " + ragged), "ragged.csv:3:1: row has 1 fields but the header has 2");
  expect_input_error(run("describe " + notnum + " --type x=float64"),
                     "notnum.csv:3:3: column \"x\": cannot read \"abc\" as a number");
  expect_input_error(run("describe " + not_h5), "fake.h5: not an HDF5 file");
  expect_input_error(run("describe " + kSample + " --type x=float64"), "type given for unknown column \"x\"");
  expect_input_error(run("design --data " + kSample + " --formula 'enrolled ~ agee'"),
                     "unknown column \"agee\"; did you mean \"age\"?");
  expect_input_error(run("design --data " + kSample + " --formula 'enrolled ~ age + lg(spending)'"),
                     "position 18: unknown function lg()");
  expect_input_error(run("design --data " + kSample + " --formula 'enrolled ~ (age + sex'"),
                     "position 12: unbalanced parentheses");

  // Truncated HDF5 file.
  ASSERT_EQ(run("convert " + kSample + " " + dir.file("full.h5")).code, 0);
  const std::string bytes = testing::read_file(dir.file("full.h5"));
  testing::write_file(dir.file("cut.h5"), bytes.substr(0, bytes.size() / 3));
  const Result cut = run("describe " + dir.file("cut.h5"));
  EXPECT_EQ(cut.code, 2) << cut.output;
  EXPECT_EQ(line_count(cut.output), 1u) << cut.output;
  EXPECT_NE(cut.output.find("cut.h5: "), std::string::npos) << cut.output;

  // Option errors from the command-line parser also exit with 2.
  EXPECT_EQ(run("describe").code, 2);
  EXPECT_EQ(run("convert " + kSample + " " + dir.file("o.h5") + " --compression lzma").code, 2);
  EXPECT_EQ(run("frobnicate").code, 2);
}

TEST(Cli, FailedConversionLeavesNoOutput) {
  testing::TempDir dir;
  testing::write_file(dir.file("bad.csv"), "id,x\n1,2\n3,4,5\n");
  const size_t before = dir.entries();
  EXPECT_EQ(run("convert " + dir.file("bad.csv") + " " + dir.file("out.h5")).code, 2);
  EXPECT_EQ(run("convert " + dir.file("bad.csv") + " " + dir.file("out.csv")).code, 2);
  EXPECT_EQ(run("convert " + kSample + " " + dir.file("out.parquet")).code, 2);
  EXPECT_EQ(dir.entries(), before);
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.h5")));
}

}  // namespace
TEST(Cli, GenerateWritesTheCohortTruthAndCsv) {
  testing::TempDir dir;
  Result r = run("generate --programme diabetes --patients 300 --years 3 --seed 7 --out " + dir.file("c.h5") +
                 " --csv " + dir.file("csv"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("300 patients"), std::string::npos) << r.output;
  for (const char* f : {"c.h5", "truth.json", "csv/patients.csv", "csv/yearly.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.file(f))) << f;
  }
  r = run("describe " + dir.file("c.h5") + " --table yearly");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("spend_total"), std::string::npos) << r.output;
  // A member's potential outcomes in truth.json; then bad input.
  EXPECT_NE(testing::read_file(dir.file("truth.json")).find("\"effects_on_members\""), std::string::npos);
  testing::TempDir bad;
  expect_input_error(run("generate --programme asthmaa --out " + bad.file("c.h5")), "did you mean \"asthma\"");
  expect_input_error(run("generate --patients 0 --out " + bad.file("c.h5")), "--patients must be at least 1");
  expect_input_error(run("generate --patients 10 --out " + bad.file("c.csv")), "must end in .h5");
  EXPECT_EQ(bad.entries(), 0u);
}

TEST(Cli, DiabetesSampleIsWhatTheGeneratorWrites) {
  testing::TempDir dir;
  const Result r = run("generate --programme diabetes --patients 10000 --years 8 --seed 1 --out " + dir.file("c.h5") +
                       " --csv " + dir.file("csv"));
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string sample = std::string(IMPACTSIM_SAMPLES) + "/diabetes/";
  for (const char* f : {"patients.csv", "yearly.csv"}) {
    EXPECT_TRUE(testing::read_file(sample + f) == testing::read_file(dir.file(std::string("csv/") + f)))
        << f << " differs: regenerate data/samples/diabetes (README, \"Synthetic cohorts\")";
  }
}

TEST(Cli, MatchWritesTheMatchedCohortAndBalanceRecomputesIt) {
  testing::TempDir dir;
  const std::string patients = std::string(IMPACTSIM_SAMPLES) + "/diabetes/patients.csv";
  const std::string formula = "enrolled ~ sex + age + deprivation + fundus_2y + renal_check + dental + hba1c_tests";
  Result r = run("match --data " + patients + " --formula \"" + formula + "\" --caliper 0.2 --ratio 2 --exact sex" +
                 " --out " + dir.file("m.h5") + " --json " + dir.file("m.json") + " --match-matrix " + dir.file("mm.csv"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(testing::read_file(dir.file("mm.csv")).rfind("treated_row,treated_id,control_row_1,control_id_1,control_row_2", 0), 0u);
  EXPECT_NE(r.output.find("Summary of Balance for Matched Data"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Matched (ESS)"), std::string::npos) << r.output;
  EXPECT_NE(testing::read_file(dir.file("m.json")).find("\"matched_treated\""), std::string::npos);
  r = run("describe " + dir.file("m.h5"));
  EXPECT_NE(r.output.find("subclass"), std::string::npos) << r.output;
  r = run("balance --data " + dir.file("m.h5") + " --formula \"" + formula + "\" --exact sex");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Summary of Balance for Matched Data"), std::string::npos) << r.output;
}

// One spelling of the caliper's scale (--caliper-scale, as a study file's
// caliper_scale); the old --raw-caliper still works, with a warning saying
// what to write instead.
TEST(Cli, MatchCaliperScaleHasOneSpelling) {
  testing::TempDir dir;
  const std::string patients = std::string(IMPACTSIM_SAMPLES) + "/diabetes/patients.csv";
  const std::string base = "match --data " + patients + " --formula \"enrolled ~ age + sex\" --caliper 0.01";
  Result r = run(base + " --caliper-scale distance --out " + dir.file("a.h5") + " --json " + dir.file("a.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("caliper 0.01 in the distance's units"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("SD of the distance"), std::string::npos) << r.output;
  r = run(base + " --raw-caliper --out " + dir.file("b.h5") + " --json " + dir.file("b.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("warning: --raw-caliper is the old spelling of the caliper's scale; write --caliper-scale distance"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(testing::read_file(dir.file("a.json")) == testing::read_file(dir.file("b.json")));
  r = run(base + " --out " + dir.file("c.h5"));
  EXPECT_NE(r.output.find("caliper 0.01 SD of the distance ("), std::string::npos) << r.output;
}

TEST(Cli, MatchRejectsBadInputAndWritesNothing) {
  testing::TempDir dir;
  const std::string patients = std::string(IMPACTSIM_SAMPLES) + "/diabetes/patients.csv";
  const std::string out = " --out " + dir.file("m.h5");
  expect_input_error(run("match --data " + patients + " --formula \"age ~ sex\"" + out), "must be 0/1");
  expect_input_error(run("match --data " + patients + " --formula \"enrolled ~ sexx\"" + out), "did you mean \"sex\"");
  expect_input_error(run("match --data " + patients + " --formula \"enrolled ~ age\" --order biggest" + out),
                     "--order: \"biggest\" is not largest");
  expect_input_error(run("match --data " + patients + " --formula \"enrolled ~ age\" --discard all" + out),
                     "--discard: \"all\" is not none");
  expect_input_error(run("match --data " + patients + " --formula \"enrolled ~ age\" --caliper 0.1 --caliper-scale raw" + out),
                     "--caliper-scale: \"raw\" is not sd");
  expect_input_error(run("match --data " + patients + " --formula \"enrolled ~ age\" --caliper -1" + out),
                     "--caliper: the caliper must be positive");
  expect_input_error(run("match --data " + patients + " --formula \"enrolled ~ age\" --trim-lower 0.6 --trim-upper 0.4" + out),
                     "--trim-upper: the upper bound must exceed the lower one");
  expect_input_error(run("match --data " + patients + " --formula \"enrolled ~ age\" --ratio 0" + out), "ratio");
  expect_input_error(run("match --data " + patients + " --formula \"enrolled ~ age\" --exact nosuch" + out),
                     "no column \"nosuch\"");
  EXPECT_EQ(dir.entries(), 0u);
}

TEST(Cli, RunWritesTheReportsAndRejectsABadStudyFile) {
  testing::TempDir dir;
  const std::string studies = std::string(IMPACTSIM_SAMPLES) + "/../../studies/";
  Result r = run("run " + studies + "prado_heart_failure.toml --patients 3000 --out " + dir.file("out"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("[6/6"), std::string::npos) << r.output;
  for (const char* f : {"out/report.html", "out/report.md", "out/results.json", "out/matched.h5"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.file(f))) << f;
  }
  const std::string html = testing::read_file(dir.file("out/report.html"));
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // self-contained: no other address
  testing::write_file(dir.file("bad.toml"), "[study]\nname = \"x\"\nseeed = 1\n[data]\nfile = \"c.h5\"\n[design]\nformula = \"t ~ x\"\n[mortality]\ncovariates = \"x\"\n");
  expect_input_error(run("run " + dir.file("bad.toml") + " --out " + dir.file("bad")), "bad.toml:3: unknown key \"study.seeed\"");
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad")));
}

TEST(Cli, MicrosimFitAndSimulate) {
  testing::TempDir dir;
  Result r = run("generate --patients 3000 --years 3 --out " + dir.file("c.h5"));
  ASSERT_EQ(r.code, 0) << r.output;
  r = run("microsim fit --data " + dir.file("c.h5") + " --out " + dir.file("model.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  testing::write_file(dir.file("s.toml"),
                      "[simulation]\nname = \"t\"\nmodel = \"model.json\"\nhorizon = 3\npsa_draws = 3\n"
                      "[population]\nfile = \"c.h5\"\n"
                      "[[scenario]]\nname = \"status quo\"\n"
                      "[[scenario]]\nname = \"targeted\"\neligible = \"dental == false and age >= 50\"\ntake_up = 0.3\ncost_per_member = 60\n");
  r = run("simulate " + dir.file("s.toml") + " --out " + dir.file("out"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("[4/4"), std::string::npos) << r.output;
  EXPECT_NE(testing::read_file(dir.file("out/results.json")).find("\"net_cost_per_death_avoided\""), std::string::npos);
  EXPECT_NE(testing::read_file(dir.file("out/report.html")).find("<svg"), std::string::npos);
  testing::write_file(dir.file("bad.toml"), "[simulation]\nname = \"t\"\nhorizon = 0\n[population]\nfile = \"c.h5\"\n[[scenario]]\nname = \"a\"\n");
  expect_input_error(run("simulate " + dir.file("bad.toml") + " --out " + dir.file("bad")), "bad.toml:3: key \"simulation.horizon\"");
}

TEST(Cli, CoxAndKaplanMeierWriteTheirJsonAndRejectBadInput) {
  testing::TempDir dir;
  const std::string data = std::string(IMPACTSIM_SAMPLES) + "/../../tests/fixtures/survival/data.csv";
  Result r = run("cox --data " + data + " --formula \"Surv(time, status) ~ x1 + f + strata(s)\" --cluster g --zph km --json " +
                 dir.file("cox.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("robust variance over 80 clusters"), std::string::npos) << r.output;
  const nlohmann::json j = nlohmann::json::parse(testing::read_file(dir.file("cox.json")));
  ASSERT_EQ(j["coefficients"].size(), 3u);
  ASSERT_TRUE(j.contains("proportional_hazards"));
  EXPECT_EQ(j["proportional_hazards"]["tests"].back()["term"], "GLOBAL");
  for (const char* key : {"term", "estimate", "std_error", "robust_std_error", "exp_estimate", "exp_lower", "exp_upper"}) {
    EXPECT_TRUE(j["coefficients"][0].contains(key)) << key;
  }
  EXPECT_EQ(j["strata"].size(), 2u);
  EXPECT_TRUE(j.contains("likelihood_ratio_test") && j.contains("wald_test") && j.contains("score_test"));
  r = run("km --data " + data + " --formula \"Surv(time, status) ~ grp\" --times 1,5 --rmst 6 --json " + dir.file("km.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  const nlohmann::json k = nlohmann::json::parse(testing::read_file(dir.file("km.json")));
  ASSERT_EQ(k["strata"].size(), 2u);
  for (const char* key : {"surv", "std_error", "lower", "upper"}) EXPECT_TRUE(k["strata"][0]["at"][1].contains(key)) << key;
  EXPECT_NEAR(k["strata"][0]["restricted_mean"]["estimate"].get<double>(), 4.72584681003387, 1e-6);  // survfit's rmean (control, tau 6)
  const std::string out = " --json " + dir.file("bad.json");
  expect_input_error(run("cox --data " + data + " --formula \"time ~ x1\"" + out), "write it as \"Surv(time, status) ~ covariates\"");
  expect_input_error(run("cox --data " + data + " --formula \"Surv(time, x2) ~ x1\"" + out), "use 0/1, TRUE/FALSE or 1/2");
  expect_input_error(run("cox --data " + data + " --formula \"Surv(tme, status) ~ x1\"" + out), "no column \"tme\"");
  expect_input_error(run("cox --data " + data + " --formula \"Surv(time, status) ~ x1\" --ties exact" + out), "--ties");
  expect_input_error(run("cox --data " + data + " --formula \"Surv(time, status) ~ x1\" --zph hazard" + out), "use km, identity, log or rank");
  expect_input_error(run("km --data " + data + " --formula \"Surv(time, status) ~ grp\" --times 1,soon" + out), "--times");
  expect_input_error(run("km --data " + data + " --formula \"Surv(time, status) ~ grp\" --times 1 --rmst -2" + out), "--rmst");
  EXPECT_FALSE(std::filesystem::exists(dir.file("bad.json")));
}

}  // namespace impactsim
