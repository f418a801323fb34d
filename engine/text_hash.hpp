// Hashes that identify an input in a report: 64-bit FNV-1a (Fowler, Noll,
// Vo), as 16 hex digits. Not cryptographic: it tells which file a result
// came from, it does not protect it.
#pragma once

#include <string>

namespace impactsim {

// The hash of a text (a study or scenario file).
std::string fnv1a_hex(const std::string& text);
// The hash of a file's bytes, read in blocks; InputError if it cannot be read.
std::string fnv1a_file_hex(const std::string& path);

}  // namespace impactsim
