// Command-line options shared by the subcommands that read tables:
// --delimiter, --decimal, --na, --type, --table, and those that write them.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "engine/table_io.hpp"

namespace impactsim::cli {

// Parses repeated KEY=VALUE flags (--reference region=north); throws
// InputError naming `flag` and showing `example` on a malformed one.
std::map<std::string, std::string> parse_assignments(const std::vector<std::string>& specs, const std::string& flag,
                                                     const std::string& example);

struct TableInputFlags {
  std::string delimiter;               // "," ";" "tab" or empty (detect)
  std::string decimal = ".";
  std::vector<std::string> na_tokens;  // empty: the defaults
  std::vector<std::string> types;      // "column=type"
  std::string table;

  void add_to(CLI::App& cmd);
  // Validated read options; throws InputError naming the bad flag.
  TableReadOptions options() const;
};

struct TableOutputFlags {
  std::string delimiter = ",";
  std::string decimal = ".";
  std::string na = "NA";
  std::string compression = "deflate";
  int level = Hdf5WriteOptions{}.deflate_level;
  size_t chunk_rows = Hdf5WriteOptions{}.chunk_rows;

  void add_to(CLI::App& cmd);
  TableWriteOptions options() const;
};

}  // namespace impactsim::cli
