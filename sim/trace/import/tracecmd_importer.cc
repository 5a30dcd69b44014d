// SCAFFOLD: replaced by the real importer in this session's work.
#include "sim/trace/import/tracecmd_importer.h"

namespace memsim {

namespace {
class TracecmdImporter : public Importer {
 public:
  absl::Status Import(const std::string&, const ImportOptions&, TraceWriter*,
                      ImportStats*) override {
    return absl::UnimplementedError("tracecmd importer not built yet");
  }
};
}  // namespace

std::unique_ptr<Importer> NewTracecmdImporter() { return std::make_unique<TracecmdImporter>(); }

}  // namespace memsim
