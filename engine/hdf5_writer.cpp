// Writing tables to HDF5 (engine/hdf5_table.hpp): Hdf5Writer streams
// blocks of rows into chunked datasets, compressing full chunks in parallel
// and writing them raw (H5Dwrite_chunk); write_hdf5 writes whole tables.
#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "engine/atomic_file.hpp"
#include "engine/chunk_codec.hpp"
#include "engine/error.hpp"
#include "engine/hdf5/hdf5_util.hpp"
#include "engine/hdf5_table.hpp"
#include "engine/parallel.hpp"
#include "engine/version.hpp"

namespace impactsim {

using namespace hdf5;

namespace {

template <class Narrow>
void narrow_ints(std::span<const int64_t> in, uint8_t* out, const std::string& column, const std::string& path) {
  constexpr int64_t lo = std::numeric_limits<Narrow>::min(), hi = std::numeric_limits<Narrow>::max();
  auto* o = reinterpret_cast<Narrow*>(out);
  for (size_t i = 0; i < in.size(); ++i) {
    const int64_t x = in[i];
    if (x == kMissingInt64) {
      o[i] = static_cast<Narrow>(lo);
    } else if (x <= lo || x > hi) {
      fail(path, "column \"" + column + "\" holds " + std::to_string(x) + ", outside the " +
                     std::to_string(sizeof(Narrow) * 8) + "-bit storage declared for it");
    } else {
      o[i] = static_cast<Narrow>(x);
    }
  }
}

struct ColumnSink {
  std::string name;
  ColumnType type;
  std::vector<std::string> levels;
  size_t elem = 8;             // bytes per value on disk
  std::vector<uint8_t> pending;  // values not yet in a written chunk, disk layout
  size_t chunks_written = 0;
  Hid dset;
};

struct TableSink {
  std::string name;
  Hid group;
  std::vector<ColumnSink> columns;
  std::map<std::string, std::string> metadata;
  size_t rows = 0;
};

}  // namespace

struct Hdf5Writer::Impl {
  std::string path;
  Hdf5WriteOptions options;
  std::unique_ptr<AtomicFile> out;
  Hid file;
  std::vector<TableSink> tables;
  bool committed = false;

  void create_column(TableSink& t, const Column& col, int bits);
  // Writes the full chunks of `c.pending` (and, when `final`, the partial last one).
  void flush(ColumnSink& c, bool final);
};

void Hdf5Writer::Impl::create_column(TableSink& t, const Column& col, int bits) {
  check_link_name(col.name(), "column name", path);
  ColumnSink c;
  c.name = col.name();
  c.type = col.type();
  c.levels = col.levels();
  DiskType dt = disk_type(col.type());
  std::string missing_text = dt.missing_text;
  std::vector<uint8_t> missing(8);
  fill_missing(missing.data(), col.type(), 1);
  if (col.type() == ColumnType::Int64 && bits != 64) {
    const IntStorage st = int_storage(bits);
    dt = {st.file, st.memory, static_cast<size_t>(bits / 8), nullptr};
    missing_text = std::to_string(st.missing);
    std::memcpy(missing.data(), &st.missing, 8);  // little-endian: the low bytes are the narrow minimum
  }
  c.elem = dt.size;
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED;
  const hsize_t chunk = std::max<size_t>(1, options.chunk_rows);
  Hid space(H5Screate_simple(1, &zero, &unlimited), H5Sclose);
  Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(dcpl, false);  // no timestamps: same data, same bytes
  check(H5Pset_chunk(dcpl, 1, &chunk), path, "invalid chunk size");
  if (options.compression == Compression::Deflate) {
    if (options.shuffle) H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, static_cast<unsigned>(options.deflate_level));
  }
  H5Pset_fill_value(dcpl, dt.memory, missing.data());
  c.dset = check(H5Dcreate2(t.group, col.name().c_str(), dt.file, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
                 path, "cannot create dataset for column \"" + col.name() + "\"");
  write_attr_string(c.dset, "type", std::string(to_string(col.type())), path);
  write_attr_string(c.dset, "missing", missing_text, path);
  if (col.type() == ColumnType::Categorical) write_attr_strings(c.dset, "levels", col.levels(), path);
  t.columns.push_back(std::move(c));
}

void Hdf5Writer::Impl::flush(ColumnSink& c, bool final) {
  const size_t chunk = std::max<size_t>(1, options.chunk_rows);
  const size_t rows = c.pending.size() / c.elem;
  const size_t nchunks = final ? (rows + chunk - 1) / chunk : rows / chunk;
  if (nchunks == 0) return;
  const size_t chunk_bytes = chunk * c.elem;
  const bool deflate = options.compression == Compression::Deflate;
  const bool shuffle = deflate && options.shuffle && c.elem > 1;
  // The extent must cover a chunk before it is written; commit() trims it.
  const hsize_t extent = (c.chunks_written + nchunks) * chunk;
  check(H5Dset_extent(c.dset, &extent), path, "cannot extend column \"" + c.name + "\"");
  const size_t batch = std::max<size_t>(16, 4 * static_cast<size_t>(thread_count()));
  std::vector<std::vector<uint8_t>> packed(std::min(batch, nchunks));
  for (size_t first = 0; first < nchunks; first += batch) {
    const size_t count = std::min(batch, nchunks - first);
    parallel_for_blocks(count, 1, [&](size_t b, size_t, size_t) {
      const size_t byte0 = (first + b) * chunk_bytes;
      std::vector<uint8_t> plain(chunk_bytes, 0);  // edge chunks are stored full size, padded
      std::memcpy(plain.data(), c.pending.data() + byte0, std::min(chunk_bytes, c.pending.size() - byte0));
      if (!deflate) {
        packed[b] = std::move(plain);
      } else if (shuffle) {
        std::vector<uint8_t> shuffled(chunk_bytes);
        shuffle_bytes(plain.data(), shuffled.data(), chunk, c.elem);
        packed[b] = deflate_bytes(shuffled, options.deflate_level);
      } else {
        packed[b] = deflate_bytes(plain, options.deflate_level);
      }
    });
    for (size_t b = 0; b < count; ++b) {  // the library's I/O is single-threaded
      const hsize_t offset = (c.chunks_written + first + b) * chunk;
      check(H5Dwrite_chunk(c.dset, H5P_DEFAULT, 0, &offset, packed[b].size(), packed[b].data()), path,
            "cannot write column \"" + c.name + "\" (disk full?)");
    }
  }
  c.chunks_written += nchunks;
  const size_t used = std::min(c.pending.size(), nchunks * chunk_bytes);
  c.pending.erase(c.pending.begin(), c.pending.begin() + static_cast<std::ptrdiff_t>(used));
}

Hdf5Writer::Hdf5Writer(const std::string& path, const Hdf5WriteOptions& options) : impl_(std::make_unique<Impl>()) {
  silence_hdf5();
  Impl& m = *impl_;
  m.path = path;
  m.options = options;
  if (options.compression == Compression::Deflate && (options.deflate_level < 1 || options.deflate_level > 9)) {
    fail(path, "deflate level must be 1..9");
  }
  m.out = std::make_unique<AtomicFile>(path);
  // Format bounds 1.8: compact headers, and large attributes (many levels)
  // go to dense storage; every HDF5 >= 1.8 reader opens the file.
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
  Hid fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  H5Pset_obj_track_times(fcpl, false);  // the root group's timestamps
  m.file = check(H5Fcreate(m.out->temp_path().c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose, path,
                 "cannot create the file (directory writable?)");
}

Hdf5Writer::~Hdf5Writer() {
  if (!impl_) return;
  impl_->tables.clear();  // close every object before the file
  impl_->file = Hid();
  impl_->out.reset();  // removes the temporary file unless committed
}

size_t Hdf5Writer::add_table(const Table& schema, const std::map<std::string, int>& int_bits) {
  Impl& m = *impl_;
  TableSink t;
  t.name = schema.name().empty() ? "table" : schema.name();
  check_link_name(t.name, "table name", m.path);
  Hid gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Pset_obj_track_times(gcpl, false);
  t.group = check(H5Gcreate2(m.file, t.name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose, m.path,
                  "cannot create group /" + t.name + " (two tables with the same name?)");
  t.metadata = schema.metadata();
  for (const auto& col : schema.columns()) {
    const auto it = int_bits.find(col.name());
    const int bits = it == int_bits.end() ? 64 : it->second;
    if (bits != 8 && bits != 16 && bits != 32 && bits != 64) {
      throw std::invalid_argument("Hdf5Writer: storage bits must be 8, 16, 32 or 64");
    }
    m.create_column(t, col, bits);
  }
  m.tables.push_back(std::move(t));
  return m.tables.size() - 1;
}

void Hdf5Writer::append(size_t table, const Table& rows) {
  Impl& m = *impl_;
  TableSink& t = m.tables.at(table);
  if (rows.num_columns() != t.columns.size()) {
    throw std::invalid_argument("Hdf5Writer::append: table \"" + t.name + "\" has another number of columns");
  }
  for (size_t j = 0; j < t.columns.size(); ++j) {
    ColumnSink& c = t.columns[j];
    const Column& col = rows.column(j);
    if (col.name() != c.name || col.type() != c.type || col.levels() != c.levels) {
      throw std::invalid_argument("Hdf5Writer::append: column \"" + col.name() + "\" of table \"" + t.name +
                                  "\" differs from the schema (name, type or levels)");
    }
    const size_t n = col.size(), old = c.pending.size();
    c.pending.resize(old + n * c.elem);
    uint8_t* dst = c.pending.data() + old;
    if (c.type == ColumnType::Int64 && c.elem != 8) {
      if (c.elem == 1) narrow_ints<int8_t>(col.i64(), dst, c.name, m.path);
      if (c.elem == 2) narrow_ints<int16_t>(col.i64(), dst, c.name, m.path);
      if (c.elem == 4) narrow_ints<int32_t>(col.i64(), dst, c.name, m.path);
    } else if (n > 0) {
      std::memcpy(dst, column_data(col), n * c.elem);
    }
    m.flush(c, false);
  }
  t.rows += rows.num_rows();
}

void Hdf5Writer::set_metadata(size_t table, const std::string& key, const std::string& value) {
  impl_->tables.at(table).metadata[key] = value;
}

size_t Hdf5Writer::num_rows(size_t table) const { return impl_->tables.at(table).rows; }

void Hdf5Writer::commit() {
  Impl& m = *impl_;
  if (m.committed) return;
  for (TableSink& t : m.tables) {
    std::vector<std::string> names;
    for (ColumnSink& c : t.columns) {
      m.flush(c, true);
      const hsize_t rows = t.rows;
      check(H5Dset_extent(c.dset, &rows), m.path, "cannot size column \"" + c.name + "\"");
      names.push_back(c.name);
    }
    write_attr_int(t.group, "schema_version", kHdf5SchemaVersion, m.path);
    write_attr_string(t.group, "creator", std::string(kProgramName) + " " + kVersion, m.path);
    write_attr_int(t.group, "num_rows", static_cast<int64_t>(t.rows), m.path);
    write_attr_strings(t.group, "columns", names, m.path);
    for (const auto& [key, value] : t.metadata) {
      if (is_reserved_attr(key)) continue;  // written above from the table itself
      check_link_name(key, "metadata key", m.path);
      write_attr_string(t.group, key.c_str(), value, m.path);
    }
  }
  check(H5Fflush(m.file, H5F_SCOPE_GLOBAL), m.path, "cannot flush the file (disk full?)");
  m.tables.clear();
  m.file = Hid();
  m.out->commit();
  m.committed = true;
}

void write_hdf5(const std::string& path, const std::vector<const Table*>& tables, const Hdf5WriteOptions& options) {
  Hdf5Writer writer(path, options);
  for (const Table* t : tables) {
    std::map<std::string, int> bits;
    for (const auto& col : t->columns()) {
      if (col.type() == ColumnType::Int64) bits[col.name()] = narrowest_int_bits(col.i64());
    }
    writer.append(writer.add_table(*t, bits), *t);
  }
  writer.commit();
}

void write_hdf5(const std::string& path, const Table& table, const Hdf5WriteOptions& options) {
  write_hdf5(path, std::vector<const Table*>{&table}, options);
}

}  // namespace impactsim
