// ArrayBuffers for large tensors on transparent huge pages, built from packages/proto/scripts/build-native.mjs;
// large-buffers.ts falls back to `new ArrayBuffer` when it is not built.
//
// Why: restoring a 553 MB checkpoint into fresh arrays faults in ~135,000 pages of 4 KiB, about 40% of the restore's
// time (measured in `pnpm bench bundle-io`). Linux backs memory with 2 MiB pages when the region asks for it
// (transparent_hugepage is "madvise" on most distributions), but V8's allocator never asks. This maps the memory
// itself, asks with madvise(MADV_HUGEPAGE), and hands V8 an external ArrayBuffer that unmaps it when collected.
// Zero-filled like `new ArrayBuffer` (anonymous mappings are).
#define _GNU_SOURCE
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

typedef struct {
  void *base;
  size_t length;
  size_t bytes;
} mapping;

static void release(napi_env env, void *data, void *hint) {
  (void)data;
  mapping *m = hint;
  munmap(m->base, m->length);
  int64_t total;
  napi_adjust_external_memory(env, -(int64_t)m->bytes, &total);
  free(m);
}

// allocate(bytes) -> ArrayBuffer, or null when the memory cannot be mapped (the caller falls back)
static napi_value js_allocate(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  napi_get_null(env, &result);
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return result;
  double requested;
  if (napi_get_value_double(env, argv[0], &requested) != napi_ok || !(requested >= 1) || requested > 9007199254740991.0)
    return result;
  size_t bytes = (size_t)requested;
  // one huge page more than needed, so a 2 MiB-aligned start fits inside the mapping
  size_t length = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE + HUGE_PAGE;
  void *base = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return result;
  uintptr_t start = ((uintptr_t)base + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
  // whole huge pages only: a partly used last 2 MiB stays in small pages, so no tensor costs more than it holds
  size_t whole = bytes / HUGE_PAGE * HUGE_PAGE;
  if (whole) madvise((void *)start, whole, MADV_HUGEPAGE); // advice: refused (THP "never") is fine
  mapping *m = malloc(sizeof *m);
  if (!m) {
    munmap(base, length);
    return result;
  }
  m->base = base;
  m->length = length;
  m->bytes = bytes;
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, (void *)start, bytes, release, m, &buffer) != napi_ok) {
    munmap(base, length);
    free(m);
    return result;
  }
  int64_t total;
  napi_adjust_external_memory(env, (int64_t)bytes, &total); // so V8's collector counts it
  return buffer;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "allocate", NAPI_AUTO_LENGTH, js_allocate, NULL, &fn) == napi_ok)
    napi_set_named_property(env, exports, "allocate", fn);
  return exports;
}
