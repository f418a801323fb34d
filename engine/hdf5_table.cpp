#include "engine/hdf5_table.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "engine/atomic_file.hpp"
#include "engine/chunk_codec.hpp"
#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/version.hpp"

namespace impactsim {
namespace {

// Owning HDF5 identifier, closed with the function that matches its kind.
class Hid {
 public:
  Hid() = default;
  Hid(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Hid() { reset(); }
  Hid(Hid&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Hid& operator=(Hid&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = -1;
    }
    return *this;
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  void reset() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = -1;
  }
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// The library prints its error stack to stderr by default; we report our own
// one-line errors instead.
void silence_hdf5() {
  static const bool done = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)done;
}

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw InputError(path + ": " + what); }

Hid check(hid_t id, herr_t (*close)(hid_t), const std::string& path, const std::string& what) {
  if (id < 0) fail(path, what);
  return Hid(id, close);
}

void check(herr_t rc, const std::string& path, const std::string& what) {
  if (rc < 0) fail(path, what);
}

// ---- attributes ------------------------------------------------------------

Hid vlen_string_type() {
  Hid t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

void write_attr_strings(hid_t obj, const char* name, const std::vector<std::string>& values, const std::string& path) {
  Hid type = vlen_string_type();
  const hsize_t n = values.size();
  Hid space = n == 0 ? Hid(H5Screate(H5S_NULL), H5Sclose) : Hid(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Hid attr = check(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, path,
                   std::string("cannot create attribute ") + name);
  if (n == 0) return;
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  check(H5Awrite(attr, type, ptrs.data()), path, std::string("cannot write attribute ") + name);
}

void write_attr_string(hid_t obj, const char* name, const std::string& value, const std::string& path) {
  Hid type = vlen_string_type();
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  Hid attr = check(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, path,
                   std::string("cannot create attribute ") + name);
  const char* p = value.c_str();
  check(H5Awrite(attr, type, &p), path, std::string("cannot write attribute ") + name);
}

void write_attr_int(hid_t obj, const char* name, int64_t value, const std::string& path) {
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  Hid attr = check(H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, path,
                   std::string("cannot create attribute ") + name);
  check(H5Awrite(attr, H5T_NATIVE_INT64, &value), path, std::string("cannot write attribute ") + name);
}

// Reads a string or string-array attribute, fixed or variable length; numbers
// are returned as their text. nullopt when absent.
std::optional<std::vector<std::string>> read_attr(hid_t obj, const char* name, const std::string& path) {
  if (H5Aexists(obj, name) <= 0) return std::nullopt;
  Hid attr = check(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, path, std::string("cannot open attribute ") + name);
  Hid type = check(H5Aget_type(attr), H5Tclose, path, "cannot read attribute type");
  Hid space = check(H5Aget_space(attr), H5Sclose, path, "cannot read attribute space");
  const hssize_t npoints = H5Sget_simple_extent_npoints(space);
  const auto n = static_cast<size_t>(std::max<hssize_t>(npoints, 0));
  std::vector<std::string> out;
  if (n == 0 || H5Sget_simple_extent_type(space) == H5S_NULL) return out;
  const H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_STRING) {
    if (H5Tis_variable_str(type) > 0) {
      Hid mem = vlen_string_type();
      std::vector<char*> ptrs(n, nullptr);
      check(H5Aread(attr, mem, ptrs.data()), path, std::string("cannot read attribute ") + name);
      for (char* p : ptrs) out.emplace_back(p ? p : "");
      H5Dvlen_reclaim(mem, space, H5P_DEFAULT, ptrs.data());
    } else {
      const size_t len = H5Tget_size(type);
      std::vector<char> buf(n * len);
      check(H5Aread(attr, type, buf.data()), path, std::string("cannot read attribute ") + name);
      for (size_t i = 0; i < n; ++i) {
        std::string s(buf.data() + i * len, len);
        s.erase(std::find(s.begin(), s.end(), '\0'), s.end());
        out.push_back(std::move(s));
      }
    }
  } else if (cls == H5T_INTEGER) {
    std::vector<int64_t> v(n);
    check(H5Aread(attr, H5T_NATIVE_INT64, v.data()), path, std::string("cannot read attribute ") + name);
    for (int64_t x : v) out.push_back(std::to_string(x));
  } else if (cls == H5T_FLOAT) {
    std::vector<double> v(n);
    check(H5Aread(attr, H5T_NATIVE_DOUBLE, v.data()), path, std::string("cannot read attribute ") + name);
    for (double x : v) out.push_back(std::to_string(x));
  }
  return out;
}

// Attributes the layout itself uses; metadata keys may not take these names.
bool is_reserved_attr(std::string_view n) {
  return n == "schema_version" || n == "creator" || n == "num_rows" || n == "columns";
}

// ---- column types on disk --------------------------------------------------

struct DiskType {
  hid_t file;
  hid_t memory;
  size_t size;
  const char* missing_text;
};

DiskType disk_type(ColumnType t) {
  switch (t) {
    case ColumnType::Float64: return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 8, "NaN"};
    case ColumnType::Int64: return {H5T_STD_I64LE, H5T_NATIVE_INT64, 8, "-9223372036854775808"};
    case ColumnType::Bool: return {H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, "255"};
    case ColumnType::Categorical: return {H5T_STD_I32LE, H5T_NATIVE_INT32, 4, "-1"};
  }
  return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 8, "NaN"};
}

const void* column_data(const Column& c) {
  switch (c.type()) {
    case ColumnType::Float64: return c.f64().data();
    case ColumnType::Int64: return c.i64().data();
    case ColumnType::Bool: return c.b8().data();
    case ColumnType::Categorical: return c.codes().data();
  }
  return nullptr;
}

// Fills n elements of `type` at `dst` with its missing code.
void fill_missing(void* dst, ColumnType type, size_t n) {
  switch (type) {
    case ColumnType::Float64: std::fill_n(static_cast<double*>(dst), n, kMissingFloat64); return;
    case ColumnType::Int64: std::fill_n(static_cast<int64_t*>(dst), n, kMissingInt64); return;
    case ColumnType::Bool: std::fill_n(static_cast<uint8_t*>(dst), n, kMissingBool); return;
    case ColumnType::Categorical: std::fill_n(static_cast<int32_t*>(dst), n, kMissingCode); return;
  }
}

void check_link_name(const std::string& name, const std::string& what, const std::string& path) {
  if (name.empty() || name == "." || name.find('/') != std::string::npos) {
    fail(path, what + " \"" + name + "\" cannot be stored in HDF5 (empty, \".\" or containing '/'); rename it");
  }
}

// ---- writing ---------------------------------------------------------------

// Storage of an Int64 column in `bits` bits: HDF5 type and missing code.
struct IntStorage {
  hid_t file;
  hid_t memory;
  int64_t missing;  // the width's minimum, which values may not take
};

IntStorage int_storage(int bits) {
  switch (bits) {
    case 8: return {H5T_STD_I8LE, H5T_NATIVE_INT8, INT8_MIN};
    case 16: return {H5T_STD_I16LE, H5T_NATIVE_INT16, INT16_MIN};
    case 32: return {H5T_STD_I32LE, H5T_NATIVE_INT32, INT32_MIN};
    default: return {H5T_STD_I64LE, H5T_NATIVE_INT64, kMissingInt64};
  }
}

// Narrowest width (8, 16, 32, 64) that holds every non-missing value.
int narrowest_int_bits(std::span<const int64_t> v) {
  int64_t lo = 0, hi = 0;
  for (int64_t x : v) {
    if (x == kMissingInt64) continue;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  for (int bits : {8, 16, 32}) {
    const int64_t max = (int64_t{1} << (bits - 1)) - 1;
    if (lo > -max - 1 && hi <= max) return bits;
  }
  return 64;
}

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

namespace {

Hid open_file(const std::string& path) {
  silence_hdf5();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(path, "no such file; check the path");
  if (H5Fis_hdf5(path.c_str()) <= 0) fail(path, "not an HDF5 file (or damaged); expected a file written by impactsim convert or generate");
  return check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path,
               "cannot open the HDF5 file (truncated or damaged?)");
}

// Names of the objects of one kind (groups or datasets) directly under `loc`,
// in name order.
std::vector<std::string> list_objects(hid_t loc, H5O_type_t kind, const std::string& path) {
  struct Query {
    H5O_type_t kind;
    std::vector<std::string> names;
  } query{kind, {}};
  auto cb = [](hid_t parent, const char* name, const H5L_info_t*, void* data) -> herr_t {
    auto* q = static_cast<Query*>(data);
    H5O_info_t info;
    if (H5Oget_info_by_name2(parent, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 && info.type == q->kind) {
      q->names.emplace_back(name);
    }
    return 0;
  };
  check(H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, nullptr, cb, &query), path,
        "cannot list the file's contents (truncated or damaged?)");
  return query.names;
}

std::vector<std::string> group_names(hid_t file, const std::string& path) {
  return list_objects(file, H5O_TYPE_GROUP, path);
}

}  // namespace

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

std::vector<std::string> hdf5_table_names(const std::string& path) {
  Hid file = open_file(path);
  return group_names(file, path);
}

// ---- reading ---------------------------------------------------------------

struct Hdf5TableReader::Impl {
  std::string path;
  std::string table;
  Hid file;
  Hid group;
  size_t num_rows = 0;
  std::vector<std::string> columns;
  std::map<std::string, std::string> metadata;

  std::string where(const std::string& column) const { return "column \"" + column + "\" of table \"" + table + "\""; }

  Column read_column(const std::string& name, size_t begin, size_t count) const;
};

Hdf5TableReader::Hdf5TableReader(const std::string& path, const std::string& table) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  m.file = open_file(path);
  const auto tables = group_names(m.file, path);
  if (table.empty()) {
    if (tables.size() != 1) {
      std::string list;
      for (const auto& t : tables) list += (list.empty() ? "" : ", ") + t;
      fail(path, tables.empty() ? std::string("holds no table") : "holds several tables (" + list + "); name one with --table");
    }
    m.table = tables[0];
  } else {
    if (std::find(tables.begin(), tables.end(), table) == tables.end()) {
      fail(path, "no table \"" + table + "\"" + suggest_names(table, tables));
    }
    m.table = table;
  }
  m.group = check(H5Gopen2(m.file, m.table.c_str(), H5P_DEFAULT), H5Gclose, path, "cannot open table \"" + m.table + "\"");

  if (auto cols = read_attr(m.group, "columns", path)) {
    m.columns = *cols;
  } else {  // a file from another writer: its datasets, in name order
    m.columns = list_objects(m.group, H5O_TYPE_DATASET, path);
  }
  // Row count: from the first dataset (all must agree; checked on read).
  if (!m.columns.empty()) {
    Hid dset = check(H5Dopen2(m.group, m.columns[0].c_str(), H5P_DEFAULT), H5Dclose, path,
                     "cannot open " + m.where(m.columns[0]) + " (truncated or damaged?)");
    Hid space = check(H5Dget_space(dset), H5Sclose, path, "cannot read dataset shape");
    if (H5Sget_simple_extent_ndims(space) != 1) fail(path, m.where(m.columns[0]) + " is not one-dimensional");
    hsize_t dims = 0;
    H5Sget_simple_extent_dims(space, &dims, nullptr);
    m.num_rows = dims;
  }
  // Metadata: every group attribute but the layout's own.
  auto cb = [](hid_t loc, const char* name, const H5A_info_t*, void* data) -> herr_t {
    auto* self = static_cast<Impl*>(data);
    if (is_reserved_attr(name)) return 0;
    if (auto v = read_attr(loc, name, self->path); v && v->size() == 1) self->metadata[name] = (*v)[0];
    return 0;
  };
  H5Aiterate2(m.group, H5_INDEX_NAME, H5_ITER_INC, nullptr, cb, &m);
  if (auto v = read_attr(m.group, "schema_version", path); v && !v->empty()) m.metadata["schema_version"] = (*v)[0];
  if (auto v = read_attr(m.group, "creator", path); v && !v->empty()) m.metadata["creator"] = (*v)[0];
}

Hdf5TableReader::~Hdf5TableReader() = default;
Hdf5TableReader::Hdf5TableReader(Hdf5TableReader&&) noexcept = default;
Hdf5TableReader& Hdf5TableReader::operator=(Hdf5TableReader&&) noexcept = default;

const std::string& Hdf5TableReader::table_name() const { return impl_->table; }
size_t Hdf5TableReader::num_rows() const { return impl_->num_rows; }
const std::vector<std::string>& Hdf5TableReader::column_names() const { return impl_->columns; }
const std::map<std::string, std::string>& Hdf5TableReader::metadata() const { return impl_->metadata; }

Column Hdf5TableReader::Impl::read_column(const std::string& name, size_t begin, size_t count) const {
  const std::string what = where(name);
  Hid dset = check(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, path,
                   "cannot open " + what + " (truncated or damaged?)");
  Hid ftype = check(H5Dget_type(dset), H5Tclose, path, "cannot read the type of " + what);
  Hid space = check(H5Dget_space(dset), H5Sclose, path, "cannot read the shape of " + what);
  hsize_t dims = 0;
  if (H5Sget_simple_extent_ndims(space) != 1) fail(path, what + " is not one-dimensional");
  H5Sget_simple_extent_dims(space, &dims, nullptr);
  if (dims != num_rows) {
    fail(path, what + " has " + std::to_string(dims) + " rows, the table " + std::to_string(num_rows));
  }

  ColumnType type;
  bool ours = false;  // written by impactsim: "type" and "missing" attributes
  if (auto t = read_attr(dset, "type", path); t && t->size() == 1) {
    ours = true;
    auto parsed = parse_column_type((*t)[0]);
    if (!parsed) fail(path, what + " has unknown type \"" + (*t)[0] + "\"");
    type = *parsed;
  } else {
    const H5T_class_t cls = H5Tget_class(ftype);
    if (cls == H5T_FLOAT) {
      type = ColumnType::Float64;
    } else if (cls == H5T_INTEGER) {
      if (H5Tget_sign(ftype) == H5T_SGN_NONE && H5Tget_size(ftype) >= 8) {
        fail(path, what + " is an unsigned 64-bit integer, which int64 cannot hold without loss");
      }
      type = ColumnType::Int64;
    } else {
      fail(path, what + " has an HDF5 type impactsim cannot read (only numbers; store strings as categorical codes with a \"levels\" attribute)");
    }
  }
  std::vector<std::string> levels;
  if (type == ColumnType::Categorical) {
    auto lv = read_attr(dset, "levels", path);
    if (!lv) fail(path, what + " is categorical but has no \"levels\" attribute");
    levels = std::move(*lv);
  }
  DiskType dt = disk_type(type);
  // An int64 column we stored narrower: read at its width, widen at the end.
  const size_t file_size = H5Tget_size(ftype);
  const bool narrow = ours && type == ColumnType::Int64 && H5Tget_class(ftype) == H5T_INTEGER && file_size < 8 &&
                      (file_size == 1 || file_size == 2 || file_size == 4) && H5Tget_sign(ftype) == H5T_SGN_2;
  if (narrow) {
    const IntStorage st = int_storage(static_cast<int>(file_size * 8));
    dt = {st.file, st.memory, file_size, nullptr};
  }

  // Zero-initialised storage, filled in place (no second pass, no copy).
  Column col;
  switch (type) {
    case ColumnType::Float64: col = Column::float64(name, std::vector<double>(count)); break;
    case ColumnType::Int64: col = Column::int64(name, std::vector<int64_t>(count)); break;
    case ColumnType::Bool: col = Column::boolean(name, std::vector<uint8_t>(count)); break;
    case ColumnType::Categorical: col = Column::categorical(name, std::vector<int32_t>(count), std::move(levels)); break;
  }
  if (count == 0) return col;
  std::vector<uint8_t> narrow_values(narrow ? count * dt.size : 0);
  void* dst = narrow ? narrow_values.data() : const_cast<void*>(column_data(col));

  // Fast path: our own layout (same type, chunked; shuffle + deflate, deflate
  // or no filter): raw chunks out of the library, filters undone in parallel.
  Hid dcpl = check(H5Dget_create_plist(dset), H5Pclose, path, "cannot read the layout of " + what);
  bool fast = H5Tequal(ftype, dt.memory) > 0 && H5Pget_layout(dcpl) == H5D_CHUNKED;
  bool has_shuffle = false, has_deflate = false;
  const int nfilters = H5Pget_nfilters(dcpl);
  int shuffle_index = -1, deflate_index = -1;
  for (int i = 0; i < nfilters && fast; ++i) {
    unsigned flags = 0;
    size_t nelem = 0;
    unsigned cd[8];
    const H5Z_filter_t f = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &nelem, cd, 0, nullptr, nullptr);
    if (f == H5Z_FILTER_SHUFFLE && i == 0) {
      has_shuffle = true;
      shuffle_index = i;
    } else if (f == H5Z_FILTER_DEFLATE && i == nfilters - 1) {
      has_deflate = true;
      deflate_index = i;
    } else {
      fast = false;
    }
  }
  const bool unfiltered = !has_deflate && !has_shuffle;

  if (!fast) {
    const hsize_t start = begin, cnt = count;
    Hid mem(H5Screate_simple(1, &cnt, nullptr), H5Sclose);
    Hid file_space = check(H5Dget_space(dset), H5Sclose, path, "cannot read the shape of " + what);
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, nullptr, &cnt, nullptr);
    check(H5Dread(dset, dt.memory, mem, file_space, H5P_DEFAULT, dst), path,
          "cannot read " + what + " (truncated or damaged?)");
  } else {
    hsize_t chunk_dim = 0;
    H5Pget_chunk(dcpl, 1, &chunk_dim);
    const size_t chunk = chunk_dim;
    const size_t chunk_bytes = chunk * dt.size;
    const size_t c0 = begin / chunk, c1 = (begin + count - 1) / chunk;
    const size_t batch = std::max<size_t>(16, 4 * static_cast<size_t>(thread_count()));
    std::vector<std::vector<uint8_t>> raw(batch);
    std::vector<uint32_t> masks(batch);
    std::vector<uint8_t> direct(batch);  // unfiltered whole chunk read straight into the column
    auto* out = static_cast<uint8_t*>(dst);
    for (size_t first = c0; first <= c1; first += batch) {
      const size_t nb = std::min(batch, c1 + 1 - first);
      for (size_t b = 0; b < nb; ++b) {  // the library's I/O is single-threaded
        const hsize_t offset = (first + b) * chunk_dim;
        hsize_t nbytes = 0;
        check(H5Dget_chunk_storage_size(dset, &offset, &nbytes), path, "cannot locate a chunk of " + what + " (truncated or damaged?)");
        masks[b] = 0;
        const size_t row0 = (first + b) * chunk;
        direct[b] = unfiltered && nbytes == chunk_bytes && row0 >= begin && row0 + chunk <= begin + count;
        if (direct[b]) {
          check(H5Dread_chunk(dset, H5P_DEFAULT, &offset, &masks[b], out + (row0 - begin) * dt.size), path,
                "cannot read " + what + " (truncated or damaged?)");
          continue;
        }
        raw[b].resize(nbytes);
        if (nbytes > 0) {
          check(H5Dread_chunk(dset, H5P_DEFAULT, &offset, &masks[b], raw[b].data()), path,
                "cannot read " + what + " (truncated or damaged?)");
        }
      }
      parallel_for_blocks(nb, 1, [&](size_t b, size_t, size_t) {
        if (direct[b]) return;
        const size_t k = first + b;
        const size_t row0 = k * chunk;
        const size_t lo = std::max(begin, row0), hi = std::min(begin + count, row0 + chunk);
        uint8_t* target = out + (lo - begin) * dt.size;
        if (raw[b].empty()) {  // never written: fill value
          if (narrow) {
            std::memset(target, 0, (hi - lo) * dt.size);
            for (size_t i = 0; i < hi - lo; ++i) target[i * dt.size + dt.size - 1] = 0x80;  // LE minimum
          } else {
            fill_missing(target, type, hi - lo);
          }
          return;
        }
        const bool do_inflate = has_deflate && !(masks[b] & (1u << deflate_index));
        const bool do_shuffle = has_shuffle && !(masks[b] & (1u << shuffle_index)) && dt.size > 1;
        std::vector<uint8_t> plain;
        std::span<const uint8_t> bytes = raw[b];
        if (do_inflate) {
          plain.resize(chunk_bytes);
          if (!inflate_bytes(raw[b], plain)) throw InputError(path + ": " + what + ": corrupt compressed chunk");
          bytes = plain;
        } else if (raw[b].size() != chunk_bytes) {
          throw InputError(path + ": " + what + ": chunk has the wrong size");
        }
        const bool whole = lo == row0 && hi == row0 + chunk;
        if (do_shuffle && whole) {
          unshuffle_bytes(bytes.data(), target, chunk, dt.size);
        } else if (do_shuffle) {
          std::vector<uint8_t> ordered(chunk_bytes);
          unshuffle_bytes(bytes.data(), ordered.data(), chunk, dt.size);
          std::memcpy(target, ordered.data() + (lo - row0) * dt.size, (hi - lo) * dt.size);
        } else {
          std::memcpy(target, bytes.data() + (lo - row0) * dt.size, (hi - lo) * dt.size);
        }
      });
    }
  }

  if (narrow) {
    auto widen = [&](auto tag) {
      using Narrow = decltype(tag);
      const auto* in = reinterpret_cast<const Narrow*>(narrow_values.data());
      int64_t* out = col.i64().data();
      for (size_t i = 0; i < count; ++i) {
        out[i] = in[i] == std::numeric_limits<Narrow>::min() ? kMissingInt64 : in[i];
      }
    };
    if (dt.size == 1) widen(int8_t{});
    if (dt.size == 2) widen(int16_t{});
    if (dt.size == 4) widen(int32_t{});
  }

  // Values a damaged or foreign file could hold that the type does not allow.
  if (type == ColumnType::Bool) {
    uint8_t worst = 0;
    for (uint8_t v : col.b8()) worst = std::max<uint8_t>(worst, v == kMissingBool ? 0 : v);
    if (worst > 1) fail(path, what + " is bool but holds the value " + std::to_string(worst));
  }
  if (type == ColumnType::Categorical) {
    int32_t lo = 0, hi = 0;
    for (int32_t c : col.codes()) {
      lo = std::min(lo, c);
      hi = std::max(hi, c);
    }
    if (lo < kMissingCode || hi >= static_cast<int32_t>(col.levels().size())) {
      fail(path, what + " holds category codes outside its " + std::to_string(col.levels().size()) + " levels");
    }
  }
  return col;
}

Table Hdf5TableReader::read_rows(size_t begin, size_t count, const std::vector<std::string>& columns) const {
  const Impl& m = *impl_;
  if (begin > m.num_rows || count > m.num_rows - begin) {
    fail(m.path, "rows " + std::to_string(begin) + ".." + std::to_string(begin + count) + " are past the end of table \"" +
                     m.table + "\" (" + std::to_string(m.num_rows) + " rows)");
  }
  const std::vector<std::string>& names = columns.empty() ? m.columns : columns;
  Table t(m.table);
  for (const auto& name : names) {
    if (std::find(m.columns.begin(), m.columns.end(), name) == m.columns.end()) {
      fail(m.path, "table \"" + m.table + "\" has no column \"" + name + "\"" + suggest_names(name, m.columns));
    }
    t.add_column(m.read_column(name, begin, count));
  }
  t.metadata() = m.metadata;
  return t;
}

Table read_hdf5(const std::string& path, const std::string& table, const std::vector<std::string>& columns) {
  return Hdf5TableReader(path, table).read(columns);
}

}  // namespace impactsim
