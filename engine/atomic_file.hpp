// Output files that appear whole or not at all.
//
// Writers write to a temporary name in the destination's directory and rename
// it into place once complete (rename is atomic within a file system). If the
// writer fails or throws, the temporary file is removed: no half-written
// output is ever left behind (DESIGN.md, "Errors").
#pragma once

#include <string>

namespace impactsim {

class AtomicFile {
 public:
  explicit AtomicFile(std::string destination);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Where to write.
  const std::string& temp_path() const { return temp_; }
  const std::string& destination() const { return destination_; }
  // Renames the temporary file to the destination.
  void commit();

 private:
  std::string destination_;
  std::string temp_;
  bool committed_ = false;
};

// Writes `content` to `path` through an AtomicFile.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace impactsim
