// Strict reading of TOML configuration files (parameter files, study files,
// scenario files).
//
// toml++ parses; this layer adds what a user of a configuration file needs:
// every error names the file, the line and the key (`study.toml:12: key
// "design.ratio": expected an integer, found a string`), and a key the program
// never read is an error, with the closest known keys suggested, instead of
// being silently ignored (a typo in a study file must not change a result
// without a word).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
class node;
}  // namespace v3
}  // namespace toml

namespace impactsim {

class ConfigTable {
 public:
  // Parses a file (syntax errors name file:line:column).
  static ConfigTable parse_file(const std::string& path);
  // The whole text of a configuration file (for callers that also hash it);
  // InputError "PATH: cannot open the WHAT; check the path" when unreadable.
  static std::string read_text(const std::string& path, std::string_view what = "file");
  // Parses text; `source` names it in messages.
  static ConfigTable parse_text(std::string_view text, const std::string& source);

  ConfigTable(ConfigTable&&) noexcept;
  ConfigTable& operator=(ConfigTable&&) noexcept;
  ~ConfigTable();

  bool has(std::string_view key) const;
  // Keys of this table, in file order.
  std::vector<std::string> keys() const;

  // Required values: a missing key or another type is an InputError. Integers
  // are accepted where a float is expected.
  double get_double(std::string_view key) const;
  int64_t get_int(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  std::string get_string(std::string_view key) const;
  std::vector<double> get_doubles(std::string_view key) const;
  std::vector<std::string> get_strings(std::string_view key) const;
  ConfigTable get_table(std::string_view key) const;
  // Arrays of tables ([[outcome]]).
  std::vector<ConfigTable> get_tables(std::string_view key) const;

  // Optional values: the default when absent, an error when of another type.
  double get_double(std::string_view key, double fallback) const;
  int64_t get_int(std::string_view key, int64_t fallback) const;
  bool get_bool(std::string_view key, bool fallback) const;
  std::string get_string(std::string_view key, const std::string& fallback) const;
  std::optional<ConfigTable> find_table(std::string_view key) const;

  // "file:line: key "a.b"" for messages about a value's meaning (out of range...).
  std::string where(std::string_view key) const;
  // "file:line: table [a.b]" for messages about this table.
  std::string where() const;
  // Dotted path of this table ("" for the root).
  const std::string& path() const { return path_; }

  // This table as JSON text (toml++'s JSON formatter), e.g. to record the
  // parameters a run used.
  std::string to_json() const;

  // Throws an InputError naming the first key of this table and of the
  // tables read from it that was never read: an unknown key.
  void reject_unknown_keys() const;

 private:
  struct Document;
  ConfigTable(std::shared_ptr<Document> doc, const toml::table* table, std::string path);
  const toml::node& require(std::string_view key, std::string_view expected) const;
  [[noreturn]] void wrong_type(std::string_view key, std::string_view expected) const;
  std::string key_path(std::string_view key) const;
  void mark(std::string_view key) const;

  std::shared_ptr<Document> doc_;
  const toml::table* table_ = nullptr;
  std::string path_;
};

}  // namespace impactsim
