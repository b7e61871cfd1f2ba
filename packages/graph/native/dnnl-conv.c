// 2-D convolutions (forward with bias and activation, input gradient, filter gradient) run by oneDNN, the library
// TensorFlow's own CPU kernels use, on tensors that live in the WebAssembly backend's heap: every tensor is NHWC (the
// filter HWIO, TensorFlow's layouts), read and written in place at byte offsets into that heap. WebAssembly has only
// 128-bit SIMD; oneDNN picks the machine's widest (AVX-512 here: 3-4x the wasm backend's rate on a 3x3 conv).
// Built by scripts/build-native.mjs when libdnnl is installed; src/runtime/native-conv.ts loads it when present.
#include <node_api.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void omp_set_num_threads(int);

enum { FWD = 0, BWD_DATA = 1, BWD_WEIGHTS = 2 };
enum { ACT_NONE = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_ELU = 3, ACT_SIGMOID = 4, ACT_LEAKY_RELU = 5 };
// Filters larger than this stay in TensorFlow's HWIO layout (no blocked copy kept per shape): a VGG fc6 filter is
// 411 MB, and its convolution reads it once per run.
#define REORDER_MAX_BYTES (16u << 20)
#define NDIMS 20

// dims: kind, n, h, w, ci, kh, kw, co, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr, act, hasBias
typedef struct {
  int32_t d[NDIMS];
  float alpha;
} Key;

typedef struct Entry {
  Key key;
  dnnl_primitive_t prim;
  dnnl_primitive_t reorder; // user weights -> primitive's (FWD, BWD_DATA) or back (BWD_WEIGHTS); NULL if same
  dnnl_memory_t a, b, bias, out;  // the primitive's memories over the heap (handles set per call)
  dnnl_memory_t weightsUser, weightsPrim; // weightsUser over the heap, weightsPrim owned (when reordered)
  struct Entry *next;
} Entry;

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static Entry *cache;

static int ok(dnnl_status_t s) { return s == dnnl_success; }

static dnnl_status_t md(dnnl_memory_desc_t *m, int64_t a, int64_t b, int64_t c, int64_t d, dnnl_format_tag_t tag) {
  dnnl_dims_t dims = {a, b, c, d};
  return dnnl_memory_desc_init_by_tag(m, 4, dims, dnnl_f32, tag);
}

static dnnl_status_t appendActivation(dnnl_primitive_attr_t attr, int act, float alpha) {
  if (act == ACT_NONE) return dnnl_success;
  dnnl_alg_kind_t alg = dnnl_eltwise_relu;
  float a = 0.f, b = 0.f;
  if (act == ACT_RELU6) alg = dnnl_eltwise_clip, a = 0.f, b = 6.f;
  else if (act == ACT_ELU) alg = dnnl_eltwise_elu, a = 1.f;
  else if (act == ACT_SIGMOID) alg = dnnl_eltwise_logistic;
  else if (act == ACT_LEAKY_RELU) a = alpha;
  dnnl_post_ops_t po;
  dnnl_status_t s = dnnl_post_ops_create(&po);
  if (ok(s)) s = dnnl_post_ops_append_eltwise(po, 1.f, alg, a, b);
  if (ok(s)) s = dnnl_primitive_attr_set_post_ops(attr, po);
  dnnl_post_ops_destroy(po);
  return s;
}

// Builds the primitive for `k`; NULL when oneDNN has no implementation for it (the caller falls back).
static Entry *build(const Key *k) {
  const int32_t *d = k->d;
  int kind = d[0], n = d[1], h = d[2], w = d[3], ci = d[4], kh = d[5], kw = d[6], co = d[7], oh = d[8], ow = d[9];
  dnnl_dims_t strides = {d[10], d[11]}, dilates = {d[12] - 1, d[13] - 1}, padL = {d[14], d[15]},
              padR = {d[16], d[17]};
  int act = d[18], hasBias = d[19];
  dnnl_memory_desc_t src, dst, weightsUser, weightsAny, bias;
  size_t weightBytes = (size_t)kh * kw * ci * co * 4;
  dnnl_format_tag_t weightsTag = weightBytes > REORDER_MAX_BYTES ? dnnl_hwio : dnnl_format_tag_any;
  if (!ok(md(&src, n, ci, h, w, dnnl_nhwc)) || !ok(md(&dst, n, co, oh, ow, dnnl_nhwc)) ||
      !ok(md(&weightsUser, co, ci, kh, kw, dnnl_hwio)) || !ok(md(&weightsAny, co, ci, kh, kw, weightsTag)))
    return NULL;
  dnnl_dims_t biasDims = {co};
  if (!ok(dnnl_memory_desc_init_by_tag(&bias, 1, biasDims, dnnl_f32, dnnl_a))) return NULL;

  dnnl_convolution_desc_t fwd, cd;
  dnnl_prop_kind_t prop = kind == FWD ? dnnl_forward_inference : dnnl_forward_training;
  if (!ok(dnnl_dilated_convolution_forward_desc_init(&fwd, prop, dnnl_convolution_direct, &src, &weightsAny,
                                                     kind == FWD && hasBias ? &bias : NULL, &dst, strides, dilates,
                                                     padL, padR)))
    return NULL;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_primitive_desc_t hint = NULL, pd = NULL;
  int built = 0;
  if (kind == FWD) {
    built = ok(dnnl_primitive_attr_create(&attr)) && ok(appendActivation(attr, act, k->alpha)) &&
            ok(dnnl_primitive_desc_create(&pd, &fwd, attr, engine, NULL));
  } else {
    built = ok(dnnl_primitive_desc_create(&hint, &fwd, NULL, engine, NULL));
    if (built && kind == BWD_DATA)
      built = ok(dnnl_dilated_convolution_backward_data_desc_init(&cd, dnnl_convolution_direct, &src, &weightsAny,
                                                                  &dst, strides, dilates, padL, padR));
    else if (built)
      built = ok(dnnl_dilated_convolution_backward_weights_desc_init(
          &cd, dnnl_convolution_direct, &src, &weightsAny, NULL, &dst, strides, dilates, padL, padR));
    built = built && ok(dnnl_primitive_desc_create(&pd, &cd, NULL, engine, hint));
  }
  if (attr) dnnl_primitive_attr_destroy(attr);
  if (hint) dnnl_primitive_desc_destroy(hint);
  if (!built) {
    if (pd) dnnl_primitive_desc_destroy(pd);
    return NULL;
  }

  Entry *e = calloc(1, sizeof(Entry));
  if (!e) {
    dnnl_primitive_desc_destroy(pd);
    return NULL;
  }
  e->key = *k;
  const dnnl_memory_desc_t *weightsPrim =
      dnnl_primitive_desc_query_md(pd, kind == BWD_WEIGHTS ? dnnl_query_diff_weights_md : dnnl_query_weights_md, 0);
  int good = ok(dnnl_primitive_create(&e->prim, pd));
  good = good && ok(dnnl_memory_create(&e->weightsUser, &weightsUser, engine, DNNL_MEMORY_NONE));
  if (good && !dnnl_memory_desc_equal(weightsPrim, &weightsUser)) {
    dnnl_primitive_desc_t rpd = NULL;
    good = ok(dnnl_memory_create(&e->weightsPrim, weightsPrim, engine, DNNL_MEMORY_ALLOCATE));
    good = good && (kind == BWD_WEIGHTS
                        ? ok(dnnl_reorder_primitive_desc_create(&rpd, weightsPrim, engine, &weightsUser, engine, NULL))
                        : ok(dnnl_reorder_primitive_desc_create(&rpd, &weightsUser, engine, weightsPrim, engine, NULL)));
    good = good && ok(dnnl_primitive_create(&e->reorder, rpd));
    if (rpd) dnnl_primitive_desc_destroy(rpd);
  }
  // a: src (FWD, BWD_WEIGHTS) or diff_dst (BWD_DATA); b: diff_dst (BWD_WEIGHTS); out: dst / diff_src
  const dnnl_memory_desc_t *aMd = kind == BWD_DATA ? &dst : &src;
  const dnnl_memory_desc_t *outMd = kind == FWD ? &dst : &src;
  good = good && ok(dnnl_memory_create(&e->a, aMd, engine, DNNL_MEMORY_NONE));
  if (kind == BWD_WEIGHTS) good = good && ok(dnnl_memory_create(&e->b, &dst, engine, DNNL_MEMORY_NONE));
  else good = good && ok(dnnl_memory_create(&e->out, outMd, engine, DNNL_MEMORY_NONE));
  if (kind == FWD && hasBias) good = good && ok(dnnl_memory_create(&e->bias, &bias, engine, DNNL_MEMORY_NONE));
  dnnl_primitive_desc_destroy(pd);
  if (!good) return NULL; // leaks the partial entry: only when oneDNN itself fails to allocate
  e->next = cache;
  cache = e;
  return e;
}

static Entry *lookup(const Key *k) {
  for (Entry *e = cache; e; e = e->next)
    if (memcmp(&e->key, k, sizeof(Key)) == 0) return e;
  return build(k);
}

static napi_value throwError(napi_env env, const char *what) {
  napi_throw_error(env, "NATIVE_CONV", what);
  return NULL;
}

// run(kind-and-dims: Int32Array(20), alpha: number, heap: Uint8Array, offsets: Float64Array(4)) -> boolean
// offsets: FWD x, filter, bias (-1: none), y; BWD_DATA dy, filter, -, dx; BWD_WEIGHTS x, dy, -, dW.
// false: oneDNN has no implementation for these dims (nothing was written).
static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 4) return throwError(env, "run: expected (dims, alpha, heap, offsets)");
  napi_typedarray_type type;
  size_t len, heapLen;
  void *data;
  Key key;
  memset(&key, 0, sizeof key);
  if (napi_get_typedarray_info(env, argv[0], &type, &len, &data, NULL, NULL) != napi_ok || type != napi_int32_array ||
      len != NDIMS)
    return throwError(env, "run: dims must be an Int32Array(20)");
  memcpy(key.d, data, sizeof key.d);
  double alpha;
  if (napi_get_value_double(env, argv[1], &alpha) != napi_ok) return throwError(env, "run: alpha must be a number");
  key.alpha = (float)alpha;
  uint8_t *heap;
  if (napi_get_typedarray_info(env, argv[2], &type, &heapLen, (void **)&heap, NULL, NULL) != napi_ok ||
      type != napi_uint8_array)
    return throwError(env, "run: heap must be a Uint8Array");
  double *off;
  if (napi_get_typedarray_info(env, argv[3], &type, &len, (void **)&off, NULL, NULL) != napi_ok ||
      type != napi_float64_array || len != 4)
    return throwError(env, "run: offsets must be a Float64Array(4)");

  const int32_t *d = key.d;
  int kind = d[0];
  if (kind < FWD || kind > BWD_WEIGHTS) return throwError(env, "run: unknown kind");
  for (int i = 1; i < NDIMS - 2; i++)
    if (d[i] < 0 || (i <= 13 && d[i] == 0)) return throwError(env, "run: dims out of range");
  double inBytes = 4.0 * d[1] * d[2] * d[3] * d[4], outBytes = 4.0 * d[1] * d[8] * d[9] * d[7],
         wBytes = 4.0 * d[5] * d[6] * d[4] * d[7];
  // sizes of the regions at offsets[0..3], per kind; every one must lie inside the heap
  double sizes[3][4] = {{inBytes, wBytes, 4.0 * d[7], outBytes},
                        {outBytes, wBytes, 0, inBytes},
                        {inBytes, outBytes, 0, wBytes}};
  for (int i = 0; i < 4; i++) {
    if (sizes[kind][i] == 0 || (i == 2 && off[i] < 0)) continue;
    if (!(off[i] >= 0) || off[i] + sizes[kind][i] > (double)heapLen)
      return throwError(env, "run: a tensor lies outside the heap");
  }
  if (kind == FWD && d[19] && off[2] < 0) return throwError(env, "run: bias offset missing");

  Entry *e = lookup(&key);
  napi_value result;
  if (!e) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  uint8_t *p0 = heap + (size_t)off[0], *p1 = heap + (size_t)off[1], *p3 = heap + (size_t)off[3];
  dnnl_exec_arg_t args[4];
  int nargs = 0;
  dnnl_memory_t weights = e->weightsPrim ? e->weightsPrim : e->weightsUser;
  int good = 1;
  if (kind == FWD || kind == BWD_DATA) {
    good = ok(dnnl_memory_set_data_handle(e->weightsUser, p1));
    if (good && e->reorder) {
      dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, e->weightsUser}, {DNNL_ARG_TO, e->weightsPrim}};
      good = ok(dnnl_primitive_execute(e->reorder, stream, 2, r));
    }
    good = good && ok(dnnl_memory_set_data_handle(e->a, p0)) && ok(dnnl_memory_set_data_handle(e->out, p3));
    args[nargs++] = (dnnl_exec_arg_t){kind == FWD ? DNNL_ARG_SRC : DNNL_ARG_DIFF_DST, e->a};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WEIGHTS, weights};
    args[nargs++] = (dnnl_exec_arg_t){kind == FWD ? DNNL_ARG_DST : DNNL_ARG_DIFF_SRC, e->out};
    if (kind == FWD && e->bias) {
      good = good && ok(dnnl_memory_set_data_handle(e->bias, heap + (size_t)off[2]));
      args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, e->bias};
    }
    good = good && ok(dnnl_primitive_execute(e->prim, stream, nargs, args));
  } else {
    good = ok(dnnl_memory_set_data_handle(e->a, p0)) && ok(dnnl_memory_set_data_handle(e->b, p1)) &&
           ok(dnnl_memory_set_data_handle(e->weightsUser, p3));
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SRC, e->a};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_DST, e->b};
    args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DIFF_WEIGHTS, weights};
    good = good && ok(dnnl_primitive_execute(e->prim, stream, nargs, args));
    if (good && e->reorder) {
      dnnl_exec_arg_t r[2] = {{DNNL_ARG_FROM, e->weightsPrim}, {DNNL_ARG_TO, e->weightsUser}};
      good = ok(dnnl_primitive_execute(e->reorder, stream, 2, r));
    }
  }
  good = good && ok(dnnl_stream_wait(stream));
  if (!good) return throwError(env, "run: oneDNN failed to execute a convolution");
  napi_get_boolean(env, true, &result);
  return result;
}

// setThreads(n): oneDNN's OpenMP thread count (the wasm backend's thread setting)
static napi_value setThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1)
    return throwError(env, "setThreads: expected a positive integer");
  omp_set_num_threads(n);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  if (!ok(dnnl_engine_create(&engine, dnnl_cpu, 0)) ||
      !ok(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags)))
    return throwError(env, "oneDNN: no CPU engine");
  napi_property_descriptor props[] = {
      {"run", NULL, run, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, setThreads, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
