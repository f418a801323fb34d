// Engine throughput: CSV parsing, HDF5 write and read (deflate and none),
// formula expansion into a design matrix. Figures go to bench/RESULTS.md.
//   build/bench/engine_bench [--benchmark_filter=Csv]
// Data are generated in memory, deterministically; files go to the system's
// temporary directory (read back from the page cache).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <sstream>

#include "engine/csv.hpp"
#include "engine/design_matrix.hpp"
#include "engine/hdf5_table.hpp"
#include "engine/random_stream.hpp"

namespace impactsim {
namespace {

// A claims-like extract: ids, ages, counts, flags, spending, a department.
std::string make_csv(size_t rows) {
  std::ostringstream s;
  s << "id,age,sex,dept,stays,days,fundus,dental,spending,hba1c\n";
  const char* depts[] = {"13", "2A", "33", "59", "69", "75", "974"};
  RandomStream r(1, 0, streams::kTestData.id());
  char buf[64];
  for (size_t i = 0; i < rows; ++i) {
    const double age = 30 + 60 * r.uniform();
    const double spend = 1000 * r.gamma(2.0, 3.0);
    s << i + 1 << ',';
    std::snprintf(buf, sizeof buf, "%.1f", age);
    s << buf << ',' << (r.bernoulli(0.54) ? 'M' : 'F') << ',' << depts[r() % 7] << ',' << r.poisson(0.4) << ','
      << r.poisson(2.0) << ',' << (r.bernoulli(0.62) ? "TRUE" : "FALSE") << ',' << (r.bernoulli(0.36) ? "TRUE" : "FALSE")
      << ',';
    std::snprintf(buf, sizeof buf, "%.2f", spend);
    s << buf << ',' << r.poisson(2.5) << '\n';
  }
  return s.str();
}

const std::string& csv_text() {
  static const std::string text = make_csv(1'000'000);  // about 55 MB
  return text;
}

void BM_CsvParse(benchmark::State& state) {
  const std::string& text = csv_text();
  for (auto _ : state) {
    auto t = std::make_unique<Table>(parse_csv(text));
    benchmark::DoNotOptimize(t.get());
    state.PauseTiming();  // freeing the result is not parsing
    t.reset();
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["rows"] = 1'000'000;
}
BENCHMARK(BM_CsvParse)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// Cohort-like columns: 4 M rows of float64, int64, bool and categorical.
const Table& hdf5_table() {
  static const Table t = [] {
    const size_t n = 4'000'000;
    std::vector<double> spend(n);
    std::vector<int64_t> days(n);
    std::vector<uint8_t> flag(n);
    std::vector<int32_t> dept(n);
    RandomStream r(2, 0, streams::kTestData.id());
    for (size_t i = 0; i < n; ++i) {
      spend[i] = std::round(100 * 1000 * r.gamma(2.0, 3.0)) / 100;
      days[i] = r.poisson(2.0);
      flag[i] = r.bernoulli(0.3);
      dept[i] = static_cast<int32_t>(r() % 100);
    }
    std::vector<std::string> levels;
    for (int d = 0; d < 100; ++d) levels.push_back(std::to_string(d + 1));
    Table table("yearly");
    table.add_column(Column::float64("spending", std::move(spend)));
    table.add_column(Column::int64("days", std::move(days)));
    table.add_column(Column::boolean("flag", std::move(flag)));
    table.add_column(Column::categorical("dept", std::move(dept), std::move(levels)));
    return table;
  }();
  return t;
}

int64_t table_bytes(const Table& t) { return static_cast<int64_t>(t.num_rows() * (8 + 8 + 1 + 4)); }

std::string bench_file(const char* name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

Hdf5WriteOptions options_for(int64_t compression) {
  Hdf5WriteOptions o;
  o.compression = compression == 0 ? Compression::None : Compression::Deflate;
  o.deflate_level = static_cast<int>(compression == 0 ? 1 : compression);
  return o;
}

// Argument: 0 = no compression, 1..9 = deflate level (with shuffle).
void BM_Hdf5Write(benchmark::State& state) {
  const Table& t = hdf5_table();
  const std::string path = bench_file("impactsim_bench_write.h5");
  for (auto _ : state) write_hdf5(path, t, options_for(state.range(0)));
  state.SetBytesProcessed(state.iterations() * table_bytes(t));
  state.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  std::filesystem::remove(path);
}
BENCHMARK(BM_Hdf5Write)->Arg(0)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Hdf5Read(benchmark::State& state) {
  const Table& t = hdf5_table();
  const std::string path = bench_file("impactsim_bench_read.h5");
  write_hdf5(path, t, options_for(state.range(0)));
  for (auto _ : state) {
    Table back = read_hdf5(path);
    benchmark::DoNotOptimize(back);
  }
  state.SetBytesProcessed(state.iterations() * table_bytes(t));
  std::filesystem::remove(path);
}
BENCHMARK(BM_Hdf5Read)->Arg(0)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();

// 10 M rows, a formula of 20 terms (numeric, factors, transformations,
// interactions) expanding to 26 columns.
void BM_FormulaExpansion(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  static Table t;
  if (t.num_rows() != n) {
    t = Table("cohort");
    RandomStream r(3, 0, streams::kTestData.id());
    for (int j = 1; j <= 10; ++j) {
      std::vector<double> v(n);
      for (auto& x : v) x = r.uniform(0.5, 10.0);
      t.add_column(Column::float64("x" + std::to_string(j), std::move(v)));
    }
    std::vector<int32_t> sex(n), quint(n);
    std::vector<uint8_t> y(n);
    for (size_t i = 0; i < n; ++i) {
      sex[i] = static_cast<int32_t>(r() % 2);
      quint[i] = static_cast<int32_t>(r() % 5);
      y[i] = r.bernoulli(0.25);
    }
    t.add_column(Column::categorical("sex", std::move(sex), {"F", "M"}));
    t.add_column(Column::categorical("quintile", std::move(quint), {"1", "2", "3", "4", "5"}));
    t.add_column(Column::boolean("y", std::move(y)));
  }
  const Formula f = Formula::parse(
      "y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + sex + quintile + x1:x2 + x3:sex + I(x4^2) + "
      "log(x5) + log1p(x6) + sqrt(x7) + exp(x8 / 10) + I(x9 * x10)");
  for (auto _ : state) {
    DesignMatrix dm = build_design_matrix(t, f);
    benchmark::DoNotOptimize(dm.x.data());
    state.counters["columns"] = static_cast<double>(dm.x.cols());
  }
  state.counters["terms"] = static_cast<double>(f.terms.size());
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_FormulaExpansion)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace impactsim

BENCHMARK_MAIN();
