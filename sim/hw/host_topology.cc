#include "sim/hw/host_topology.h"

#include <hwloc.h>

#include "absl/status/status.h"

namespace memsim::hw {

absl::StatusOr<HostTopology> ReadHostTopology() {
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) return absl::InternalError("hwloc_topology_init failed");
  HostTopology out;
  absl::Status status;
  if (hwloc_topology_load(topo) != 0) {
    status = absl::InternalError("hwloc cannot discover this host's topology");
  } else {
    char* xml = nullptr;
    int len = 0;
    if (hwloc_topology_export_xmlbuffer(topo, &xml, &len, 0) != 0 || xml == nullptr) {
      status = absl::InternalError("hwloc cannot export this host's topology as XML");
    } else {
      out.xml.assign(xml, len > 0 ? len - 1 : 0);  // len counts the trailing NUL
      hwloc_free_xmlbuffer(topo, xml);
    }
    hwloc_obj_t pu = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, 0);
    for (hwloc_obj_t p = pu == nullptr ? nullptr : pu->parent; p != nullptr; p = p->parent) {
      if (!hwloc_obj_type_is_dcache(p->type)) continue;
      const uint64_t size = p->attr->cache.size;
      if (p->attr->cache.depth == 1 && out.l1_bytes == 0) out.l1_bytes = size;
      if (p->attr->cache.depth == 2 && out.l2_bytes == 0) out.l2_bytes = size;
      if (p->attr->cache.depth >= 3) out.llc_bytes = size;  // the outermost one
    }
  }
  hwloc_topology_destroy(topo);
  if (!status.ok()) return status;
  return out;
}

}  // namespace memsim::hw
