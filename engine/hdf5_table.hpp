// Tables in HDF5 files, through the official HDF5 C library.
//
// Layout: one group per table (/patients, /yearly), one 1-D chunked dataset
// per column. On disk a column keeps its type and its missing code:
//   float64 -> IEEE f64 LE, missing NaN        bool        -> u8, missing 255
//   int64   -> narrowest of i8/16/32/64 LE,   categorical -> i32 codes, missing -1,
//              missing its minimum                        levels in attribute "levels"
// Each dataset has attributes "type" and "missing"; each group has
// "schema_version", "creator", "num_rows", "columns" (the column order) and
// one string attribute per table metadata entry (e.g. "seed").
// Compression is HDF5's shuffle + deflate pipeline (readable by every HDF5
// reader), or none. Chunks are compressed and inflated in parallel outside
// the library and moved with H5Dwrite_chunk/H5Dread_chunk; files from other
// writers (other filters, types or layouts) are read through the library.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/table.hpp"

namespace impactsim {

inline constexpr int kHdf5SchemaVersion = 1;

enum class Compression { None, Deflate };

struct Hdf5WriteOptions {
  Compression compression = Compression::Deflate;
  // zlib level 1..9. Level 1 after the byte shuffle gets most of the size
  // gain of higher levels at several times their speed (bench/RESULTS.md).
  int deflate_level = 1;
  bool shuffle = true;
  // Rows per chunk: the unit of compression, of parallelism and of partial
  // reads (512 KiB of float64).
  size_t chunk_rows = size_t{1} << 16;
};

// Writes the tables, each as a group named after the table, into a new file
// (an existing file is replaced only once the new one is complete). Int64
// columns are stored in the narrowest of 8, 16, 32 or 64 bits that holds
// their values (the missing code becomes that width's minimum); they read
// back as int64.
void write_hdf5(const std::string& path, const std::vector<const Table*>& tables, const Hdf5WriteOptions& options = {});
void write_hdf5(const std::string& path, const Table& table, const Hdf5WriteOptions& options = {});

// Writes tables into a new file block by block, so that a table larger than
// memory (a generated cohort) streams to disk as it is produced. Rows are
// buffered until a chunk is full; full chunks are compressed in parallel.
// The file appears at `path` only on commit(); a writer destroyed without
// commit() leaves nothing behind.
class Hdf5Writer {
 public:
  explicit Hdf5Writer(const std::string& path, const Hdf5WriteOptions& options = {});
  ~Hdf5Writer();
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;

  // Starts a table with the name, columns (names, types, levels) and metadata
  // of `schema`; its rows are not written. `int_bits` gives, by column name,
  // the bits an Int64 column is stored in on disk (8, 16, 32; 64 when not
  // listed); a value that does not fit is an error on append. Returns the
  // table's handle.
  size_t add_table(const Table& schema, const std::map<std::string, int>& int_bits = {});
  // Appends rows: same columns, in the same order, with the same levels.
  void append(size_t table, const Table& rows);
  // Metadata entries added after add_table (written on commit).
  void set_metadata(size_t table, const std::string& key, const std::string& value);
  size_t num_rows(size_t table) const;
  // Writes the last partial chunks, the row counts and renames the file into place.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Names of the tables (groups) in a file.
std::vector<std::string> hdf5_table_names(const std::string& path);

// Reads a table, or only some of its columns. An empty `table` means the only
// table of the file (an error lists the tables if there are several).
Table read_hdf5(const std::string& path, const std::string& table = "", const std::vector<std::string>& columns = {});

// Reads a table by row blocks, e.g. to stream a cohort larger than memory.
class Hdf5TableReader {
 public:
  explicit Hdf5TableReader(const std::string& path, const std::string& table = "");
  ~Hdf5TableReader();
  Hdf5TableReader(Hdf5TableReader&&) noexcept;
  Hdf5TableReader& operator=(Hdf5TableReader&&) noexcept;

  const std::string& table_name() const;
  size_t num_rows() const;
  const std::vector<std::string>& column_names() const;
  const std::map<std::string, std::string>& metadata() const;

  // Rows [begin, begin + count) of the named columns (all if empty).
  Table read_rows(size_t begin, size_t count, const std::vector<std::string>& columns = {}) const;
  Table read(const std::vector<std::string>& columns = {}) const { return read_rows(0, num_rows(), columns); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace impactsim
