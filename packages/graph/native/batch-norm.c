// Training-mode batch norm (FusedBatchNorm* forward and gradient) over channels-last float32 tensors that live in the
// WebAssembly backend's heap, read and written in place at byte offsets. The per-channel sums are float64 (a float32
// running sum over millions of values drifts); the rest is float32, grouped as TensorFlow's kernel groups it. One
// pass for the mean, one for the variance, one for y: the JavaScript kernel copied the tensor out of the heap and ran
// four more passes through the backend. Built by scripts/build-native.mjs; src/runtime/native-batch-norm.ts uses it.
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static napi_value throwError(napi_env env, const char *what) {
  napi_throw_error(env, "NATIVE_BATCH_NORM", what);
  return NULL;
}

// The heap (a Uint8Array over the wasm memory) and a Float64Array of offsets/sizes; every tensor region is checked.
typedef struct {
  uint8_t *heap;
  size_t heapLen;
  double *a;
  size_t n;
} Args;

static int getArgs(napi_env env, napi_callback_info info, Args *out, size_t want) {
  size_t argc = 2;
  napi_value argv[2];
  napi_typedarray_type type;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) return 0;
  if (napi_get_typedarray_info(env, argv[0], &type, &out->heapLen, (void **)&out->heap, NULL, NULL) != napi_ok ||
      type != napi_uint8_array)
    return 0;
  if (napi_get_typedarray_info(env, argv[1], &type, &out->n, (void **)&out->a, NULL, NULL) != napi_ok ||
      type != napi_float64_array || out->n != want)
    return 0;
  return 1;
}

// A float32 region of `count` values at byte offset `off`, or NULL when it does not lie inside the heap (or is not
// 4-byte aligned).
static float *region(const Args *g, double off, double count) {
  if (!(off >= 0) || !(count >= 0) || off + 4 * count > (double)g->heapLen || (uint64_t)off % 4) return NULL;
  return (float *)(g->heap + (size_t)off);
}

// Threads (OpenMP, the wasm thread setting's count) take chunks of rows. A sum is float64 per chunk, the chunks'
// sums then added in chunk order; the chunks depend on the row count alone, so the values are the same on any
// number of threads.
#define PARALLEL_MIN 262144
#define MAX_CHUNKS 64
#define MIN_CHUNK_ROWS 1024
static int threadCount(double asked) { return asked >= 1 && asked <= 256 ? (int)asked : 1; }

static size_t chunkRows(size_t R) {
  size_t rows = (R + MAX_CHUNKS - 1) / MAX_CHUNKS;
  return rows < MIN_CHUNK_ROWS ? MIN_CHUNK_ROWS : rows;
}

// out[k] (zeroed) += part[j * C + k] for each chunk j in order.
static void addChunks(double *out, const double *part, size_t chunks, size_t C) {
  for (size_t j = 0; j < chunks; j++)
    for (size_t k = 0; k < C; k++) out[k] += part[j * C + k];
}

// The wasm backend's Relu, bit for bit: x > 0 ? x : 0, a NaN made the canonical quiet NaN, -0 made +0.
static inline float reluLikeBackend(float v) {
  union { uint32_t u; float f; } nan = {0x7fc00000u};
  return v > 0.0f ? v : (v != v ? nan.f : 0.0f);
}

// forward(heap, [x, rows, c, scale, offset, eps, y, mean, variance, threads, relu]): mean and biased variance
// (float32, from the float64 sums) written at `mean` / `variance`, y = (x - mean) * (rsqrt(variance + eps) * scale) +
// offset, then the Relu the plan fused into it (_FusedBatchNormEx) when `relu` is 1.
static napi_value forward(napi_env env, napi_callback_info info) {
  Args g;
  if (!getArgs(env, info, &g, 11)) return throwError(env, "forward: expected (heap: Uint8Array, args: Float64Array(11))");
  double rows = g.a[1], c = g.a[2];
  if (!(rows >= 1) || !(c >= 1) || rows * c > 4e9) return throwError(env, "forward: bad sizes");
  const float *x = region(&g, g.a[0], rows * c), *scale = region(&g, g.a[3], c), *offset = region(&g, g.a[4], c);
  float *y = region(&g, g.a[6], rows * c), *meanOut = region(&g, g.a[7], c), *varOut = region(&g, g.a[8], c);
  if (!x || !scale || !offset || !y || !meanOut || !varOut) return throwError(env, "forward: a tensor lies outside the heap");
  size_t R = (size_t)rows, C = (size_t)c;
  float eps = (float)g.a[5];
  double *sum = calloc(2 * C, sizeof(double));
  float *gain = malloc(2 * C * sizeof(float));
  if (!sum || !gain) {
    free(sum);
    free(gain);
    return throwError(env, "forward: out of memory");
  }
  double *sq = sum + C;
  float *mean32 = gain + C;
  const int threads = threadCount(g.a[9]);
  const int parallel = R * C >= PARALLEL_MIN;
  const size_t per = chunkRows(R), chunks = (R + per - 1) / per;
  double *part = calloc(chunks * C, sizeof(double));
  if (!part) {
    free(sum);
    free(gain);
    return throwError(env, "forward: out of memory");
  }
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel && chunks > 1)
  for (size_t j = 0; j < chunks; j++) {
    double *p = part + j * C;
    for (size_t r = j * per; r < R && r < (j + 1) * per; r++) {
      const float *row = x + r * C;
      for (size_t k = 0; k < C; k++) p[k] += row[k];
    }
  }
  addChunks(sum, part, chunks, C);
  for (size_t k = 0; k < C; k++) sum[k] /= (double)R;
  for (size_t k = 0; k < chunks * C; k++) part[k] = 0;
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel && chunks > 1)
  for (size_t j = 0; j < chunks; j++) {
    double *p = part + j * C;
    for (size_t r = j * per; r < R && r < (j + 1) * per; r++) {
      const float *row = x + r * C;
      for (size_t k = 0; k < C; k++) {
        double d = row[k] - sum[k];
        p[k] += d * d;
      }
    }
  }
  addChunks(sq, part, chunks, C);
  free(part);
  for (size_t k = 0; k < C; k++) {
    float variance = (float)(sq[k] / (double)R);
    mean32[k] = (float)sum[k];
    meanOut[k] = mean32[k];
    varOut[k] = variance;
    gain[k] = (1.0f / sqrtf(variance + eps)) * scale[k];
  }
  const int relu = g.a[10] != 0;
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel)
  for (size_t r = 0; r < R; r++) {
    const float *row = x + r * C;
    float *out = y + r * C;
    for (size_t k = 0; k < C; k++) out[k] = (row[k] - mean32[k]) * gain[k] + offset[k];
    if (relu)
      for (size_t k = 0; k < C; k++) out[k] = reluLikeBackend(out[k]);
  }
  free(sum);
  free(gain);
  return NULL;
}

// backward(heap, [dy, x, rows, c, scale, mean, variance, eps, dx, dscale, doffset, threads]) (training): with
// gain = scale * rsqrt(variance + eps), doffset = sum(dy), dscale = sum(dy * (x - mean)) * rsqrt(variance + eps),
// dx = dy * gain - (x - mean) * gain * mean(dy * (x - mean)) / (variance + eps) - gain * mean(dy).
static napi_value backward(napi_env env, napi_callback_info info) {
  Args g;
  if (!getArgs(env, info, &g, 12)) return throwError(env, "backward: expected (heap: Uint8Array, args: Float64Array(12))");
  double rows = g.a[2], c = g.a[3];
  if (!(rows >= 1) || !(c >= 1) || rows * c > 4e9) return throwError(env, "backward: bad sizes");
  const float *dy = region(&g, g.a[0], rows * c), *x = region(&g, g.a[1], rows * c), *scale = region(&g, g.a[4], c),
              *mean = region(&g, g.a[5], c), *variance = region(&g, g.a[6], c);
  float *dx = region(&g, g.a[8], rows * c), *dscale = region(&g, g.a[9], c), *doffset = region(&g, g.a[10], c);
  if (!dy || !x || !scale || !mean || !variance || !dx || !dscale || !doffset)
    return throwError(env, "backward: a tensor lies outside the heap");
  size_t R = (size_t)rows, C = (size_t)c;
  float eps = (float)g.a[7];
  double *sumDy = calloc(2 * C, sizeof(double));
  float *coef = malloc(3 * C * sizeof(float));
  if (!sumDy || !coef) {
    free(sumDy);
    free(coef);
    return throwError(env, "backward: out of memory");
  }
  double *sumDyX = sumDy + C;
  const int threads = threadCount(g.a[11]);
  const int parallel = R * C >= PARALLEL_MIN;
  const size_t per = chunkRows(R), chunks = (R + per - 1) / per;
  double *part = calloc(2 * chunks * C, sizeof(double));
  if (!part) {
    free(sumDy);
    free(coef);
    return throwError(env, "backward: out of memory");
  }
  double *partX = part + chunks * C;
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel && chunks > 1)
  for (size_t j = 0; j < chunks; j++) {
    double *p = part + j * C, *px = partX + j * C;
    for (size_t r = j * per; r < R && r < (j + 1) * per; r++) {
      const float *d = dy + r * C, *v = x + r * C;
      for (size_t k = 0; k < C; k++) {
        p[k] += d[k];
        px[k] += (double)d[k] * (double)(v[k] - mean[k]);
      }
    }
  }
  addChunks(sumDy, part, chunks, C);
  addChunks(sumDyX, partX, chunks, C);
  free(part);
  float *gain = coef, *b = coef + C, *cc = coef + 2 * C;
  for (size_t k = 0; k < C; k++) {
    float rs = 1.0f / sqrtf(variance[k] + eps);
    gain[k] = scale[k] * rs;
    doffset[k] = (float)sumDy[k];
    dscale[k] = (float)sumDyX[k] * rs;
    b[k] = gain[k] * (float)(sumDyX[k] / (double)R / (double)(variance[k] + eps));
    cc[k] = gain[k] * (float)(sumDy[k] / (double)R);
  }
#pragma omp parallel for schedule(static) num_threads(threads) if (parallel)
  for (size_t r = 0; r < R; r++) {
    const float *d = dy + r * C, *v = x + r * C;
    float *o = dx + r * C;
    for (size_t k = 0; k < C; k++) o[k] = d[k] * gain[k] - (v[k] - mean[k]) * b[k] - cc[k];
  }
  free(sumDy);
  free(coef);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"forward", NULL, forward, NULL, NULL, NULL, napi_default, NULL},
      {"backward", NULL, backward, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
