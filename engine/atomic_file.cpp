#include "engine/atomic_file.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "engine/error.hpp"

namespace impactsim {

AtomicFile::AtomicFile(std::string destination) : destination_(std::move(destination)) {
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dest(destination_);
  if (dest.has_parent_path() && !std::filesystem::is_directory(dest.parent_path())) {
    throw InputError(destination_ + ": output directory " + dest.parent_path().string() +
                     " does not exist; create it first");
  }
  temp_ = destination_ + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

AtomicFile::~AtomicFile() {
  if (!committed_) std::remove(temp_.c_str());
}

void AtomicFile::commit() {
  std::error_code ec;
  std::filesystem::rename(temp_, destination_, ec);
  if (ec) throw InputError(destination_ + ": cannot move the finished output into place: " + ec.message());
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicFile out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) throw InputError(path + ": cannot create the file (directory writable?)");
    f << content;
    f.flush();
    if (!f) throw InputError(path + ": write failed (disk full?)");
  }
  out.commit();
}

}  // namespace impactsim
