#include "data/generator/generate.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include "engine/atomic_file.hpp"
#include "engine/csv.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/version.hpp"

namespace impactsim::generator {
namespace {

// A CSV file written block by block through an AtomicFile.
class CsvSink {
 public:
  explicit CsvSink(const std::string& path) : file_(path), out_(file_.temp_path(), std::ios::binary) {
    if (!out_) throw InputError(path + ": cannot create the file (directory writable?)");
  }
  void append(const Table& rows) {
    CsvWriteOptions o;
    o.header = first_;
    first_ = false;
    write_csv(rows, out_, o);
  }
  void commit() {
    out_.close();
    if (!out_) throw InputError(file_.destination() + ": cannot write the file (disk full?)");
    file_.commit();
  }

 private:
  AtomicFile file_;
  std::ofstream out_;
  bool first_ = true;
};

}  // namespace

nlohmann::json truth_document(const GenerateOptions& options, const CohortModel& model, const TruthTally& tally,
                              int64_t patients) {
  nlohmann::json j;
  j["programme"] = options.programme;
  j["generator"] = std::string(kProgramName) + " " + kVersion;
  j["seed"] = options.seed;
  j["patients"] = patients;
  j["years"] = options.years;
  j["engagement"] = options.engagement;
  j["parameters_file"] = std::filesystem::path(parameters_path(options)).filename().string();
  j["members"] = tally.members();
  j["effects_on_members"] = {
      {"meaning",
       "sample average effect of enrolment on the members (ATT): each member's outcomes with enrolment (members) "
       "and, with the same random numbers, without it (without_enrolment), summarised by year among those alive "
       "that year (death: among all members)"},
      {"outcomes", tally.summarize(model.truth_outcomes())}};
  j["true_parameters"] = model.true_parameters();
  j["parameters"] = model.parameter_file();
  j["columns"] = cohort_columns(model);
  return j;
}

nlohmann::json cohort_columns(const CohortModel& model) {
  nlohmann::json j;
  for (const TableSchema* t : {&model.patients(), &model.yearly()}) {
    nlohmann::json names = nlohmann::json::array();
    for (const ColumnSpec& c : t->columns) names.push_back(c.name);
    j[t->name] = names;
  }
  return j;
}

std::string data_dictionary_markdown() {
  std::string md;
  for (const std::string& programme : programme_names()) {
    GenerateOptions o;
    o.programme = programme;
    o.engagement = true;
    const auto model = make_cohort_model(o);
    for (const TableSchema* t : {&model->patients(), &model->yearly()}) {
      md += "### " + programme + ": `" + t->name + "`\n\n";
      md += "| column | type | on disk | missing | meaning |\n|---|---|---|---|---|\n";
      for (const ColumnSpec& c : t->columns) {
        std::string type(to_string(c.type)), disk, missing;
        switch (c.type) {
          case ColumnType::Float64: disk = "f64"; missing = "NaN"; break;
          case ColumnType::Int64:
            disk = "i" + std::to_string(c.storage_bits);
            missing = c.storage_bits == 64 ? "INT64_MIN" : "-2^" + std::to_string(c.storage_bits - 1);
            break;
          case ColumnType::Bool: disk = "u8"; missing = "255"; break;
          case ColumnType::Categorical: {
            disk = "i32 codes";
            missing = "-1";
            std::string levels;
            const size_t shown = std::min<size_t>(c.levels.size(), 6);
            for (size_t i = 0; i < shown; ++i) levels += (i ? ", " : "") + c.levels[i];
            if (shown < c.levels.size()) levels += ", ... (" + std::to_string(c.levels.size()) + " levels)";
            type += ": " + levels;
            break;
          }
        }
        md += "| `" + c.name + "` | " + type + " | " + disk + " | " + missing + " | " + c.meaning + " |\n";
      }
      md += "\n";
    }
  }
  return md;
}

namespace {

void check_options(const GenerateOptions& options) {
  if (options.patients < 1) throw InputError("--patients must be at least 1 (got " + std::to_string(options.patients) + ")");
  if (options.years < 1 || options.years > 30) {
    throw InputError("--years must lie in 1..30 (got " + std::to_string(options.years) + ")");
  }
}

// Generates patients 1..N by blocks: blocks of a round in parallel, then
// handed to `sink` in id order. Returns the truth tally, combined in order.
TruthTally generate_blocks(const CohortModel& model, const GenerateOptions& options, int64_t block_patients,
                           const std::function<void(const Table&, const Table&)>& sink) {
  const int64_t block = std::max<int64_t>(1, block_patients);
  const int64_t tasks_per_round = 32;
  TruthTally total(model.truth_outcomes().size(), options.years);
  for (int64_t first = 1; first <= options.patients; first += block * tasks_per_round) {
    const int64_t last = std::min<int64_t>(options.patients, first + block * tasks_per_round - 1);
    const size_t tasks = static_cast<size_t>((last - first + block) / block);
    std::vector<Table> pt(tasks), yt(tasks);
    std::vector<TruthTally> tallies(tasks);
    parallel_for_blocks(tasks, 1, [&](size_t k, size_t, size_t) {
      const int64_t id0 = first + static_cast<int64_t>(k) * block;
      const int64_t n = std::min<int64_t>(block, last - id0 + 1);
      BlockBuilder pb(model.patients()), yb(model.yearly());
      pb.reserve(static_cast<size_t>(n));
      yb.reserve(static_cast<size_t>(n * options.years));
      tallies[k] = TruthTally(model.truth_outcomes().size(), options.years);
      model.generate(id0, n, pb, yb, tallies[k]);
      pt[k] = pb.finish();
      yt[k] = yb.finish();
    });
    for (size_t k = 0; k < tasks; ++k) {
      sink(pt[k], yt[k]);
      total.merge(tallies[k]);
    }
  }
  return total;
}

void add_metadata(Table& t, const GenerateOptions& options) {
  t.metadata()["programme"] = options.programme;
  t.metadata()["seed"] = std::to_string(options.seed);
  t.metadata()["years"] = std::to_string(options.years);
}

}  // namespace

GeneratedCohort generate_in_memory(const GenerateOptions& options) {
  check_options(options);
  const std::unique_ptr<CohortModel> model = make_cohort_model(options);
  GeneratedCohort c;
  c.patients = model->patients().empty_table();
  c.yearly = model->yearly().empty_table();
  add_metadata(c.patients, options);
  add_metadata(c.yearly, options);
  const TruthTally total = generate_blocks(*model, options, GenerateOutput{}.block_patients, [&](const Table& p, const Table& y) {
    c.patients.append(p);
    c.yearly.append(y);
  });
  c.truth = truth_document(options, *model, total, options.patients);
  return c;
}

GenerateSummary generate_cohort(const GenerateOptions& options, const GenerateOutput& output) {
  check_options(options);
  if (output.hdf5.empty()) throw InputError("an output file is required (--out cohort.h5)");
  const std::unique_ptr<CohortModel> model = make_cohort_model(options);

  GenerateOutput out = output;
  if (out.truth.empty()) out.truth = (std::filesystem::path(out.hdf5).parent_path() / "truth.json").string();
  std::unique_ptr<CsvSink> csv_patients, csv_yearly;
  if (!out.csv_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out.csv_dir, ec);
    csv_patients = std::make_unique<CsvSink>((std::filesystem::path(out.csv_dir) / "patients.csv").string());
    csv_yearly = std::make_unique<CsvSink>((std::filesystem::path(out.csv_dir) / "yearly.csv").string());
  }

  Hdf5Writer writer(out.hdf5, out.hdf5_options);
  Table patients_schema = model->patients().empty_table();
  Table yearly_schema = model->yearly().empty_table();
  add_metadata(patients_schema, options);
  add_metadata(yearly_schema, options);
  const size_t hp = writer.add_table(patients_schema, model->patients().storage_bits());
  const size_t hy = writer.add_table(yearly_schema, model->yearly().storage_bits());

  GenerateSummary summary;
  const TruthTally total = generate_blocks(*model, options, out.block_patients, [&](const Table& p, const Table& y) {
    writer.append(hp, p);
    writer.append(hy, y);
    if (csv_patients) {
      csv_patients->append(p);
      csv_yearly->append(y);
    }
  });
  summary.patients = static_cast<int64_t>(writer.num_rows(hp));
  summary.yearly_rows = static_cast<int64_t>(writer.num_rows(hy));
  summary.members = static_cast<int64_t>(total.members());
  const std::string truth = truth_document(options, *model, total, options.patients).dump(2) + "\n";

  // All outputs are complete: move them into place (truth last, so its
  // presence means the cohort next to it is whole).
  writer.commit();
  if (csv_patients) {
    csv_patients->commit();
    csv_yearly->commit();
  }
  write_file_atomically(out.truth, truth);
  summary.truth_path = out.truth;
  return summary;
}

}  // namespace impactsim::generator
