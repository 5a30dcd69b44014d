#include "sim/memmap/pcp_emitter.h"

namespace memsim::memmap {

void PcpEmitter::List(const mm::PcpListOp& op, uint32_t node, const mm::PcpOps& ops,
                      const OpContext& ctx, bool from_tail, AccessBuffer& out) const {
  const uint64_t head = Head(ops, ctx);
  // The `next` field of prev (the head's own or prev's links) and the `prev` field of next.
  const uint64_t prev_next = op.prev == mm::kPcpHead ? head : Links(node, op.prev);
  const uint64_t next_prev = op.next == mm::kPcpHead ? head + 8 : Links(node, op.next) + 8;
  const uint64_t self = Links(node, op.pfn);
  if (op.kind == mm::PcpListOp::kAdd) {
    out.Push(op.prev == mm::kPcpHead ? head : head + 8, 8, AccessKind::kRead);
    out.Push(next_prev, 8, AccessKind::kWrite);
    out.Push(self, 16, AccessKind::kWrite, false);
    out.Push(prev_next, 8, AccessKind::kWrite, false);
  } else {
    out.Push(from_tail ? head + 8 : head, 8, AccessKind::kRead);
    out.Push(self, 16, AccessKind::kRead);
    out.Push(next_prev, 8, AccessKind::kWrite);
    out.Push(prev_next, 8, AccessKind::kWrite, false);
    out.Push(self, 16, AccessKind::kWrite, false);
  }
}

}  // namespace memsim::memmap
