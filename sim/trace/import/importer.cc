#include "sim/trace/import/importer.h"

namespace memsim {

void ImporterRegistry::Register(std::string name, std::string description, Factory factory) {
  entries_[std::move(name)] = Entry{std::move(description), std::move(factory)};
}

std::unique_ptr<Importer> ImporterRegistry::Create(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return nullptr;
  return it->second.factory();
}

std::vector<std::pair<std::string, std::string>> ImporterRegistry::List() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, e] : entries_) out.emplace_back(name, e.description);
  return out;
}

}  // namespace memsim
