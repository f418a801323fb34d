#include "engine/hdf5/hdf5_util.hpp"

#include <algorithm>
#include <filesystem>

#include "engine/error.hpp"

namespace impactsim::hdf5 {

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

}  // namespace impactsim::hdf5
