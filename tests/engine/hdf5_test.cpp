#include <hdf5.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/csv.hpp"
#include "engine/error.hpp"
#include "engine/hdf5_table.hpp"
#include "engine/parallel.hpp"
#include "test_util.hpp"

namespace impactsim {
namespace {

Table make_table(size_t n) {
  Table t("yearly");
  std::vector<double> x(n);
  std::vector<int64_t> k(n);
  std::vector<uint8_t> b(n);
  std::vector<int32_t> c(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = i % 17 == 0 ? kMissingFloat64 : static_cast<double>(i) * 0.37 - 50.0;
    k[i] = i % 19 == 0 ? kMissingInt64 : static_cast<int64_t>(i * 7919 % 1000);
    b[i] = i % 23 == 0 ? kMissingBool : static_cast<uint8_t>(i % 3 == 0);
    c[i] = i % 29 == 0 ? kMissingCode : static_cast<int32_t>(i % 4);
  }
  t.add_column(Column::float64("spending", std::move(x)));
  t.add_column(Column::int64("stays", std::move(k)));
  t.add_column(Column::boolean("fundus", std::move(b)));
  t.add_column(Column::categorical("dept", std::move(c), {"13", "2A", "75", "974"}));
  t.metadata()["seed"] = "20261122";
  return t;
}

TEST(Hdf5, RoundTripEveryTypeAndCompression) {
  testing::TempDir dir;
  const Table t = make_table(10'000);
  for (auto compression : {Compression::Deflate, Compression::None}) {
    for (size_t chunk : {size_t{1000}, size_t{4096}, size_t{1} << 16}) {
      Hdf5WriteOptions o;
      o.compression = compression;
      o.chunk_rows = chunk;
      const std::string path = dir.file("t.h5");
      write_hdf5(path, t, o);
      const Table back = read_hdf5(path);
      EXPECT_EQ(back, t);
      EXPECT_EQ(back.name(), "yearly");
      EXPECT_EQ(back.metadata().at("seed"), "20261122");
      EXPECT_EQ(back.metadata().at("schema_version"), "1");
      EXPECT_EQ(back.metadata().at("creator").rfind("impactsim ", 0), 0u);
    }
  }
}

TEST(Hdf5, ColumnSubsetAndRowBlocks) {
  testing::TempDir dir;
  const Table t = make_table(5000);
  Hdf5WriteOptions o;
  o.chunk_rows = 512;
  write_hdf5(dir.file("t.h5"), t, o);
  Hdf5TableReader reader(dir.file("t.h5"));
  EXPECT_EQ(reader.num_rows(), 5000u);
  EXPECT_EQ(reader.column_names(), t.column_names());
  const Table sub = reader.read({"dept", "spending"});
  EXPECT_EQ(sub.column_names(), (std::vector<std::string>{"dept", "spending"}));
  EXPECT_EQ(sub.column("dept"), t.column("dept"));
  // Blocks that start and end inside chunks, read with several thread counts.
  for (int threads : {1, 2, 7}) {
    set_thread_count(threads);
    for (size_t begin : {size_t{0}, size_t{100}, size_t{511}, size_t{4999}}) {
      const size_t count = std::min<size_t>(1300, 5000 - begin);
      std::vector<size_t> rows(count);
      for (size_t i = 0; i < count; ++i) rows[i] = begin + i;
      EXPECT_EQ(reader.read_rows(begin, count), t.gather(rows)) << begin;
    }
  }
  set_thread_count(0);
  EXPECT_THROW(reader.read_rows(4000, 2000), InputError);
  EXPECT_THROW(reader.read({"spendnig"}), InputError);
}

TEST(Hdf5, SeveralTablesInOneFile) {
  testing::TempDir dir;
  Table patients("patients");
  patients.add_column(Column::int64("id", {1, 2}));
  const Table yearly = make_table(10);
  write_hdf5(dir.file("c.h5"), {&patients, &yearly});
  EXPECT_EQ(hdf5_table_names(dir.file("c.h5")), (std::vector<std::string>{"patients", "yearly"}));
  EXPECT_EQ(read_hdf5(dir.file("c.h5"), "patients"), patients);
  try {
    read_hdf5(dir.file("c.h5"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("several tables (patients, yearly)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_hdf5(dir.file("c.h5"), "patient"), InputError);
}

TEST(Hdf5, ManyLevelsAndEmptyTable) {
  testing::TempDir dir;
  const size_t n = 20'000;  // a levels attribute far over HDF5's 64 KiB compact limit
  std::vector<std::string> levels(n);
  std::vector<int32_t> codes(n);
  for (size_t i = 0; i < n; ++i) {
    levels[i] = "patient-identifier-" + std::to_string(i);
    codes[i] = static_cast<int32_t>(n - 1 - i);
  }
  Table t("t");
  t.add_column(Column::categorical("pid", codes, levels));
  write_hdf5(dir.file("t.h5"), t);
  EXPECT_EQ(read_hdf5(dir.file("t.h5")), t);

  Table empty("empty");
  empty.add_column(Column::float64("x", {}));
  empty.add_column(Column::categorical("c", {}, {}));
  write_hdf5(dir.file("e.h5"), empty);
  EXPECT_EQ(read_hdf5(dir.file("e.h5")), empty);
}

TEST(Hdf5, CsvToHdf5ToCsvIsLossless) {
  testing::TempDir dir;
  const std::string csv =
      "id,age,dept,note,enrolled,spending\n"
      "1,64.25,75,\"Dupont, Jean\",TRUE,1234.5\n"
      "2,NA,2A,\"two\nlines\",FALSE,0.1\n"
      "3,80,974,plain,NA,1e+300\n"
      "4,17.000000000000004,13,\"q\"\"uote\",TRUE,NA\n";
  testing::write_file(dir.file("in.csv"), csv);
  const Table t = read_csv(dir.file("in.csv"));
  write_hdf5(dir.file("t.h5"), t);
  write_csv(read_hdf5(dir.file("t.h5")), dir.file("out.csv"));
  // The input is in canonical form (shortest numbers, minimal quoting), so
  // the text comes back byte for byte.
  EXPECT_EQ(testing::read_file(dir.file("out.csv")), csv);
  EXPECT_EQ(read_csv(dir.file("out.csv")), t);
}

// A file written by the HDF5 library itself (its own deflate, no attributes):
// read through the raw-chunk path and the library path alike.
TEST(Hdf5, ReadsFilesFromOtherWriters) {
  testing::TempDir dir;
  const std::string path = dir.file("foreign.h5");
  const hsize_t n = 3000, chunk = 1000;
  std::vector<double> x(n);
  std::vector<int32_t> k(n);
  for (hsize_t i = 0; i < n; ++i) {
    x[i] = static_cast<double>(i) / 3.0;
    k[i] = static_cast<int32_t>(i) - 1500;
  }
  {
    hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t group = H5Gcreate2(file, "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t space = H5Screate_simple(1, &n, nullptr);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 6);
    hid_t d1 = H5Dcreate2(group, "x", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Dwrite(d1, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x.data());
    hid_t d2 = H5Dcreate2(group, "k", H5T_STD_I32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);  // int32 on disk
    H5Dwrite(d2, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, k.data());
    H5Dclose(d1);
    H5Dclose(d2);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Gclose(group);
    H5Fclose(file);
  }
  const Table t = read_hdf5(path);
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"k", "x"}));  // name order without a "columns" attribute
  EXPECT_EQ(t.column("k").type(), ColumnType::Int64);
  EXPECT_EQ(t.column("k").i64()[2999], 1499);
  for (hsize_t i = 0; i < n; ++i) ASSERT_EQ(t.column("x").f64()[i], x[i]);
  const Table part = Hdf5TableReader(path).read_rows(999, 3, {"x"});
  EXPECT_EQ(part.column("x").f64()[1], x[1000]);
}

TEST(Hdf5, BadFilesGiveOneLineErrors) {
  testing::TempDir dir;
  testing::write_file(dir.file("not.h5"), "id,x\n1,2\n");
  try {
    read_hdf5(dir.file("not.h5"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not an HDF5 file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_hdf5(dir.file("missing.h5")), InputError);

  // Truncated: the first half of a valid file.
  Hdf5WriteOptions o;
  o.chunk_rows = 1000;
  write_hdf5(dir.file("full.h5"), make_table(20'000), o);
  const std::string bytes = testing::read_file(dir.file("full.h5"));
  testing::write_file(dir.file("cut.h5"), bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(read_hdf5(dir.file("cut.h5")), InputError);
}

TEST(Hdf5, FailedWriteLeavesNoFile) {
  testing::TempDir dir;
  Table t("bad/name");
  t.add_column(Column::float64("x", {1}));
  EXPECT_THROW(write_hdf5(dir.file("t.h5"), t), InputError);
  EXPECT_EQ(dir.entries(), 0u);
  Hdf5WriteOptions o;
  o.deflate_level = 12;
  t.set_name("ok");
  EXPECT_THROW(write_hdf5(dir.file("t.h5"), t, o), InputError);
  EXPECT_EQ(dir.entries(), 0u);
}

}  // namespace
}  // namespace impactsim

namespace impactsim {
namespace {

TEST(Hdf5, IntegersAreStoredInTheNarrowestWidthAndReadBackAsInt64) {
  testing::TempDir dir;
  Table t("counts");
  t.add_column(Column::int64("tiny", {0, 127, -127, kMissingInt64, 5}));
  t.add_column(Column::int64("small", {0, 128, -32767, kMissingInt64, 32767}));
  t.add_column(Column::int64("mid", {0, 40000, -2147483647, kMissingInt64, 1}));
  t.add_column(Column::int64("wide", {0, int64_t{1} << 40, -128, kMissingInt64, 1}));
  const std::string path = dir.file("n.h5");
  write_hdf5(path, t);
  EXPECT_EQ(read_hdf5(path), t);
  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const std::pair<const char*, size_t> expected[] = {
      {"/counts/tiny", 1}, {"/counts/small", 2}, {"/counts/mid", 4}, {"/counts/wide", 8}};
  for (const auto& [name, bytes] : expected) {
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t type = H5Dget_type(d);
    EXPECT_EQ(H5Tget_size(type), bytes) << name;
    H5Tclose(type);
    H5Dclose(d);
  }
  H5Fclose(f);
}

TEST(Hdf5, StreamingWriterEqualsOneShotWriteWhateverTheBlocks) {
  testing::TempDir dir;
  const Table whole = make_table(25'000);
  Hdf5WriteOptions o;
  o.chunk_rows = 4096;
  const std::string one = dir.file("one.h5"), streamed = dir.file("streamed.h5");
  write_hdf5(one, whole, o);
  {
    Hdf5Writer w(streamed, o);
    const size_t h = w.add_table(whole.gather(std::vector<size_t>{}), {{"stays", 16}});
    size_t row = 0;
    for (size_t block : {0u, 1u, 4095u, 4097u, 10'000u}) {
      std::vector<size_t> rows(block);
      for (size_t i = 0; i < block; ++i) rows[i] = row + i;
      w.append(h, whole.gather(rows));
      row += block;
    }
    std::vector<size_t> rest(whole.num_rows() - row);
    for (size_t i = 0; i < rest.size(); ++i) rest[i] = row + i;
    w.append(h, whole.gather(rest));
    w.set_metadata(h, "programme", "diabetes");
    EXPECT_EQ(w.num_rows(h), whole.num_rows());
    w.commit();
  }
  Table back = read_hdf5(streamed);
  EXPECT_EQ(back.metadata().at("programme"), "diabetes");
  back.metadata().erase("programme");
  EXPECT_EQ(back, read_hdf5(one));
  EXPECT_EQ(Hdf5TableReader(streamed).read_rows(4000, 200), Hdf5TableReader(one).read_rows(4000, 200));
}

TEST(Hdf5, StreamingWriterLeavesNothingWithoutCommitOrOnOverflow) {
  testing::TempDir dir;
  const std::string path = dir.file("never.h5");
  {
    Hdf5Writer w(path);
    Table t("t");
    t.add_column(Column::int64("k", {1, 2, 300}));
    const size_t h = w.add_table(t, {{"k", 8}});
    EXPECT_THROW(w.append(h, t), InputError);  // 300 does not fit in 8 bits
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(dir.entries(), 0u);
}

}  // namespace
}  // namespace impactsim
