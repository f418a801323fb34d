// What the HDF5 reader and writer share: an owning identifier, checked
// calls, string attributes, the column types on disk and their missing
// codes, and the file's table listing. Internal to engine/hdf5_*.cpp.
#pragma once

#include <hdf5.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/column.hpp"

namespace impactsim::hdf5 {

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
void silence_hdf5();
[[noreturn]] void fail(const std::string& path, const std::string& what);
// An identifier, or an InputError naming the file and what failed.
Hid check(hid_t id, herr_t (*close)(hid_t), const std::string& path, const std::string& what);
void check(herr_t rc, const std::string& path, const std::string& what);

// ---- attributes
Hid vlen_string_type();
void write_attr_strings(hid_t obj, const char* name, const std::vector<std::string>& values, const std::string& path);
void write_attr_string(hid_t obj, const char* name, const std::string& value, const std::string& path);
void write_attr_int(hid_t obj, const char* name, int64_t value, const std::string& path);
// Reads a string or string-array attribute, fixed or variable length; numbers
// are returned as their text. nullopt when absent.
std::optional<std::vector<std::string>> read_attr(hid_t obj, const char* name, const std::string& path);
// Attributes the layout itself uses; metadata keys may not take these names.
bool is_reserved_attr(std::string_view n);

// ---- column types on disk
struct DiskType {
  hid_t file;
  hid_t memory;
  size_t size;
  const char* missing_text;
};
DiskType disk_type(ColumnType t);
const void* column_data(const Column& c);
// Fills n elements of `type` at `dst` with its missing code.
void fill_missing(void* dst, ColumnType type, size_t n);
void check_link_name(const std::string& name, const std::string& what, const std::string& path);
// Storage of an Int64 column in `bits` bits: HDF5 type and missing code.
struct IntStorage {
  hid_t file;
  hid_t memory;
  int64_t missing;  // the width's minimum, which values may not take
};
IntStorage int_storage(int bits);
// Narrowest width (8, 16, 32, 64) that holds every non-missing value.
int narrowest_int_bits(std::span<const int64_t> v);

// ---- files
Hid open_file(const std::string& path);
// Names of the objects of one kind (groups or datasets) directly under `loc`, in name order.
std::vector<std::string> list_objects(hid_t loc, H5O_type_t kind, const std::string& path);
std::vector<std::string> group_names(hid_t file, const std::string& path);

}  // namespace impactsim::hdf5
