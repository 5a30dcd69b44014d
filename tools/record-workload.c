// record-workload: a small workload driver for tools/record. It exercises the kernel paths whose
// tracepoints memsim imports, so that one short capture contains every event kind:
//   --anon-mb N     touch N MiB of anonymous memory page by page (page faults, order-0 allocs)
//   --thp-mb N      touch N MiB of anonymous memory advised MADV_HUGEPAGE (order-9 folios when
//                   /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise")
//   --file-mb N     write a N MiB file, drop it from the page cache, stream it back (file pages)
//   --slab N        create, stat and unlink N small files in a fresh directory (dentry/inode slab
//                   churn, which also allocates and frees slab pages)
//   --fragment-mb N touch N MiB of anonymous memory (no THP), free every other page with
//                   MADV_DONTNEED so the survivors are scattered, then keep them mapped while
//   --compact       writes 1 to /proc/sys/vm/compact_memory (needs root), so compaction migrates
//                   the mapped survivors: migration ptes (set/remove_migration_pte) appear
//   --dir PATH      where the scratch files go (default /tmp)
// Phases run in the order listed above. Everything is freed/unlinked before exit.
//
// Built by tools/record (cc -O2 -o ... tools/record-workload.c); no dependencies beyond libc.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const size_t kPageBytes = 4096;
static const size_t kMiB = 1024 * 1024;

static int Fail(const char* what) {
  fprintf(stderr, "record-workload: %s: %s\n", what, strerror(errno));
  return 1;
}

static char* MapAnon(size_t bytes, int advice) {
  // Over-allocate by 2 MiB so the region can be aligned to a PMD boundary; a THP can only back
  // a naturally aligned 2 MiB range of virtual addresses.
  size_t padded = bytes + 2 * kMiB;
  char* raw = mmap(NULL, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return NULL;
  char* aligned = (char*)(((unsigned long)raw + 2 * kMiB - 1) & ~(2 * kMiB - 1));
  if (aligned > raw) munmap(raw, aligned - raw);
  char* end = aligned + bytes;
  if (raw + padded > end) munmap(end, raw + padded - end);
  if (advice >= 0) madvise(aligned, bytes, advice);  // advisory: failure only loses THP
  return aligned;
}

static void Touch(char* p, size_t bytes) {
  for (size_t off = 0; off < bytes; off += kPageBytes) p[off] = (char)(off >> 12);
}

static int AnonPhase(size_t mib, int advice) {
  size_t bytes = mib * kMiB;
  char* p = MapAnon(bytes, advice);
  if (p == NULL) return Fail("mmap anon");
  Touch(p, bytes);
  munmap(p, bytes);
  return 0;
}

static int FilePhase(const char* dir, size_t mib) {
  char path[4096];
  snprintf(path, sizeof path, "%s/record-workload-file.%d", dir, (int)getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Fail("open scratch file");
  static char buf[1 << 16];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)i;
  for (size_t done = 0; done < mib * kMiB; done += sizeof buf) {
    if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return Fail("write scratch file");
  }
  fsync(fd);
  // Drop the written pages so the read below streams the file back through fresh page cache.
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  lseek(fd, 0, SEEK_SET);
  while (read(fd, buf, sizeof buf) > 0) {
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  close(fd);
  unlink(path);
  return 0;
}

static int SlabPhase(const char* dir, long count) {
  char sub[4096];
  snprintf(sub, sizeof sub, "%s/record-workload-slab.%d", dir, (int)getpid());
  if (mkdir(sub, 0700) != 0) return Fail("mkdir slab dir");
  char path[4200];
  for (long i = 0; i < count; i++) {
    snprintf(path, sizeof path, "%s/f%ld", sub, i);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return Fail("create small file");
    if (write(fd, path, 16) != 16) return Fail("write small file");
    close(fd);
  }
  struct stat st;
  for (long i = 0; i < count; i++) {
    snprintf(path, sizeof path, "%s/f%ld", sub, i);
    stat(path, &st);
    unlink(path);
  }
  rmdir(sub);
  return 0;
}

static int FragmentPhase(size_t mib, int compact) {
  size_t bytes = mib * kMiB;
  char* p = MapAnon(bytes, MADV_NOHUGEPAGE);
  if (p == NULL) return Fail("mmap fragment");
  Touch(p, bytes);
  // Free every other page: the survivors pin scattered order-0 pages so the freed halves cannot
  // merge into larger buddies until compaction moves the survivors away.
  for (size_t off = kPageBytes; off < bytes; off += 2 * kPageBytes) {
    madvise(p + off, kPageBytes, MADV_DONTNEED);
  }
  if (compact) {
    int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
    if (fd < 0) return Fail("open /proc/sys/vm/compact_memory (root needed)");
    if (write(fd, "1", 1) != 1) return Fail("write /proc/sys/vm/compact_memory");
    close(fd);
  }
  // Touch the survivors again after compaction: faults on migrated pages are plain hits now,
  // but a read confirms the data moved intact.
  for (size_t off = 0; off < bytes; off += 2 * kPageBytes) {
    if (p[off] != (char)(off >> 12)) {
      fprintf(stderr, "record-workload: data changed at offset %zu\n", off);
      return 1;
    }
  }
  munmap(p, bytes);
  return 0;
}

static void Usage(void) {
  fprintf(stderr,
          "usage: record-workload [--anon-mb N] [--thp-mb N] [--file-mb N] [--slab N]\n"
          "                       [--fragment-mb N] [--compact] [--dir PATH]\n");
}

int main(int argc, char** argv) {
  long anon_mb = 0, thp_mb = 0, file_mb = 0, slab = 0, fragment_mb = 0;
  int compact = 0;
  const char* dir = "/tmp";
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--compact") == 0) {
      compact = 1;
      continue;
    }
    if (v == NULL) {
      Usage();
      return 2;
    }
    char* end = NULL;
    long n = strtol(v, &end, 10);
    int numeric = end != NULL && *end == '\0' && n >= 0;
    if (strcmp(a, "--dir") == 0) {
      dir = v;
    } else if (!numeric) {
      fprintf(stderr, "record-workload: %s needs a non-negative integer, got '%s'\n", a, v);
      return 2;
    } else if (strcmp(a, "--anon-mb") == 0) {
      anon_mb = n;
    } else if (strcmp(a, "--thp-mb") == 0) {
      thp_mb = n;
    } else if (strcmp(a, "--file-mb") == 0) {
      file_mb = n;
    } else if (strcmp(a, "--slab") == 0) {
      slab = n;
    } else if (strcmp(a, "--fragment-mb") == 0) {
      fragment_mb = n;
    } else {
      Usage();
      return 2;
    }
    i++;
  }
  if (anon_mb > 0 && AnonPhase((size_t)anon_mb, MADV_NOHUGEPAGE) != 0) return 1;
  if (thp_mb > 0 && AnonPhase((size_t)thp_mb, MADV_HUGEPAGE) != 0) return 1;
  if (file_mb > 0 && FilePhase(dir, (size_t)file_mb) != 0) return 1;
  if (slab > 0 && SlabPhase(dir, slab) != 0) return 1;
  if (fragment_mb > 0 && FragmentPhase((size_t)fragment_mb, compact) != 0) return 1;
  if (fragment_mb == 0 && compact) {
    int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
    if (fd < 0 || write(fd, "1", 1) != 1) return Fail("write /proc/sys/vm/compact_memory");
    close(fd);
  }
  return 0;
}
