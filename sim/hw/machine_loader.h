// Reading a machine from disk: a protobuf text file or an hwloc XML topology, told apart by
// content, then validated.
#ifndef MEMSIM_SIM_HW_MACHINE_LOADER_H_
#define MEMSIM_SIM_HW_MACHINE_LOADER_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proto/machine.pb.h"
#include "sim/hw/hwloc_importer.h"

namespace memsim::hw {

// Parses protobuf text format. Errors name `source_name`, the 1-based line and column:
// "configs/machines/x.textproto:12:3: Message type \"memsim.config.Machine\" has no field
// named \"socketz\"". Does not validate.
absl::StatusOr<config::Machine> ParseMachineText(std::string_view text,
                                                 const std::string& source_name);

// True if `contents` looks like an XML document (hwloc topology) rather than text format.
bool LooksLikeXml(std::string_view contents);

// Loads `path` (a .textproto, or an hwloc XML which is imported with `hwloc_options`) and
// validates it. Every error message starts with `path`.
absl::StatusOr<config::Machine> LoadMachine(const std::string& path,
                                            const HwlocImportOptions& hwloc_options);
absl::StatusOr<config::Machine> LoadMachine(const std::string& path);

}  // namespace memsim::hw

#endif  // MEMSIM_SIM_HW_MACHINE_LOADER_H_
