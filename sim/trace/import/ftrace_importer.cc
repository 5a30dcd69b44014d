// SCAFFOLD: replaced by the real importer in this session's work.
#include "sim/trace/import/ftrace_importer.h"

namespace memsim {

namespace {
class FtraceImporter : public Importer {
 public:
  absl::Status Import(const std::string&, const ImportOptions&, TraceWriter*,
                      ImportStats*) override {
    return absl::UnimplementedError("ftrace importer not built yet");
  }
};
}  // namespace

std::unique_ptr<Importer> NewFtraceImporter() { return std::make_unique<FtraceImporter>(); }

}  // namespace memsim
