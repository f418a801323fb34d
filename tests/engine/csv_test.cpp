#include <gtest/gtest.h>

#include <sstream>

#include "engine/csv.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "test_util.hpp"

namespace impactsim {
namespace {

std::string error_of(const std::string& text, const CsvReadOptions& options = {}) {
  try {
    parse_csv(text, options, "data.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CsvRead, InfersTypesAsR) {
  const Table t = parse_csv(
      "id,age,flag,dept,big,empty,mixed\n"
      "1,60.5,TRUE,75,9223372036854775808,NA,T\n"
      "2,71,F,2A,1,,1\n"
      "3,,true,13,2,.,0\n");
  EXPECT_EQ(t.column("id").type(), ColumnType::Int64);
  EXPECT_EQ(t.column("age").type(), ColumnType::Float64);
  EXPECT_TRUE(t.column("age").is_missing(2));
  EXPECT_EQ(t.column("flag").type(), ColumnType::Bool);
  EXPECT_EQ(t.column("flag").b8()[1], 0);
  EXPECT_EQ(t.column("dept").type(), ColumnType::Categorical);
  EXPECT_EQ(t.column("dept").levels(), (std::vector<std::string>{"13", "2A", "75"}));  // byte order
  EXPECT_EQ(t.column("big").type(), ColumnType::Float64);  // beyond int64: double, as R
  EXPECT_EQ(t.column("empty").type(), ColumnType::Bool);   // nothing but NA: logical, as R
  EXPECT_EQ(t.column("empty").missing_count(), 3u);
  EXPECT_EQ(t.column("mixed").type(), ColumnType::Categorical);  // logical and numbers mixed
}

// A chunk stores values as the column looks so far; when it turns out to be
// text, what was stored must come back as the exact original text.
TEST(CsvRead, ColumnsThatTurnOutToBeText) {
  for (size_t chunk : {size_t{8}, size_t{1} << 20}) {
    CsvReadOptions o;
    o.chunk_bytes = chunk;
    const Table t = parse_csv(
        "sex,dept,code,flag\n"
        "F,75,007,T\n"
        "F,13,12,NA\n"
        "M,2A,+3,TRUE\n"
        "NA,974,A5,1\n",
        o);
    EXPECT_EQ(t.column("sex").levels(), (std::vector<std::string>{"F", "M"})) << chunk;
    EXPECT_EQ(t.column("dept").levels(), (std::vector<std::string>{"13", "2A", "75", "974"})) << chunk;
    EXPECT_EQ(t.column("code").levels(), (std::vector<std::string>{"+3", "007", "12", "A5"})) << chunk;
    EXPECT_EQ(t.column("flag").levels(), (std::vector<std::string>{"1", "T", "TRUE"})) << chunk;
    EXPECT_TRUE(t.column("sex").is_missing(3));
    EXPECT_TRUE(t.column("flag").is_missing(1));
  }
}

TEST(CsvRead, DetectsDelimiter) {
  EXPECT_EQ(parse_csv("a;b\n1;2\n").num_columns(), 2u);
  EXPECT_EQ(parse_csv("a\tb\tc\n1\t2\t3\n").num_columns(), 3u);
  EXPECT_EQ(parse_csv("a,b\n1,2\n").num_columns(), 2u);
  CsvReadOptions o;
  o.delimiter = '|';
  EXPECT_EQ(parse_csv("a|b\n1|2\n", o).num_columns(), 2u);
}

TEST(CsvRead, FrenchExportWithDecimalComma) {
  CsvReadOptions o;
  o.decimal = ',';
  const Table t = parse_csv("patient;montant;age\n1;12,5;64\n2;-0,25;70\n3;1000;NA\n", o);
  EXPECT_DOUBLE_EQ(t.column("montant").numeric_value(0), 12.5);
  EXPECT_DOUBLE_EQ(t.column("montant").numeric_value(1), -0.25);
  (void)t;
  // Without --decimal , the comma is not a decimal mark: the error says so.
  const std::string e = error_of("id;x\n1;2\n", {});
  EXPECT_EQ(e, "no error");
  CsvReadOptions forced;
  forced.column_types["x"] = ColumnType::Float64;
  const std::string e2 = error_of("id;x\n1;2,5\n", forced);
  EXPECT_NE(e2.find("data.csv:2:3:"), std::string::npos) << e2;
  EXPECT_NE(e2.find("--decimal ,"), std::string::npos) << e2;
}

TEST(CsvRead, QuotedFields) {
  const Table t = parse_csv(
      "name,note,n\n"
      "\"Dupont, Jean\",\"line one\nline two\",\"3\"\n"
      "\"say \"\"hi\"\"\",plain,4\r\n");
  EXPECT_EQ(t.column("name").format_value(0), "Dupont, Jean");
  EXPECT_EQ(t.column("note").format_value(0), "line one\nline two");
  EXPECT_EQ(t.column("name").format_value(1), "say \"hi\"");
  EXPECT_EQ(t.column("n").type(), ColumnType::Int64);  // quoted numbers are numbers, as R
  EXPECT_EQ(t.column("n").i64()[1], 4);
}

TEST(CsvRead, NaTokensAreConfigurable) {
  CsvReadOptions o;
  o.na_tokens = {"-999", ""};
  const Table t = parse_csv("x,y\n-999,NA\n2,b\n", o);
  EXPECT_EQ(t.column("x").type(), ColumnType::Int64);
  EXPECT_TRUE(t.column("x").is_missing(0));
  EXPECT_EQ(t.column("y").format_value(0), "NA");  // now a level, not missing
}

TEST(CsvRead, TypeOverride) {
  CsvReadOptions o;
  o.column_types["dept"] = ColumnType::Categorical;
  o.column_types["n"] = ColumnType::Float64;
  o.column_types["b"] = ColumnType::Bool;
  const Table t = parse_csv("dept,n,b\n01,1,0\n75,2,1\n", o);
  EXPECT_EQ(t.column("dept").format_value(0), "01");
  EXPECT_EQ(t.column("n").type(), ColumnType::Float64);
  EXPECT_EQ(t.column("b").b8()[1], 1);
  o.column_types["nope"] = ColumnType::Bool;
  EXPECT_NE(error_of("dept,n,b\n01,1,0\n", o).find("unknown column \"nope\""), std::string::npos);
}

TEST(CsvRead, LineEndingsBomAndBlankLines) {
  const Table t = parse_csv("\xEF\xBB\xBFid,x\r\n1,2\r\n\r\n3,4");
  ASSERT_EQ(t.num_rows(), 2u);
  EXPECT_EQ(t.column_names()[0], "id");
  EXPECT_EQ(t.column("x").i64()[1], 4);
}

TEST(CsvRead, ErrorsNameFileLineColumnAndText) {
  std::string e = error_of("a,b\n1,2\n3\n");
  EXPECT_NE(e.find("data.csv:3:1: row has 1 fields but the header has 2"), std::string::npos) << e;
  // Line numbers count the physical lines of quoted newlines.
  e = error_of("a,b\n\"x\ny\",2\n3,4,5\n");
  EXPECT_NE(e.find("data.csv:4:1:"), std::string::npos) << e;
  CsvReadOptions o;
  o.column_types["b"] = ColumnType::Float64;
  e = error_of("a,b\n1,2\n2,abc\n", o);
  EXPECT_NE(e.find("data.csv:3:3: column \"b\": cannot read \"abc\" as a number"), std::string::npos) << e;
  e = error_of("a,b\n1,2.5\n2,NaN\n");
  EXPECT_NE(e.find("data.csv:3:3: column \"b\": cannot read \"NaN\" as a finite number"), std::string::npos) << e;
  e = error_of("a,b\n1,\"open\n");
  EXPECT_NE(e.find("data.csv:2:3: quoted field never closed"), std::string::npos) << e;
  e = error_of("a,b\n1,5\" screen\n");
  EXPECT_NE(e.find("data.csv:2:4: quote inside an unquoted field"), std::string::npos) << e;
  e = error_of("a,b,a\n1,2,3\n");
  EXPECT_NE(e.find("duplicate column name \"a\""), std::string::npos) << e;
  e = error_of("");
  EXPECT_NE(e.find("the file is empty"), std::string::npos) << e;
  o.column_types = {{"a", ColumnType::Int64}};
  e = error_of("a\n1.5\n", o);
  EXPECT_NE(e.find("data.csv:2:1: column \"a\": cannot read \"1.5\" as a 64-bit integer"), std::string::npos) << e;
}

TEST(CsvRead, MissingFile) {
  try {
    read_csv("/nonexistent/cohort.csv");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cohort.csv: no such file"), std::string::npos);
  }
}

// A file with quoted newlines, escaped quotes and missing values, parsed with
// chunks small enough that chunk boundaries fall inside quoted fields.
std::string messy_csv(size_t rows) {
  std::ostringstream s;
  s << "id,label,x,flag\n";
  for (size_t i = 0; i < rows; ++i) {
    s << i << ",";
    if (i % 7 == 0) s << "\"multi\nline " << i % 13 << "\"";
    else if (i % 5 == 0) s << "\"with \"\"quotes\"\", and comma\"";
    else s << "L" << i % 11;
    s << "," << (i % 9 == 0 ? std::string("NA") : std::to_string(static_cast<double>(i) / 8.0)) << ","
      << (i % 2 ? "TRUE" : "FALSE") << "\n";
  }
  return s.str();
}

TEST(CsvRead, ChunkedParallelParseEqualsSerial) {
  const std::string text = messy_csv(3000);
  CsvReadOptions serial;
  serial.chunk_bytes = text.size() + 1;
  set_thread_count(1);
  const Table expected = parse_csv(text, serial);
  ASSERT_EQ(expected.num_rows(), 3000u);
  EXPECT_EQ(expected.column("label").format_value(7), "multi\nline 7");
  for (size_t chunk : {size_t{17}, size_t{64}, size_t{1000}}) {
    for (int threads : {1, 2, 7}) {
      set_thread_count(threads);
      CsvReadOptions o;
      o.chunk_bytes = chunk;
      EXPECT_EQ(parse_csv(text, o), expected) << "chunk " << chunk << ", threads " << threads;
    }
  }
  set_thread_count(0);
}

TEST(CsvRead, ErrorInALaterChunkHasItsLine) {
  std::string text = messy_csv(2000);
  text += "1,2\n";  // ragged last row
  CsvReadOptions o;
  o.chunk_bytes = 256;
  const std::string e = error_of(text, o);
  // 1 header line + 2000 rows, of which ceil(2000/7) hold one quoted newline.
  const size_t line = 1 + 2000 + (2000 + 6) / 7 + 1;
  EXPECT_NE(e.find("data.csv:" + std::to_string(line) + ":1: row has 2 fields"), std::string::npos) << e;
}

TEST(CsvWrite, QuotesWhatNeedsItAndRoundTrips) {
  const Table t = parse_csv(messy_csv(50));
  std::ostringstream out;
  write_csv(t, out);
  const Table back = parse_csv(out.str());
  EXPECT_EQ(back, t);
  std::ostringstream again;
  write_csv(back, again);
  EXPECT_EQ(again.str(), out.str());
}

TEST(CsvWrite, FrenchOutput) {
  Table t("t");
  t.add_column(Column::float64("x", {12.5, kMissingFloat64}));
  t.add_column(Column::categorical("s", {0, 0}, {"a;b"}));
  std::ostringstream out;
  CsvWriteOptions o;
  o.delimiter = ';';
  o.decimal = ',';
  o.na = "";
  write_csv(t, out, o);
  EXPECT_EQ(out.str(), "x;s\n12,5;\"a;b\"\n;\"a;b\"\n");
}

TEST(CsvWrite, FailedWriteLeavesNoFile) {
  testing::TempDir dir;
  Table t("t");
  t.add_column(Column::float64("x", {1}));
  CsvWriteOptions bad;
  bad.decimal = ',';  // same as the delimiter: refused
  EXPECT_THROW(write_csv(t, dir.file("out.csv"), bad), InputError);
  EXPECT_EQ(dir.entries(), 0u);
  write_csv(t, dir.file("out.csv"));
  EXPECT_EQ(testing::read_file(dir.file("out.csv")), "x\n1\n");
  EXPECT_EQ(dir.entries(), 1u);
}

}  // namespace
}  // namespace impactsim
