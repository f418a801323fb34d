// Reading tables from HDF5 (engine/hdf5_table.hpp): our own layout through
// raw chunks inflated in parallel (H5Dread_chunk), other writers' files
// through the library.
#include <hdf5.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "engine/chunk_codec.hpp"
#include "engine/error.hpp"
#include "engine/hdf5/hdf5_util.hpp"
#include "engine/hdf5_table.hpp"
#include "engine/parallel.hpp"

namespace impactsim {

using namespace hdf5;

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

namespace {

// A column's dataset and how it is stored.
struct StoredColumn {
  Hid dset, ftype;
  ColumnType type = ColumnType::Float64;
  bool ours = false;    // written by impactsim: "type" and "missing" attributes
  bool narrow = false;  // an int64 column we stored narrower: read at its width, widened at the end
  DiskType dt{};
  std::vector<std::string> levels;
};

StoredColumn open_column(hid_t group, const std::string& name, size_t num_rows, const std::string& path,
                         const std::string& what) {
  StoredColumn c;
  c.dset = check(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, path, "cannot open " + what + " (truncated or damaged?)");
  c.ftype = check(H5Dget_type(c.dset), H5Tclose, path, "cannot read the type of " + what);
  Hid space = check(H5Dget_space(c.dset), H5Sclose, path, "cannot read the shape of " + what);
  hsize_t dims = 0;
  if (H5Sget_simple_extent_ndims(space) != 1) fail(path, what + " is not one-dimensional");
  H5Sget_simple_extent_dims(space, &dims, nullptr);
  if (dims != num_rows) fail(path, what + " has " + std::to_string(dims) + " rows, the table " + std::to_string(num_rows));
  if (auto t = read_attr(c.dset, "type", path); t && t->size() == 1) {
    c.ours = true;
    auto parsed = parse_column_type((*t)[0]);
    if (!parsed) fail(path, what + " has unknown type \"" + (*t)[0] + "\"");
    c.type = *parsed;
  } else {
    const H5T_class_t cls = H5Tget_class(c.ftype);
    if (cls == H5T_FLOAT) {
      c.type = ColumnType::Float64;
    } else if (cls == H5T_INTEGER) {
      if (H5Tget_sign(c.ftype) == H5T_SGN_NONE && H5Tget_size(c.ftype) >= 8) {
        fail(path, what + " is an unsigned 64-bit integer, which int64 cannot hold without loss");
      }
      c.type = ColumnType::Int64;
    } else {
      fail(path, what + " has an HDF5 type impactsim cannot read (only numbers; store strings as categorical codes with a \"levels\" attribute)");
    }
  }
  if (c.type == ColumnType::Categorical) {
    auto lv = read_attr(c.dset, "levels", path);
    if (!lv) fail(path, what + " is categorical but has no \"levels\" attribute");
    c.levels = std::move(*lv);
  }
  c.dt = disk_type(c.type);
  const size_t file_size = H5Tget_size(c.ftype);
  c.narrow = c.ours && c.type == ColumnType::Int64 && H5Tget_class(c.ftype) == H5T_INTEGER && file_size < 8 &&
             (file_size == 1 || file_size == 2 || file_size == 4) && H5Tget_sign(c.ftype) == H5T_SGN_2;
  if (c.narrow) {
    const IntStorage st = int_storage(static_cast<int>(file_size * 8));
    c.dt = {st.file, st.memory, file_size, nullptr};
  }
  return c;
}

// Our own layout (same type, chunked; shuffle + deflate, deflate or no
// filter) is read as raw chunks, the filters undone in parallel.
struct ChunkFilters {
  bool fast = false, shuffle = false, deflate = false;
  int shuffle_index = -1, deflate_index = -1;
};

ChunkFilters chunk_filters(hid_t dcpl, const StoredColumn& c) {
  ChunkFilters f;
  f.fast = H5Tequal(c.ftype, c.dt.memory) > 0 && H5Pget_layout(dcpl) == H5D_CHUNKED;
  const int nfilters = H5Pget_nfilters(dcpl);
  for (int i = 0; i < nfilters && f.fast; ++i) {
    unsigned flags = 0;
    size_t nelem = 0;
    unsigned cd[8];
    const H5Z_filter_t id = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &nelem, cd, 0, nullptr, nullptr);
    if (id == H5Z_FILTER_SHUFFLE && i == 0) {
      f.shuffle = true;
      f.shuffle_index = i;
    } else if (id == H5Z_FILTER_DEFLATE && i == nfilters - 1) {
      f.deflate = true;
      f.deflate_index = i;
    } else {
      f.fast = false;
    }
  }
  return f;
}

// Rows [begin, begin + count) into dst, chunk by chunk: the library's I/O on
// one thread, a batch at a time; inflating and unshuffling in parallel.
void read_raw_chunks(const StoredColumn& c, hid_t dcpl, const ChunkFilters& f, size_t begin, size_t count, void* dst,
                     const std::string& path, const std::string& what) {
  const bool unfiltered = !f.deflate && !f.shuffle;
  const DiskType& dt = c.dt;
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
    for (size_t b = 0; b < nb; ++b) {
      const hsize_t offset = (first + b) * chunk_dim;
      hsize_t nbytes = 0;
      check(H5Dget_chunk_storage_size(c.dset, &offset, &nbytes), path, "cannot locate a chunk of " + what + " (truncated or damaged?)");
      masks[b] = 0;
      const size_t row0 = (first + b) * chunk;
      direct[b] = unfiltered && nbytes == chunk_bytes && row0 >= begin && row0 + chunk <= begin + count;
      if (direct[b]) {
        check(H5Dread_chunk(c.dset, H5P_DEFAULT, &offset, &masks[b], out + (row0 - begin) * dt.size), path,
              "cannot read " + what + " (truncated or damaged?)");
        continue;
      }
      raw[b].resize(nbytes);
      if (nbytes > 0) {
        check(H5Dread_chunk(c.dset, H5P_DEFAULT, &offset, &masks[b], raw[b].data()), path,
              "cannot read " + what + " (truncated or damaged?)");
      }
    }
    parallel_for_blocks(nb, 1, [&](size_t b, size_t, size_t) {
      if (direct[b]) return;
      const size_t row0 = (first + b) * chunk;
      const size_t lo = std::max(begin, row0), hi = std::min(begin + count, row0 + chunk);
      uint8_t* target = out + (lo - begin) * dt.size;
      if (raw[b].empty()) {  // never written: fill value
        if (c.narrow) {
          std::memset(target, 0, (hi - lo) * dt.size);
          for (size_t i = 0; i < hi - lo; ++i) target[i * dt.size + dt.size - 1] = 0x80;  // LE minimum
        } else {
          fill_missing(target, c.type, hi - lo);
        }
        return;
      }
      const bool do_inflate = f.deflate && !(masks[b] & (1u << f.deflate_index));
      const bool do_shuffle = f.shuffle && !(masks[b] & (1u << f.shuffle_index)) && dt.size > 1;
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

// Narrow stored integers to int64, their minimum to the missing code.
void widen_ints(const std::vector<uint8_t>& narrow_values, size_t width, int64_t* out) {
  auto widen = [&](auto tag) {
    using Narrow = decltype(tag);
    const auto* in = reinterpret_cast<const Narrow*>(narrow_values.data());
    const size_t n = narrow_values.size() / sizeof(Narrow);
    for (size_t i = 0; i < n; ++i) out[i] = in[i] == std::numeric_limits<Narrow>::min() ? kMissingInt64 : in[i];
  };
  if (width == 1) widen(int8_t{});
  if (width == 2) widen(int16_t{});
  if (width == 4) widen(int32_t{});
}

// Values a damaged or foreign file could hold that the type does not allow.
void check_values(const Column& col, const std::string& path, const std::string& what) {
  if (col.type() == ColumnType::Bool) {
    uint8_t worst = 0;
    for (uint8_t v : col.b8()) worst = std::max<uint8_t>(worst, v == kMissingBool ? 0 : v);
    if (worst > 1) fail(path, what + " is bool but holds the value " + std::to_string(worst));
  }
  if (col.type() == ColumnType::Categorical) {
    int32_t lo = 0, hi = 0;
    for (int32_t c : col.codes()) {
      lo = std::min(lo, c);
      hi = std::max(hi, c);
    }
    if (lo < kMissingCode || hi >= static_cast<int32_t>(col.levels().size())) {
      fail(path, what + " holds category codes outside its " + std::to_string(col.levels().size()) + " levels");
    }
  }
}

}  // namespace

Column Hdf5TableReader::Impl::read_column(const std::string& name, size_t begin, size_t count) const {
  const std::string what = where(name);
  StoredColumn c = open_column(group, name, num_rows, path, what);
  // Zero-initialised storage, filled in place (no second pass, no copy).
  Column col;
  switch (c.type) {
    case ColumnType::Float64: col = Column::float64(name, std::vector<double>(count)); break;
    case ColumnType::Int64: col = Column::int64(name, std::vector<int64_t>(count)); break;
    case ColumnType::Bool: col = Column::boolean(name, std::vector<uint8_t>(count)); break;
    case ColumnType::Categorical: col = Column::categorical(name, std::vector<int32_t>(count), std::move(c.levels)); break;
  }
  if (count == 0) return col;
  std::vector<uint8_t> narrow_values(c.narrow ? count * c.dt.size : 0);
  void* dst = c.narrow ? narrow_values.data() : const_cast<void*>(column_data(col));
  Hid dcpl = check(H5Dget_create_plist(c.dset), H5Pclose, path, "cannot read the layout of " + what);
  const ChunkFilters filters = chunk_filters(dcpl, c);
  if (filters.fast) {
    read_raw_chunks(c, dcpl, filters, begin, count, dst, path, what);
  } else {
    const hsize_t start = begin, cnt = count;
    Hid mem(H5Screate_simple(1, &cnt, nullptr), H5Sclose);
    Hid file_space = check(H5Dget_space(c.dset), H5Sclose, path, "cannot read the shape of " + what);
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, nullptr, &cnt, nullptr);
    check(H5Dread(c.dset, c.dt.memory, mem, file_space, H5P_DEFAULT, dst), path, "cannot read " + what + " (truncated or damaged?)");
  }
  if (c.narrow) widen_ints(narrow_values, c.dt.size, col.i64().data());
  check_values(col, path, what);
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
