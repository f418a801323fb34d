// What a study's report says, and the small-cell rule on a tiny run, read
// from the reports a reader gets.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/report/small_cells.hpp"
#include "models/sensitivity/multiplicity.hpp"
#include "studies/impact/study.hpp"
#include "studies/impact/study_results.hpp"
#include "test_util.hpp"

namespace impactsim {
namespace {

const std::string kStudies = std::string(IMPACTSIM_STUDIES);

struct MdTable {
  std::string section;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  size_t p = 1;
  while (p < line.size()) {
    const size_t q = line.find(" |", p);
    if (q == std::string::npos) break;
    cells.push_back(line.substr(p + 1, q - p - 1));
    p = q + 2;
  }
  return cells;
}

std::vector<MdTable> tables_of(const std::string& md) {
  std::vector<MdTable> out;
  std::istringstream in(md);
  std::string line, section;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) section = line;
    if (line.rfind("|", 0) != 0) {
      in_table = false;
      continue;
    }
    if (line.find("| --- |") == 0) continue;
    if (!in_table) {
      out.push_back({section, cells_of(line), {}});
      in_table = true;
    } else {
      out.back().rows.push_back(cells_of(line));
    }
  }
  return out;
}

bool shown(const std::string& cell) { return cell != std::string(kSmallCountText) && cell != std::string(kMaskedText); }
double number_of(const std::string& cell) { return std::stod(cell.substr(0, cell.find(' '))); }

std::string run_tiny(const std::string& study, int64_t patients, const std::string& dir, const std::string& change_from = "",
                     const std::string& change_to = "") {
  std::string path = kStudies + "/" + study + ".toml";
  if (!change_from.empty()) {
    testing::write_file(dir + "/s.toml", testing::replace_once(testing::read_file(path), change_from, change_to));
    path = dir + "/s.toml";
  }
  StudySpec spec = load_study(path);
  spec.reduce_to(patients);
  StudyRunOptions o;
  o.out_dir = dir + "/out";
  o.write_matched = false;
  std::ostringstream progress;
  run_study(spec, o, progress);
  return testing::read_file(dir + "/out/report.md");
}

// Every table of a 200-patient report: no count of 1 to 9 shown, none
// derivable as a total minus its parts, as a proportion times its
// denominator, or as the difference of two years' patients.
TEST(StudyReport, NoCountOfOneToNineCanBeReadOrDerivedOnATinyRun) {
  testing::TempDir dir;
  const std::string md = run_tiny("prado_heart_failure", 200, dir.path().string());
  const std::vector<MdTable> tables = tables_of(md);
  ASSERT_GE(tables.size(), 9u);
  size_t masked = 0, checked = 0;
  for (const MdTable& t : tables) {
    SCOPED_TRACE(t.section);
    if (t.header.size() > 1 && t.header[1] == "control") {  // sample sizes: All = Matched + Unmatched + Discarded
      for (size_t c : {1, 2}) {
        double parts = 0;
        int hidden = 0;
        for (size_t r : {1, 3, 4}) {
          if (shown(t.rows[r][c])) parts += number_of(t.rows[r][c]);
          else ++hidden;
        }
        for (size_t r : {0, 1, 3, 4}) {
          if (shown(t.rows[r][c])) EXPECT_FALSE(is_small_count(number_of(t.rows[r][c]))) << t.rows[r][0];
          else ++masked;
        }
        if (shown(t.rows[0][c]) && hidden > 0) {
          EXPECT_FALSE(is_small_count(number_of(t.rows[0][c]) - parts));
        }
        if (!shown(t.rows[1][c])) {
          EXPECT_FALSE(shown(t.rows[2][c])) << "the ESS shows the matched count";
        }
        ++checked;
      }
      continue;
    }
    if (t.header.size() < 3 || t.header[1] != "members") continue;
    for (size_t c : {1, 2}) {
      for (size_t a = 0; a < t.rows.size(); ++a) {
        if (!shown(t.rows[a][c])) {
          ++masked;
          continue;
        }
        const double n = number_of(t.rows[a][c]);
        EXPECT_FALSE(is_small_count(n));
        for (size_t b = a + 1; b < t.rows.size(); ++b) {
          if (shown(t.rows[b][c])) {
            EXPECT_FALSE(is_small_count(n - number_of(t.rows[b][c]))) << "years " << a << ", " << b;
          }
        }
        const std::string& value = t.rows[a][c + 2];
        if (t.header[c + 2].find("proportion") != std::string::npos || t.header[c + 2].find("risk") != std::string::npos) {
          if (!shown(value)) continue;
          const double p = number_of(value);
          const double decimals = static_cast<double>(value.find(' ') - value.find('.') - 1);
          const double slack = 0.5 * std::pow(10.0, -decimals) * n;
          for (double events : {p * n, (1 - p) * n}) {
            EXPECT_FALSE(events - slack >= 1 && events + slack < 10) << value << " of " << n;
          }
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(masked, 5u);  // the tiny run has small cells to mask
  EXPECT_GT(checked, 2u);
}

// What a reader must know: the data are synthetic, the run was reduced, what
// the standard errors are clustered on, which estimate an interval belongs to.
TEST(StudyReport, SaysWhereTheDataCameFromAndWhatTheIntervalsBelongTo) {
  testing::TempDir dir;
  const std::string md = run_tiny("prado_heart_failure", 3000, dir.path().string());
  EXPECT_LT(md.find("## Summary"), md.find("| "));  // the summary before any table
  EXPECT_NE(md.find("The data are synthetic"), std::string::npos);
  EXPECT_NE(md.find("Reduced run: 3000 patients instead of the study file's 200000"), std::string::npos);
  EXPECT_NE(md.find("clustered on matched sets"), std::string::npos);
  EXPECT_NE(md.find("each after the estimate it belongs to"), std::string::npos);
  const std::string html = testing::read_file(dir.file("out/report.html"));
  EXPECT_NE(html.find("The data are synthetic"), std::string::npos);
  EXPECT_EQ(html.find("<!DOCTYPE html>"), html.rfind("<!DOCTYPE html>"));
}

// Death as time to event beside the odds ratios: Kaplan-Meier survival at
// each year's end by group (1:1 matching without replacement, no censoring
// within a year: the product of the years' 1 - deaths / alive), and hazard
// ratios overall and by year with cluster-robust intervals.
TEST(StudyReport, DeathIsAlsoATimeToEventWithSurvivalCurvesAndHazardRatios) {
  testing::TempDir dir;
  const std::string md = run_tiny("prado_heart_failure", 3000, dir.path().string());
  EXPECT_NE(md.find("### Death as time to event"), std::string::npos);
  EXPECT_NE(md.find("hazard ratio of enrolment"), std::string::npos);
  const StudyResults r = read_study_results(dir.file("out/results.json"));
  ASSERT_TRUE(r.survival.has_value());
  const SurvivalResults& s = *r.survival;
  ASSERT_EQ(s.by_year.size(), 3u);
  for (int g : {0, 1}) {
    ASSERT_EQ(s.km[g].size(), 3u);
    double surv = 1;
    for (size_t k = 0; k < 3; ++k) {
      const YearHazard& h = s.by_year[k];
      surv *= 1 - h.events[g] / static_cast<double>(h.patients[g]);
      EXPECT_NEAR(s.km[g][k].surv, surv, 1e-12) << "group " << g << " year " << k + 1;
      EXPECT_LT(s.km[g][k].lower, s.km[g][k].surv);
      EXPECT_GT(s.km[g][k].upper, s.km[g][k].surv);
      if (k + 1 < 3) {
        EXPECT_EQ(s.by_year[k + 1].patients[g], h.patients[g] - static_cast<size_t>(h.events[g]));
      }
    }
    EXPECT_EQ(s.overall.events[g], s.by_year[0].events[g] + s.by_year[1].events[g] + s.by_year[2].events[g]);
  }
  for (const YearHazard* h : {&s.overall, &s.by_year[0], &s.by_year[2]}) {
    EXPECT_GT(h->hazard_ratio.estimate, 0);
    EXPECT_LT(h->hazard_ratio.lower, h->hazard_ratio.estimate);
    EXPECT_GT(h->hazard_ratio.upper, h->hazard_ratio.estimate);
    EXPECT_GT(h->clusters, 100u);
  }
}

TEST(StudyReport, WithReplacementTheClustersArePatients) {
  testing::TempDir dir;
  const std::string md = run_tiny("prado_heart_failure", 3000, dir.path().string(), "ratio = 1", "ratio = 1\nreplace = true");
  EXPECT_NE(md.find("clustered on patients (matching with replacement"), std::string::npos);
  EXPECT_EQ(md.find("clustered on matched sets"), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(testing::read_file(dir.file("out/results.json")));
  EXPECT_EQ(j["standard_errors"]["clustered_on"], "patient");
}

// The defect: with caliper_scale = "distance" the report still said "SD".
TEST(StudyReport, ACaliperInTheDistancesUnitsIsNotCalledSD) {
  testing::TempDir dir;
  const std::string md =
      run_tiny("prado_heart_failure", 3000, dir.path().string(), "caliper = 0.2", "caliper = 0.01\ncaliper_scale = \"distance\"");
  EXPECT_NE(md.find("caliper 0.01 in the distance's units"), std::string::npos);
  EXPECT_EQ(md.find("SD of the distance"), std::string::npos);
}

// The defect: the asthma adherence gain printed as "mean (euros)", "0.0 [0.0, 0.0]".
TEST(StudyReport, AMeanThatIsNotMoneyIsPrintedInItsUnitWithItsDigits) {
  testing::TempDir dir;
  const std::string md = run_tiny("sophia_asthma", 20000, dir.path().string());
  const size_t at = md.find("### Proportion of days covered");
  ASSERT_NE(at, std::string::npos);
  const std::string section = md.substr(at, md.find("###", at + 3) - at);
  EXPECT_NE(section.find("members: mean (proportion of days)"), std::string::npos);
  EXPECT_EQ(section.find("euros"), std::string::npos);
  EXPECT_EQ(section.find("0.0 [0.0, 0.0]"), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(testing::read_file(dir.file("out/results.json")));
  const double d = j["outcomes"][0]["by_year"][0]["difference"]["estimate"];
  EXPECT_NE(section.find(fmt::format("{:.3f}", d)), std::string::npos) << section;
}

// The defect: the bootstrap interval beside the DiD was the plain difference's.
TEST(StudyReport, TheBootstrapIntervalStandsBesideTheDifferenceItBelongsTo) {
  testing::TempDir dir;
  const std::string md = run_tiny("prado_heart_failure", 2000, dir.path().string(), "[mortality]", "[report]\nbootstrap = 50\n\n[mortality]");
  const size_t at = md.find("### Total spending");
  ASSERT_NE(at, std::string::npos);
  const std::string header = md.substr(md.find("| year", at), md.find('\n', md.find("| year", at)) - md.find("| year", at));
  EXPECT_NE(header.find("| mean difference | mean difference: pair bootstrap BCa interval |"), std::string::npos) << header;
}

// One schema: results.json read back and written again gives the same bytes.
// The diagnostics gate opens the report; a failed check is said in words,
// in the summary and in the section, and results.json keeps the verdict.
TEST(StudyReport, TheDiagnosticsGateOpensTheReportAndAFailureIsSaidInWords) {
  testing::TempDir dir;
  const std::string md = run_tiny("sophia_diabetes", 4000, dir.path().string());
  EXPECT_LT(md.find("## Diagnostics"), md.find("## Data and design"));
  EXPECT_NE(md.find("The study passes its diagnostics gate"), std::string::npos);
  const StudyResults r = read_study_results(dir.file("out/results.json"));
  EXPECT_TRUE(r.diagnostics.passed());
  EXPECT_EQ(r.diagnostics.negative_controls.size(), 3u);
  ASSERT_TRUE(r.diagnostics.null.fitted());
  // A threshold no study can meet: every MDRR fails, and says why.
  testing::TempDir bad;
  const std::string failed = run_tiny("sophia_diabetes", 4000, bad.path().string(), "mdrr = 10", "mdrr = 1.001");
  EXPECT_NE(failed.find("The study FAILS its diagnostics gate: see Diagnostics"), std::string::npos);
  EXPECT_NE(failed.find("Dental exam: the minimum detectable relative risk"), std::string::npos);
  EXPECT_NE(failed.find("| mdrr | Dental exam |"), std::string::npos);
  const StudyResults rf = read_study_results(bad.file("out/results.json"));
  EXPECT_FALSE(rf.diagnostics.passed());
  EXPECT_FALSE(rf.diagnostics.failures().empty());
}

// Every ratio carries its E-values; differences their adjusted p-values
// (negative controls excluded from the family); with negative controls every
// ratio has a calibrated twin; binary outcomes of 1:1 pairs have Rosenbaum bounds.
TEST(StudyReport, RatiosCarryEValuesCalibrationAndAdjustedPValues) {
  testing::TempDir dir;
  run_tiny("sophia_diabetes", 4000, dir.path().string());
  const StudyResults r = read_study_results(dir.file("out/results.json"));
  std::vector<double> raw, holm;
  for (const OutcomeEffects& o : r.outcomes) {
    SCOPED_TRACE(o.spec.name);
    for (const YearEffect& e : o.years) {
      if (o.spec.kind != EffectKind::Mean) {
        ASSERT_TRUE(std::isfinite(e.ratio_evalue.point));
        EXPECT_GE(e.ratio_evalue.point, 1.0);
        EXPECT_LE(e.ratio_evalue.bound, e.ratio_evalue.point);
        EXPECT_EQ(e.ratio_evalue.point, evalue(e.ratio.estimate, e.ratio.lower, e.ratio.upper, RatioScale::RiskRatio, false).point);
        ASSERT_TRUE(std::isfinite(e.calibrated_ratio.estimate));
        // The null's mean shifts the log ratio; its spread can only widen the interval.
        EXPECT_NEAR(std::log(e.calibrated_ratio.estimate), std::log(e.ratio.estimate) - r.diagnostics.null.mean, 1e-12);
        EXPECT_GE(std::log(e.calibrated_ratio.upper / e.calibrated_ratio.lower), std::log(e.ratio.upper / e.ratio.lower) - 1e-12);
      }
      if (o.spec.kind == EffectKind::Binary) {
        EXPECT_TRUE(std::isfinite(e.odds_ratio_evalue.point));
        EXPECT_GT(e.rosenbaum.pairs, 0u);
        EXPECT_GE(e.rosenbaum.gamma, 1.0);
      }
      if (o.spec.negative_control) {
        EXPECT_TRUE(std::isnan(e.p_holm));
      } else {
        raw.push_back(e.difference.p_value);
        holm.push_back(e.p_holm);
        EXPECT_GE(e.p_holm, e.p_bh);
        EXPECT_GE(e.p_bh, e.difference.p_value);
      }
    }
  }
  EXPECT_EQ(holm_adjust(raw), holm);
  ASSERT_TRUE(r.mortality.has_value() && r.survival.has_value());
  for (const YearEffect& e : r.mortality->years) EXPECT_TRUE(std::isfinite(e.odds_ratio_evalue.point));
  EXPECT_TRUE(std::isfinite(r.survival->overall.evalue.point));
}

// Versions death cannot distort count every matched patient: the cumulative
// amount of year 1 is year 1's (everybody is alive at the index date) and
// grows with the years; the composite of a binary outcome with death holds at
// least the year's deaths and at least the survivors' outcome.
TEST(StudyReport, DeathProofVersionsCountEveryMatchedPatient) {
  testing::TempDir dir;
  run_tiny("sophia_diabetes", 4000, dir.path().string(), "column = \"dental\"\n", "column = \"dental\"\ndeath_proof = true\n");
  const StudyResults r = read_study_results(dir.file("out/results.json"));
  auto find = [&](const std::string& name) -> const OutcomeEffects& {
    for (const OutcomeEffects& o : r.outcomes) {
      if (o.spec.name == name) return o;
    }
    throw std::runtime_error("no outcome " + name);
  };
  const OutcomeEffects& spend = find("Total spending");
  const OutcomeEffects& cumulative = find("Total spending, cumulative since the index date (every matched patient)");
  EXPECT_EQ(cumulative.spec.death_proof, DeathProof::Cumulative);
  EXPECT_NEAR(cumulative.years[0].difference.estimate, spend.years[0].difference.estimate, 1e-6);
  for (size_t k = 1; k < cumulative.years.size(); ++k) {
    EXPECT_GT(cumulative.years[k].treated.value, cumulative.years[k - 1].treated.value);
    EXPECT_EQ(cumulative.years[k].treated.rows, cumulative.years[0].treated.rows);  // nobody leaves
  }
  const OutcomeEffects& dental = find("Dental exam");
  const OutcomeEffects& composite = find("Dental exam, or death by the end of the year (every matched patient)");
  const OutcomeEffects& death = find("Death by the end of the year");
  EXPECT_EQ(composite.spec.death_proof, DeathProof::Composite);
  for (size_t k = 0; k < composite.years.size(); ++k) {
    for (auto g : {&YearEffect::treated, &YearEffect::control}) {
      const GroupValue& c = composite.years[k].*g;
      EXPECT_EQ(c.rows, (death.years[k].*g).rows);
      EXPECT_GE(c.events, (death.years[k].*g).events);
      EXPECT_GE(c.events, (dental.years[k].*g).events);
    }
  }
  testing::TempDir bad;
  testing::write_file(bad.file("s.toml"), testing::replace_once(testing::read_file(kStudies + "/prado_heart_failure.toml"),
                                                                "column = \"gp_15d\"\n", "column = \"gp_15d\"\ndeath_proof = true\n"));
  EXPECT_NE(testing::error_of([&] { load_study(bad.file("s.toml")); }).find("a death-proof version is made of a yearly outcome"),
            std::string::npos);
}

// Another event than death as a time to event: the heart-failure study's
// first readmission, censored by death; its own section, hazard ratios with
// E-values, and an MDRR in the diagnostics gate.
TEST(StudyReport, FirstReadmissionIsATimeToEventCensoredByDeath) {
  testing::TempDir dir;
  const std::string md = run_tiny("prado_heart_failure", 3000, dir.path().string());
  EXPECT_NE(md.find("### First readmission as time to event"), std::string::npos);
  EXPECT_NE(md.find("| mdrr | First readmission as time to event (hazard ratio) |"), std::string::npos);
  const StudyResults r = read_study_results(dir.file("out/results.json"));
  ASSERT_EQ(r.time_to_event.size(), 1u);
  const EventResults& e = r.time_to_event[0];
  EXPECT_EQ(e.column, "readmission_time");
  ASSERT_EQ(e.survival.by_year.size(), 3u);
  for (int g : {0, 1}) {
    // The whole follow-up's events are the years' events; the curve falls.
    double sum = 0;
    for (const YearHazard& h : e.survival.by_year) sum += h.events[g];
    EXPECT_EQ(e.survival.overall.events[g], sum);
    EXPECT_LT(e.survival.km[g][2].surv, e.survival.km[g][0].surv);
    // Fewer at risk of a first readmission than alive: the readmitted leave.
    EXPECT_LT(e.survival.by_year[1].patients[g], r.survival->by_year[1].patients[g]);
  }
  EXPECT_TRUE(std::isfinite(e.survival.overall.hazard_ratio.estimate));
  EXPECT_TRUE(std::isfinite(e.survival.overall.evalue.point));
}

// Event times are years since the index date: negative ones and a missing
// [mortality] (death censors) are errors naming the fix.
TEST(StudyReport, TimeToEventErrors) {
  Table patients("patients"), yearly("yearly");
  patients.add_column(Column::int64("id", {1, 2}));
  patients.add_column(Column::boolean("enrolled", {1, 0}));
  patients.add_column(Column::float64("weights", {1, 1}));
  patients.add_column(Column::int64("subclass", {1, 1}));
  patients.add_column(Column::float64("readmission_time", {0.5, -1}));
  yearly.add_column(Column::int64("id", {1, 2}));
  yearly.add_column(Column::int64("year", {1, 1}));
  yearly.add_column(Column::float64("exposure", {1, 1}));
  yearly.add_column(Column::boolean("death", {0, 0}));
  EXPECT_NE(testing::error_of([&] { estimate_survival(patients, yearly, {"death", {1}, "readmission_time"}); })
                .find("event times are years since the index date, 0 or more"),
            std::string::npos);
  testing::TempDir dir;
  std::string text = testing::read_file(kStudies + "/prado_heart_failure.toml");
  text = text.substr(0, text.find("[mortality]"));
  testing::write_file(dir.file("s.toml"), text);
  EXPECT_NE(testing::error_of([&] { load_study(dir.file("s.toml")); }).find("[[time_to_event]] needs [mortality]"),
            std::string::npos);
}

TEST(StudyResults, ReadingAndWritingAgainGivesTheSameResults) {
  for (const char* name : {"sophia_diabetes", "sophia_asthma", "prado_heart_failure"}) {
    const std::string path = kStudies + "/expected/" + name + ".json";
    const nlohmann::json original = nlohmann::json::parse(testing::read_file(path));
    const StudyResults r = read_study_results(path);
    EXPECT_EQ(to_json(r).dump(2), original.dump(2)) << name;
  }
  EXPECT_NE(testing::error_of([] { study_results_from_json(nlohmann::json::object(), "x.json"); }).find("x.json: not a study's results"),
            std::string::npos);
}

}  // namespace
}  // namespace impactsim
