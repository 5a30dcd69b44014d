#include "sim/trace/event.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace memsim {

std::string EventKindKey(EventKind kind) {
  std::string name = trace::EventKind_Name(kind);
  if (name.rfind("EVENT_", 0) == 0) name = name.substr(6);
  return absl::AsciiStrToLower(name);
}

std::string OwnerTypeKey(OwnerType owner) {
  std::string name = trace::OwnerType_Name(owner);
  if (name.rfind("OWNER_", 0) == 0) name = name.substr(6);
  return absl::AsciiStrToLower(name);
}

std::string DebugString(const Event& e) {
  std::string s = absl::StrFormat("%d.%09d cpu=%u %s", e.time_ns / 1000000000,
                                  e.time_ns % 1000000000, e.cpu, EventKindKey(e.kind));
  switch (e.kind) {
    case trace::EVENT_ALLOC:
      absl::StrAppendFormat(&s, " pfn=0x%x order=%u migratetype=%d gfp=0x%x owner=%s", e.pfn,
                            e.order, e.migratetype, e.gfp_flags, OwnerTypeKey(e.owner));
      break;
    case trace::EVENT_FREE:
      absl::StrAppendFormat(&s, " pfn=0x%x order=%u%s", e.pfn, e.order,
                            e.batched ? " batched" : "");
      break;
    case trace::EVENT_FAULT:
      absl::StrAppendFormat(&s, " address=0x%x ip=0x%x error_code=0x%x", e.address, e.ip,
                            e.error_code);
      if (e.pfn != kNoPfn) absl::StrAppendFormat(&s, " pfn=0x%x", e.pfn);
      break;
    case trace::EVENT_MIGRATE:
      absl::StrAppendFormat(&s, " src=0x%x dst=0x%x order=%u reason=%s", e.pfn, e.end_pfn, e.order,
                            trace::MigrateReason_Name(e.reason));
      break;
    case trace::EVENT_MIGRATE_BATCH:
      absl::StrAppendFormat(&s, " succeeded=%u failed=%u thp_succeeded=%u reason=%s",
                            e.nr_succeeded, e.nr_failed, e.nr_thp_succeeded,
                            trace::MigrateReason_Name(e.reason));
      break;
    case trace::EVENT_COMPACTION_SCAN:
      absl::StrAppendFormat(&s, " %s range=[0x%x,0x%x) scanned=%u taken=%u",
                            e.scanner == trace::SCANNER_FREE ? "free" : "migrate", e.pfn, e.end_pfn,
                            e.nr_scanned, e.nr_taken);
      break;
    case trace::EVENT_COMPACTION:
      absl::StrAppendFormat(&s, " %s zone=[0x%x,0x%x) migrate_pfn=0x%x free_pfn=0x%x status=%d",
                            e.compaction_end ? "end" : "begin", e.zone_start, e.zone_end,
                            e.migrate_pfn, e.free_pfn, e.status);
      break;
    default:
      break;
  }
  return s;
}

}  // namespace memsim
