// Tables in HDF5 files, through the official HDF5 C library.
//
// Layout: one group per table (/patients, /yearly), one 1-D chunked dataset
// per column. On disk a column keeps its type and its missing code:
//   float64 -> IEEE f64 LE, missing NaN        bool        -> u8, missing 255
//   int64   -> i64 LE, missing INT64_MIN       categorical -> i32 codes, missing -1,
//                                                             levels in attribute "levels"
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
// (an existing file is replaced only once the new one is complete).
void write_hdf5(const std::string& path, const std::vector<const Table*>& tables, const Hdf5WriteOptions& options = {});
void write_hdf5(const std::string& path, const Table& table, const Hdf5WriteOptions& options = {});

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
