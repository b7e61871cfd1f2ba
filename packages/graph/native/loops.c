// Float32 loops a training step runs many times that the WebAssembly backend runs slowly: optimizer updates in place
// (Adam, Momentum) over a variable's storage, sums or means over the middle axes of [outer, reduce, inner] (the wasm
// backend transposes the reduced axes innermost first), ReluGrad (three backend passes: greater, cast, mul), a
// two-input AddN into one of its inputs, and MaxPoolGrad (the JavaScript loop of kernels/grad.ts).
// Each is the JavaScript path's (or the backend's) arithmetic in the same order, one float32 rounding per operation
// (built without FMA contraction: scripts/build-native.mjs), so results are bit-identical to it; the compiler
// vectorizes them, and OpenMP splits the elements (or a sum's outputs) over the wasm thread setting's threads, which
// changes no element's order of operations. Built by scripts/build-native.mjs; used by src/runtime/native-loops.ts.
#include <emmintrin.h>
#include <math.h>
#include <node_api.h>
#include <stddef.h>
#include <stdlib.h>

// Below this many elements a loop stays on the calling thread: waking the team (tens of microseconds) costs more
// than it saves.
#define PARALLEL_MIN 262144

static napi_value throwError(napi_env env, const char *what) {
  napi_throw_error(env, "NATIVE_LOOPS", what);
  return NULL;
}

// argv[k] as a Float32Array (or, for the last argument, a Float64Array of parameters) with its length.
static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  napi_typedarray_type type;
  return napi_get_typedarray_info(env, v, &type, len, data, NULL, NULL) == napi_ok && type == want;
}

// The call's `n` Float32Arrays (each `length` long, or the lengths given by the caller's check) and its parameters.
typedef struct {
  float *f[4];
  size_t len[4];
  double *p;
  size_t np;
} Call;

static int getCall(napi_env env, napi_callback_info info, size_t arrays, size_t params, Call *c) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != arrays + 1) return 0;
  for (size_t k = 0; k < arrays; k++)
    if (!typed(env, argv[k], napi_float32_array, (void **)&c->f[k], &c->len[k])) return 0;
  return typed(env, argv[arrays], napi_float64_array, (void **)&c->p, &c->np) && c->np == params;
}

// The thread count a caller asked for, at least 1 (OpenMP's num_threads needs a positive int).
static int threadCount(double asked) { return asked >= 1 && asked <= 256 ? (int)asked : 1; }

static int sameLength(const Call *c, size_t arrays) {
  for (size_t k = 1; k < arrays; k++)
    if (c->len[k] != c->len[0]) return 0;
  return 1;
}

// adam(var, m, v, grad, [alpha, 1 - beta1, 1 - beta2, beta1, epsilon, nesterov, threads]):
// m += (g - m) * (1 - b1); v += (g*g - v) * (1 - b2); var -= num * alpha / (sqrt(v) + eps), num = m, or with
// Nesterov g * (1 - b1) + m * b1.
static napi_value adam(napi_env env, napi_callback_info info) {
  Call c;
  if (!getCall(env, info, 4, 7, &c) || !sameLength(&c, 4))
    return throwError(env, "adam: expected (var, m, v, grad: Float32Array of one length, params: Float64Array(7))");
  float *w = c.f[0], *m = c.f[1], *v = c.f[2];
  const float *g = c.f[3];
  const float alpha = (float)c.p[0], c1 = (float)c.p[1], c2 = (float)c.p[2], b1 = (float)c.p[3], eps = (float)c.p[4];
  const size_t n = c.len[0];
  const int threads = threadCount(c.p[6]);
  const int nesterov = c.p[5] != 0;
  // one loop: the compiler unswitches it on `nesterov`
#pragma omp parallel for schedule(static) num_threads(threads) if (n >= PARALLEL_MIN)
  for (size_t k = 0; k < n; k++) {
    const float gk = g[k];
    const float m1 = m[k] + (gk - m[k]) * c1;
    m[k] = m1;
    const float v1 = v[k] + (gk * gk - v[k]) * c2;
    v[k] = v1;
    const float num = nesterov ? gk * c1 + m1 * b1 : m1;
    w[k] = w[k] - (num * alpha) / (sqrtf(v1) + eps);
  }
  return NULL;
}

// momentum(var, accum, grad, [lr, momentum, nesterov, threads]): accum = accum * momentum + g; var -= accum * lr, or with
// Nesterov var -= g * lr + accum * momentum * lr.
static napi_value momentum(napi_env env, napi_callback_info info) {
  Call c;
  if (!getCall(env, info, 3, 4, &c) || !sameLength(&c, 3))
    return throwError(env, "momentum: expected (var, accum, grad: Float32Array of one length, params: Float64Array(4))");
  float *w = c.f[0], *acc = c.f[1];
  const float *g = c.f[2];
  const float lr = (float)c.p[0], mom = (float)c.p[1];
  const size_t n = c.len[0];
  const int threads = threadCount(c.p[3]);
  if (c.p[2] != 0) {
#pragma omp parallel for schedule(static) num_threads(threads) if (n >= PARALLEL_MIN)
    for (size_t k = 0; k < n; k++) {
      const float a = acc[k] * mom + g[k];
      acc[k] = a;
      w[k] = w[k] - (g[k] * lr + (a * mom) * lr);
    }
  } else {
#pragma omp parallel for schedule(static) num_threads(threads) if (n >= PARALLEL_MIN)
    for (size_t k = 0; k < n; k++) {
      const float a = acc[k] * mom + g[k];
      acc[k] = a;
      w[k] = w[k] - a * lr;
    }
  }
  return NULL;
}

// sumMiddle(x, out, [outer, reduce, inner, divisor, threads]): out[o, i] = sum over r, in order, of x[o, r, i] (a
// float32 running sum, as the backend's), divided by `divisor` when it is not 0 (a mean). Threads take blocks of
// outputs; each output's sum stays in order on one thread.
#define SUM_BLOCK 256
static napi_value sumMiddle(napi_env env, napi_callback_info info) {
  Call c;
  if (!getCall(env, info, 2, 5, &c)) return throwError(env, "sumMiddle: expected (x, out: Float32Array, params: Float64Array(5))");
  const double outer = c.p[0], reduce = c.p[1], inner = c.p[2];
  if (!(outer >= 0) || !(reduce >= 0) || !(inner >= 0) || outer * reduce * inner != (double)c.len[0] ||
      outer * inner != (double)c.len[1])
    return throwError(env, "sumMiddle: x or out does not hold [outer, reduce, inner] / [outer, inner] values");
  const float *x = c.f[0];
  float *out = c.f[1];
  const size_t O = (size_t)outer, R = (size_t)reduce, I = (size_t)inner;
  const size_t blocksPerRow = (I + SUM_BLOCK - 1) / SUM_BLOCK, blocks = O * blocksPerRow;
  const float divisor = (float)c.p[3];
  const int threads = threadCount(c.p[4]);
#pragma omp parallel for schedule(static) num_threads(threads) if (c.len[0] >= PARALLEL_MIN && blocks > 1)
  for (size_t b = 0; b < blocks; b++) {
    const size_t o = b / blocksPerRow, i0 = (b % blocksPerRow) * SUM_BLOCK;
    const size_t i1 = i0 + SUM_BLOCK < I ? i0 + SUM_BLOCK : I;
    float *acc = out + o * I;
    const float *row = x + o * R * I;
    for (size_t i = i0; i < i1; i++) acc[i] = 0.0f;
    for (size_t r = 0; r < R; r++)
      for (size_t i = i0; i < i1; i++) acc[i] += row[r * I + i];
    if (divisor != 0)
      for (size_t i = i0; i < i1; i++) acc[i] = acc[i] / divisor;
  }
  return NULL;
}

// reluGrad(dy, x, out, [threads]): out = dy * (x > 0 ? 1 : 0), TensorFlow's ReluGrad (a NaN or infinite gradient at
// x <= 0 gives NaN, a negative one -0), as the backend's greater, cast and mul compute it.
static napi_value reluGrad(napi_env env, napi_callback_info info) {
  Call c;
  if (!getCall(env, info, 3, 1, &c) || !sameLength(&c, 3))
    return throwError(env, "reluGrad: expected (dy, x, out: Float32Array of one length, params: Float64Array(1))");
  const float *dy = c.f[0], *x = c.f[1];
  float *out = c.f[2];
  const size_t n = c.len[0];
  const int threads = threadCount(c.p[0]);
  // the mask as a float (1 or 0) multiplied in, four at a time: written as a select, the compiler made it a branch per
  // element (5 ns each on random signs)
  const size_t quads = n / 4;
#pragma omp parallel for schedule(static) num_threads(threads) if (n >= PARALLEL_MIN)
  for (size_t q = 0; q < quads; q++) {
    const __m128 one = _mm_set1_ps(1.0f);
    const __m128 mask = _mm_and_ps(_mm_cmpgt_ps(_mm_loadu_ps(x + 4 * q), _mm_setzero_ps()), one);
    _mm_storeu_ps(out + 4 * q, _mm_mul_ps(_mm_loadu_ps(dy + 4 * q), mask));
  }
  for (size_t k = 4 * quads; k < n; k++) out[k] = dy[k] * (x[k] > 0.0f ? 1.0f : 0.0f);
  return NULL;
}

// addTo(out, a, b, [threads]): out = a + b (out may be a or b: each element is read before it is written).
static napi_value addTo(napi_env env, napi_callback_info info) {
  Call c;
  if (!getCall(env, info, 3, 1, &c) || !sameLength(&c, 3))
    return throwError(env, "addTo: expected (out, a, b: Float32Array of one length, params: Float64Array(1))");
  float *out = c.f[0];
  const float *a = c.f[1], *b = c.f[2];
  const size_t n = c.len[0];
  const int threads = threadCount(c.p[0]);
#pragma omp parallel for schedule(static) num_threads(threads) if (n >= PARALLEL_MIN)
  for (size_t k = 0; k < n; k++) out[k] = a[k] + b[k];
  return NULL;
}

// maxPoolGrad(x, dy, dx, [batch, h, w, c, oh, ow, kh, kw, sh, sw, padTop, padLeft, threads]) over NHWC, dx zeroed
// by the caller: each window's gradient is added at the first position (row-major in the window, padding skipped)
// holding its maximum, windows in order, as TensorFlow's CPU kernel and kernels/grad.ts's loop do. Threads take whole
// images: no two write the same element.
static napi_value maxPoolGrad(napi_env env, napi_callback_info info) {
  Call c;
  if (!getCall(env, info, 3, 13, &c)) return throwError(env, "maxPoolGrad: expected (x, dy, dx: Float32Array, params: Float64Array(13))");
  long d[12];
  for (int k = 0; k < 12; k++) {
    if (!(c.p[k] >= 0) || c.p[k] > 1e9) return throwError(env, "maxPoolGrad: bad sizes");
    d[k] = (long)c.p[k];
  }
  const long B = d[0], H = d[1], W = d[2], C = d[3], OH = d[4], OW = d[5], KH = d[6], KW = d[7], SH = d[8], SW = d[9],
             PT = d[10], PL = d[11];
  if ((double)B * H * W * C != (double)c.len[0] || c.len[2] != c.len[0] || (double)B * OH * OW * C != (double)c.len[1] ||
      C == 0)
    return throwError(env, "maxPoolGrad: x, dy or dx does not hold its shape's values");
  const float *x = c.f[0], *dy = c.f[1];
  float *dx = c.f[2];
  const int threads = threadCount(c.p[12]);
  int failed = 0;
#pragma omp parallel num_threads(threads) if (c.len[0] >= PARALLEL_MIN && B > 1)
  {
    float *max = malloc((size_t)C * sizeof(float));
    long *best = malloc((size_t)C * sizeof(long));
    if (!max || !best) {
#pragma omp atomic write
      failed = 1;
    }
#pragma omp for schedule(static)
    for (long b = 0; b < B; b++) {
      if (!max || !best) continue;
      for (long y = 0; y < OH; y++) {
        const long y0 = y * SH - PT < 0 ? 0 : y * SH - PT, y1 = y * SH - PT + KH > H ? H : y * SH - PT + KH;
        for (long xo = 0; xo < OW; xo++) {
          const long x0 = xo * SW - PL < 0 ? 0 : xo * SW - PL, x1 = xo * SW - PL + KW > W ? W : xo * SW - PL + KW;
          if (y0 >= y1 || x0 >= x1) continue;  // a window of padding only passes no gradient
          const long first = ((b * H + y0) * W + x0) * C;
          for (long ch = 0; ch < C; ch++) {
            max[ch] = x[first + ch];
            best[ch] = first + ch;
          }
          for (long iy = y0; iy < y1; iy++)
            for (long ix = x0; ix < x1; ix++) {
              const long at = ((b * H + iy) * W + ix) * C;
              for (long ch = 0; ch < C; ch++)
                if (x[at + ch] > max[ch]) {
                  max[ch] = x[at + ch];
                  best[ch] = at + ch;
                }
            }
          const float *g = dy + ((b * OH + y) * OW + xo) * C;
          for (long ch = 0; ch < C; ch++) dx[best[ch]] = dx[best[ch]] + g[ch];
        }
      }
    }
    free(max);
    free(best);
  }
  if (failed) return throwError(env, "maxPoolGrad: out of memory");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"adam", NULL, adam, NULL, NULL, NULL, napi_default, NULL},
      {"momentum", NULL, momentum, NULL, NULL, NULL, napi_default, NULL},
      {"sumMiddle", NULL, sumMiddle, NULL, NULL, NULL, napi_default, NULL},
      {"reluGrad", NULL, reluGrad, NULL, NULL, NULL, napi_default, NULL},
      {"addTo", NULL, addTo, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolGrad", NULL, maxPoolGrad, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 6, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
