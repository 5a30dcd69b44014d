#include "sim/util/temp_file_registry.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace memsim {

namespace {

// Fixed storage: the signal handler may only read memory that is never freed or moved.
struct Slot {
  // kFree -> kFilling (Register owns it) -> kLive (the handler may unlink) -> kFree.
  std::atomic<int> state{0};
  char path[TempFileRegistry::kMaxPathBytes];
};
constexpr int kFree = 0;
constexpr int kFilling = 1;
constexpr int kLive = 2;

Slot slots[TempFileRegistry::kMaxEntries];

constexpr int kSignals[] = {SIGHUP, SIGINT, SIGPIPE, SIGTERM};

// Async-signal-safe: unlink, sigaction and raise only.
void RemoveTempFilesAndReraise(int sig) {
  for (Slot& s : slots) {
    if (s.state.load(std::memory_order_acquire) == kLive) unlink(s.path);
  }
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  raise(sig);
}

void InstallHandlers() {
  for (int sig : kSignals) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) != 0) continue;
    if ((old.sa_flags & SA_SIGINFO) != 0 || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa {};
    sa.sa_handler = RemoveTempFilesAndReraise;
    sigemptyset(&sa.sa_mask);
    for (int s : kSignals) sigaddset(&sa.sa_mask, s);
    sa.sa_flags = SA_RESETHAND;
    sigaction(sig, &sa, nullptr);
  }
}

}  // namespace

int TempFileRegistry::Register(const std::string& path) {
  static std::once_flag once;
  std::call_once(once, InstallHandlers);
  if (path.size() >= static_cast<size_t>(kMaxPathBytes)) return -1;
  for (int i = 0; i < kMaxEntries; ++i) {
    int expected = kFree;
    if (slots[i].state.compare_exchange_strong(expected, kFilling, std::memory_order_acq_rel)) {
      std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
      slots[i].state.store(kLive, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void TempFileRegistry::Unregister(int token) {
  if (token < 0 || token >= kMaxEntries) return;
  slots[token].state.store(kFree, std::memory_order_release);
}

int TempFileRegistry::Count() {
  int n = 0;
  for (const Slot& s : slots) n += s.state.load(std::memory_order_acquire) == kLive;
  return n;
}

}  // namespace memsim
