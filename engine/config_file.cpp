#include "engine/config_file.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/error.hpp"

namespace impactsim {

struct ConfigTable::Document {
  toml::table root;
  std::string source;
  std::set<std::string> read;                               // dotted paths of the keys read
  std::map<std::string, std::set<std::string>> asked;       // table path -> keys looked up, present or not
};

namespace {

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "true/false";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

std::string line_of(const std::string& source, const toml::source_region& r) {
  return r.begin.line > 0 ? source + ":" + std::to_string(r.begin.line) : source;
}

}  // namespace

ConfigTable::ConfigTable(std::shared_ptr<Document> doc, const toml::table* table, std::string path)
    : doc_(std::move(doc)), table_(table), path_(std::move(path)) {}
ConfigTable::ConfigTable(ConfigTable&&) noexcept = default;
ConfigTable& ConfigTable::operator=(ConfigTable&&) noexcept = default;
ConfigTable::~ConfigTable() = default;

ConfigTable ConfigTable::parse_text(std::string_view text, const std::string& source) {
  auto doc = std::make_shared<Document>();
  doc->source = source;
  try {
    doc->root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description()
        << " (not valid TOML)";
    throw InputError(msg.str());
  }
  const toml::table* root = &doc->root;
  return ConfigTable(std::move(doc), root, "");
}

std::string ConfigTable::read_text(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the " + std::string(what) + "; check the path");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ConfigTable ConfigTable::parse_file(const std::string& path) { return parse_text(read_text(path), path); }

std::string ConfigTable::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void ConfigTable::mark(std::string_view key) const { doc_->read.insert(key_path(key)); }

bool ConfigTable::has(std::string_view key) const {
  doc_->asked[path_].insert(std::string(key));
  return table_->contains(key);
}

std::vector<std::string> ConfigTable::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : *table_) out.emplace_back(k.str());
  return out;
}

std::string ConfigTable::where(std::string_view key) const {
  const toml::node* n = table_->get(key);
  return (n ? line_of(doc_->source, n->source()) : where()) + ": key \"" + key_path(key) + "\"";
}

std::string ConfigTable::where() const {
  return line_of(doc_->source, table_->source()) + (path_.empty() ? ": top level" : ": table [" + path_ + "]");
}

void ConfigTable::wrong_type(std::string_view key, std::string_view expected) const {
  throw InputError(where(key) + ": expected " + std::string(expected) + ", found " + type_name(*table_->get(key)));
}

const toml::node& ConfigTable::require(std::string_view key, std::string_view expected) const {
  doc_->asked[path_].insert(std::string(key));
  const toml::node* n = table_->get(key);
  if (n == nullptr) {
    throw InputError(where() + ": missing required key \"" + key_path(key) + "\" (" + std::string(expected) + ")");
  }
  mark(key);
  return *n;
}

double ConfigTable::get_double(std::string_view key) const {
  const toml::node& n = require(key, "a number");
  if (auto v = n.value<double>(); v && (n.is_floating_point() || n.is_integer())) return *v;
  wrong_type(key, "a number");
}

int64_t ConfigTable::get_int(std::string_view key) const {
  const toml::node& n = require(key, "an integer");
  if (!n.is_integer()) wrong_type(key, "an integer");
  return *n.value<int64_t>();
}

bool ConfigTable::get_bool(std::string_view key) const {
  const toml::node& n = require(key, "true or false");
  if (!n.is_boolean()) wrong_type(key, "true or false");
  return *n.value<bool>();
}

std::string ConfigTable::get_string(std::string_view key) const {
  const toml::node& n = require(key, "a string");
  if (!n.is_string()) wrong_type(key, "a string");
  return *n.value<std::string>();
}

std::vector<double> ConfigTable::get_doubles(std::string_view key) const {
  const toml::node& n = require(key, "an array of numbers");
  const toml::array* a = n.as_array();
  if (a == nullptr) wrong_type(key, "an array of numbers");
  std::vector<double> out;
  for (const auto& e : *a) {
    if (!(e.is_floating_point() || e.is_integer())) {
      throw InputError(where(key) + ": expected an array of numbers, found " + type_name(e) + " in it");
    }
    out.push_back(*e.value<double>());
  }
  return out;
}

std::vector<std::string> ConfigTable::get_strings(std::string_view key) const {
  const toml::node& n = require(key, "an array of strings");
  const toml::array* a = n.as_array();
  if (a == nullptr) wrong_type(key, "an array of strings");
  std::vector<std::string> out;
  for (const auto& e : *a) {
    if (!e.is_string()) throw InputError(where(key) + ": expected an array of strings, found " + type_name(e) + " in it");
    out.push_back(*e.value<std::string>());
  }
  return out;
}

ConfigTable ConfigTable::get_table(std::string_view key) const {
  const toml::node& n = require(key, "a table");
  if (!n.is_table()) wrong_type(key, "a table");
  return ConfigTable(doc_, n.as_table(), key_path(key));
}

std::vector<ConfigTable> ConfigTable::get_tables(std::string_view key) const {
  const toml::node& n = require(key, "an array of tables");
  const toml::array* a = n.as_array();
  if (a == nullptr) wrong_type(key, "an array of tables ([[" + key_path(key) + "]])");
  std::vector<ConfigTable> out;
  for (size_t i = 0; i < a->size(); ++i) {
    const toml::node& e = (*a)[i];
    if (!e.is_table()) throw InputError(where(key) + ": expected an array of tables, found " + type_name(e) + " in it");
    out.push_back(ConfigTable(doc_, e.as_table(), key_path(key) + "[" + std::to_string(i) + "]"));
  }
  return out;
}

double ConfigTable::get_double(std::string_view key, double fallback) const {
  return has(key) ? get_double(key) : fallback;
}
int64_t ConfigTable::get_int(std::string_view key, int64_t fallback) const { return has(key) ? get_int(key) : fallback; }
bool ConfigTable::get_bool(std::string_view key, bool fallback) const { return has(key) ? get_bool(key) : fallback; }
std::string ConfigTable::get_string(std::string_view key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}
std::optional<ConfigTable> ConfigTable::find_table(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return get_table(key);
}

std::string ConfigTable::to_json() const {
  std::ostringstream out;
  out << toml::json_formatter{*table_};
  return out.str();
}

void ConfigTable::reject_unknown_keys() const {
  const auto asked = doc_->asked.find(path_);
  const std::vector<std::string> known =
      asked == doc_->asked.end() ? std::vector<std::string>{}
                                 : std::vector<std::string>(asked->second.begin(), asked->second.end());
  for (const auto& [k, v] : *table_) {
    const std::string key(k.str());
    if (!doc_->read.count(key_path(key))) {
      std::string hint;
      if (!known.empty()) hint = suggest_names(key, known);
      throw InputError(line_of(doc_->source, v.source()) + ": unknown key \"" + key_path(key) + "\"" + hint +
                       "; remove it or correct its spelling");
    }
    if (v.is_table()) {
      ConfigTable(doc_, v.as_table(), key_path(key)).reject_unknown_keys();
    } else if (const toml::array* a = v.as_array(); a != nullptr) {
      for (size_t i = 0; i < a->size(); ++i) {
        if ((*a)[i].is_table()) {
          ConfigTable(doc_, (*a)[i].as_table(), key_path(key) + "[" + std::to_string(i) + "]").reject_unknown_keys();
        }
      }
    }
  }
}

}  // namespace impactsim
