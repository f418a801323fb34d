#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "data/generator/generate.hpp"
#include "engine/error.hpp"
#include "engine/hdf5_table.hpp"
#include "engine/parallel.hpp"
#include "test_util.hpp"

namespace impactsim::generator {
namespace {

GenerateSummary run(const std::string& programme, int64_t n, int years, const std::string& dir,
                    const std::string& name = "cohort") {
  GenerateOptions o;
  o.programme = programme;
  o.patients = n;
  o.years = years;
  o.seed = 20261122;
  GenerateOutput out;
  out.hdf5 = dir + "/" + name + ".h5";
  out.truth = dir + "/" + name + ".json";
  out.block_patients = 512;
  return generate_cohort(o, out);
}

double mean_of(const Column& c) {
  double s = 0;
  for (size_t i = 0; i < c.size(); ++i) s += c.numeric_value(i);
  return s / static_cast<double>(c.size());
}

TEST(Generator, SameSeedSameBytesWhateverTheThreadCount) {
  testing::TempDir dir;
  const int before = thread_count();
  set_thread_count(1);
  run("diabetes", 3000, 4, dir.path().string(), "one");
  set_thread_count(3);
  run("diabetes", 3000, 4, dir.path().string(), "three");
  set_thread_count(before);
  EXPECT_EQ(testing::read_file(dir.file("one.h5")), testing::read_file(dir.file("three.h5")));
  EXPECT_EQ(testing::read_file(dir.file("one.json")), testing::read_file(dir.file("three.json")));
}

TEST(Generator, APatientsRecordsDoNotDependOnN) {
  testing::TempDir dir;
  run("diabetes", 700, 3, dir.path().string(), "small");
  run("diabetes", 2000, 3, dir.path().string(), "large");
  const Table ps = read_hdf5(dir.file("small.h5"), "patients"), pl = read_hdf5(dir.file("large.h5"), "patients");
  std::vector<size_t> first(700);
  for (size_t i = 0; i < first.size(); ++i) first[i] = i;
  Table head = pl.gather(first);
  head.metadata() = ps.metadata();
  EXPECT_EQ(head, ps);
  const Table ys = read_hdf5(dir.file("small.h5"), "yearly"), yl = read_hdf5(dir.file("large.h5"), "yearly");
  std::vector<size_t> rows(ys.num_rows());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  Table yhead = yl.gather(rows);
  yhead.metadata() = ys.metadata();
  EXPECT_EQ(yhead, ys);
  EXPECT_GT(yl.column("id").i64()[ys.num_rows()], 700);
}

// DESIGN.md's baseline figures, on 200,000 patients; tolerances are a few
// standard errors plus the spread of the published figures.
TEST(Generator, DiabetesMarginalsMatchThePublishedFigures) {
  testing::TempDir dir;
  run("diabetes", 200'000, 2, dir.path().string());
  const Table p = read_hdf5(dir.file("cohort.h5"), "patients");
  const Table y = read_hdf5(dir.file("cohort.h5"), "yearly");
  double male = 0;
  for (int32_t c : p.column("sex").codes()) male += c == 1;
  EXPECT_NEAR(male / static_cast<double>(p.num_rows()), 0.54, 0.01);
  EXPECT_NEAR(mean_of(p.column("age")), 65.0, 0.5);
  EXPECT_NEAR(mean_of(p.column("fundus_2y")), 0.62, 0.02);
  EXPECT_NEAR(mean_of(p.column("dental")), 0.36, 0.02);
  EXPECT_NEAR(mean_of(p.column("albuminuria")), 0.30, 0.02);
  EXPECT_NEAR(mean_of(p.column("creatinine")), 0.84, 0.02);
  EXPECT_NEAR(mean_of(p.column("enrolled")), 0.25, 0.02);  // 23-27% of those invited
  double hospitalised = 0;
  for (int64_t s : p.column("hosp_stays").i64()) hospitalised += s > 0;
  EXPECT_NEAR(hospitalised / static_cast<double>(p.num_rows()), 0.31, 0.02);
  const double amb = mean_of(p.column("spend_ambulatory")), hosp = mean_of(p.column("spend_hospital")),
               drugs = mean_of(p.column("spend_drugs"));
  EXPECT_NEAR(amb + hosp + drugs, 6700.0, 300.0);
  EXPECT_NEAR(hosp / (amb + hosp + drugs), 0.42, 0.03);
  // Deaths in year 1 among everyone: 3-3.6% a year.
  double deaths = 0, year1 = 0;
  const auto year = y.column("year").i64();
  const auto death = y.column("death").b8();
  for (size_t i = 0; i < y.num_rows(); ++i) {
    if (year[i] == 1) {
      ++year1;
      deaths += death[i];
    }
  }
  EXPECT_EQ(year1, 200'000);
  EXPECT_GE(deaths / year1, 0.030);
  EXPECT_LE(deaths / year1, 0.036);
  // Healthy-adherer selection: members were better followed at baseline.
  double fm = 0, fn = 0, nm = 0;
  const auto enrolled = p.column("enrolled").b8();
  const auto fundus = p.column("fundus_2y").b8();
  for (size_t i = 0; i < p.num_rows(); ++i) {
    (enrolled[i] ? fm : fn) += fundus[i];
    nm += enrolled[i];
  }
  EXPECT_GT(fm / nm - fn / (static_cast<double>(p.num_rows()) - nm), 0.05);
}

TEST(Generator, TruthHoldsTheEffectsOnMembersAndTheParameters) {
  testing::TempDir dir;
  run("diabetes", 20'000, 8, dir.path().string());
  const auto truth = nlohmann::json::parse(testing::read_file(dir.file("cohort.json")));
  EXPECT_EQ(truth["programme"], "diabetes");
  EXPECT_EQ(truth["patients"], 20000);
  EXPECT_DOUBLE_EQ(truth["true_parameters"]["death_odds_ratio"]["by_year"][6].get<double>(), 0.71);
  EXPECT_DOUBLE_EQ(truth["true_parameters"]["death_odds_ratio"]["by_year"][7].get<double>(), 0.83);
  const auto& out = truth["effects_on_members"]["outcomes"];
  for (const char* name : {"fundus_2y", "renal_check", "dental"}) {
    const double rd = out[name]["by_year"][0]["risk_difference"].get<double>();
    EXPECT_GT(rd, 0.0) << name;  // a few points
    EXPECT_LT(rd, 0.08) << name;
  }
  EXPECT_LT(out["hosp_days"]["by_year"][0]["rate_ratio"].get<double>(), 1.0);
  EXPECT_LT(out["death"]["by_year"][7]["odds_ratio"].get<double>(), 1.0);
  EXPECT_EQ(truth["parameters"]["mortality"]["intercept"]["source"].get<std::string>().substr(0, 10), "calibrated");
}

TEST(Generator, AsthmaAndHeartFailureCohorts) {
  testing::TempDir dir;
  run("asthma", 5000, 3, dir.path().string(), "asthma");
  run("heart-failure", 5000, 3, dir.path().string(), "hf");
  const Table a = read_hdf5(dir.file("asthma.h5"), "yearly");
  for (double v : a.column("pdc").f64()) {
    ASSERT_GE(v, 0.0);
    ASSERT_LE(v, 1.0);
  }
  const auto at = nlohmann::json::parse(testing::read_file(dir.file("asthma.json")));
  EXPECT_DOUBLE_EQ(at["effects_on_members"]["outcomes"]["exacerbations"]["by_year"][0]["rate_ratio"].get<double>(), 1.0);
  EXPECT_NEAR(at["effects_on_members"]["outcomes"]["spend_total"]["by_year"][0]["difference"].get<double>(), 65.0, 40.0);
  const Table h = read_hdf5(dir.file("hf.h5"), "patients");
  EXPECT_TRUE(h.has_column("nurse_15d"));
  const auto ht = nlohmann::json::parse(testing::read_file(dir.file("hf.json")));
  EXPECT_GT(ht["effects_on_members"]["outcomes"]["nurse_15d"]["by_year"][0]["risk_difference"].get<double>(), 0.1);
}

TEST(Generator, BadInputIsReportedAndNothingIsWritten) {
  testing::TempDir dir;
  const std::string d = dir.path().string();
  EXPECT_NE(testing::error_of([&] { run("diabetis", 10, 2, d); }).find("did you mean \"diabetes\""), std::string::npos);
  EXPECT_NE(testing::error_of([&] { run("diabetes", 0, 2, d); }).find("--patients must be at least 1"), std::string::npos);
  EXPECT_NE(testing::error_of([&] { run("diabetes", 10, 0, d); }).find("--years"), std::string::npos);

  std::string params = testing::read_file(std::string(IMPACTSIM_DATA_DIR) + "/diabetes.toml");
  auto with = [&](const std::string& from, const std::string& to) {
    testing::write_file(dir.file("p.toml"), testing::replace_once(params, from, to));
    GenerateOptions o;
    o.patients = 10;
    o.parameters = dir.file("p.toml");
    GenerateOutput out;
    out.hdf5 = dir.file("x.h5");
    return testing::error_of([&] { generate_cohort(o, out); });
  };
  EXPECT_NE(with("age_sd =", "age_sdd = { value = 1.0, source = \"typo\" }\nage_sd =").find("p.toml:17: unknown key \"population.age_sdd\"; did you mean \"age_sd\"?"),
            std::string::npos);
  EXPECT_NE(with("source = \"DESIGN.md: mean age ~65\"", "source = \"\"").find("needs its source"), std::string::npos);
  EXPECT_NE(with("male = { value = 0.54", "male = { value = 1.54").find("must lie in [0, 1]"), std::string::npos);
  EXPECT_NE(with("programme = \"diabetes\"", "programme = \"asthma\"").find("parameters of the \"asthma\" programme"),
            std::string::npos);
  EXPECT_NE(with("\"974\"]", "\"975\"]").find("\"975\" is not a department code"), std::string::npos);
  EXPECT_EQ(dir.entries(), 1u);  // p.toml only: no cohort, no truth
}

TEST(Generator, SchemaDocumentHoldsTheDataDictionary) {
  const std::string schema = testing::read_file(std::string(IMPACTSIM_DATA_DIR) + "/SCHEMA.md");
  EXPECT_NE(schema.find(data_dictionary_markdown()), std::string::npos)
      << "data/SCHEMA.md is out of date: regenerate its tables with impactsim generate --dictionary";
}

}  // namespace
}  // namespace impactsim::generator
