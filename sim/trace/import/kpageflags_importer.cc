// SCAFFOLD: replaced by the real importer in this session's work.
#include "sim/trace/import/kpageflags_importer.h"

namespace memsim {

namespace {
class KpageflagsImporter : public Importer {
 public:
  absl::Status Import(const std::string&, const ImportOptions&, TraceWriter*,
                      ImportStats*) override {
    return absl::UnimplementedError("kpageflags importer not built yet");
  }
};
}  // namespace

std::unique_ptr<Importer> NewKpageflagsImporter() { return std::make_unique<KpageflagsImporter>(); }

}  // namespace memsim
