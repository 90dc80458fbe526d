// The two passes dynamic INT8 quantization makes over each layer's float input, in C:
//   range:     lo = min x, hi = max x (NaNs skipped)
//   quantize:  q = clamp(round(x·inv + z), 0, top), ties to even
// Swift builds the project for baseline x86-64 (SSE2), and its SIMD types lower some operations lane
// by lane; these are compiled three times (AVX-512, AVX2, baseline) with clang's vector extensions
// and picked at run time, and they split the array between the threads of OpenMP's team (the one
// oneDNN's primitives run on) through libgomp's GOMP_parallel, so at 2 threads the passes run on both
// cores like the matrix products do. Which thread does which elements never changes the result.
#include <stdint.h>
#include <string.h>

typedef float cdnnl_f32x16 __attribute__((ext_vector_type(16)));
typedef int32_t cdnnl_i32x16 __attribute__((ext_vector_type(16)));
typedef uint8_t cdnnl_u8x16 __attribute__((ext_vector_type(16)));

// One pass over x[begin, end): the bodies, instantiated per instruction set below.
#define CDNNL_RANGE_BODY \
    cdnnl_f32x16 vlo = (cdnnl_f32x16)(__builtin_inff()), vhi = (cdnnl_f32x16)(-__builtin_inff()); \
    long i = begin; \
    for (; i + 16 <= end; i += 16) { \
        cdnnl_f32x16 v; memcpy(&v, x + i, sizeof v); \
        vlo = __builtin_elementwise_min(vlo, v); /* minnum: a NaN lane keeps the other operand */ \
        vhi = __builtin_elementwise_max(vhi, v); \
    } \
    float lo = __builtin_reduce_min(vlo), hi = __builtin_reduce_max(vhi); \
    for (; i < end; i++) { if (x[i] < lo) lo = x[i]; if (x[i] > hi) hi = x[i]; } \
    *lo_out = lo; *hi_out = hi;

#define CDNNL_QUANTIZE_BODY \
    const cdnnl_f32x16 vinv = (cdnnl_f32x16)(inv), vz = (cdnnl_f32x16)(z), vzero = (cdnnl_f32x16)(0.0f), vtop = (cdnnl_f32x16)(top); \
    long i = begin; \
    for (; i + 16 <= end; i += 16) { \
        cdnnl_f32x16 v; memcpy(&v, x + i, sizeof v); \
        cdnnl_f32x16 t = v * vinv + vz; \
        t = __builtin_elementwise_max(t, vzero); /* maxnum: NaN becomes 0 */ \
        t = __builtin_elementwise_min(t, vtop); \
        /* t + 1.5·2²³ holds round(t) (ties to even) in its low mantissa bits: no round instruction needed */ \
        cdnnl_f32x16 m = t + (cdnnl_f32x16)(12582912.0f); \
        cdnnl_i32x16 bits; memcpy(&bits, &m, sizeof bits); \
        cdnnl_u8x16 b = __builtin_convertvector(bits & 255, cdnnl_u8x16); \
        memcpy(q + i, &b, sizeof b); \
    } \
    for (; i < end; i++) { \
        float t = x[i] * inv + z; \
        t = t >= 0.0f ? t : 0.0f; \
        t = t <= top ? t : top; \
        float m = t + 12582912.0f; \
        uint32_t bits; memcpy(&bits, &m, sizeof bits); \
        q[i] = (uint8_t)bits; \
    }

// -ffp-contract is off for these so that x·inv + z rounds twice, exactly as Swift's `x * inv + z`
// (the unit tests compare them element for element).
#pragma clang fp contract(off)
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void cdnnl_range_avx512(const float *x, long begin, long end, float *lo_out, float *hi_out) { CDNNL_RANGE_BODY }
__attribute__((target("avx2,fma"))) static void cdnnl_range_avx2(const float *x, long begin, long end, float *lo_out, float *hi_out) { CDNNL_RANGE_BODY }
static void cdnnl_range_base(const float *x, long begin, long end, float *lo_out, float *hi_out) { CDNNL_RANGE_BODY }
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void cdnnl_quantize_avx512(const float *x, long begin, long end, float inv, float z, float top, uint8_t *q) { CDNNL_QUANTIZE_BODY }
__attribute__((target("avx2,fma"))) static void cdnnl_quantize_avx2(const float *x, long begin, long end, float inv, float z, float top, uint8_t *q) { CDNNL_QUANTIZE_BODY }
static void cdnnl_quantize_base(const float *x, long begin, long end, float inv, float z, float top, uint8_t *q) { CDNNL_QUANTIZE_BODY }
#pragma clang fp contract(on)

// 2 = AVX-512 (F, BW, VL), 1 = AVX2, 0 = baseline.
static inline int cdnnl_vector_level(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
    return 0;
}

// libgomp's entry points, from cdnnl_api (NULL when oneDNN was not built on OpenMP).
typedef struct {
    void (*parallel)(void (*fn)(void *), void *data, unsigned threads, unsigned flags);  // GOMP_parallel
    int (*thread_num)(void);   // omp_get_thread_num
    int (*num_threads)(void);  // omp_get_num_threads
} cdnnl_omp;

enum { CDNNL_MAX_THREADS = 256 };
// Below this many elements a pass runs on the calling thread alone: waking the team costs more.
enum { CDNNL_PARALLEL_MIN = 1 << 16 };

typedef struct {
    const float *x; long n; int level; const cdnnl_omp *omp;
    float inv, z, top; uint8_t *q;                                // quantize
    float lo[CDNNL_MAX_THREADS], hi[CDNNL_MAX_THREADS]; int used;   // range, per thread
} cdnnl_pass;

// Thread t of n takes [t·n/T, (t+1)·n/T), rounded to multiples of 64 elements.
static inline void cdnnl_share(long n, int t, int threads, long *begin, long *end) {
    long blocks = (n + 63) / 64;
    long b0 = blocks * t / threads, b1 = blocks * (t + 1) / threads;
    *begin = b0 * 64 < n ? b0 * 64 : n;
    *end = b1 * 64 < n ? b1 * 64 : n;
}

static void cdnnl_range_part(void *data) {
    cdnnl_pass *p = (cdnnl_pass *)data;
    int threads = p->omp ? p->omp->num_threads() : 1, t = p->omp ? p->omp->thread_num() : 0;
    if (threads > CDNNL_MAX_THREADS) threads = CDNNL_MAX_THREADS;
    if (t >= threads) return;
    long begin, end;
    cdnnl_share(p->n, t, threads, &begin, &end);
    if (t == 0) p->used = threads;
    if (p->level == 2) cdnnl_range_avx512(p->x, begin, end, &p->lo[t], &p->hi[t]);
    else if (p->level == 1) cdnnl_range_avx2(p->x, begin, end, &p->lo[t], &p->hi[t]);
    else cdnnl_range_base(p->x, begin, end, &p->lo[t], &p->hi[t]);
}

static void cdnnl_quantize_part(void *data) {
    cdnnl_pass *p = (cdnnl_pass *)data;
    int threads = p->omp ? p->omp->num_threads() : 1, t = p->omp ? p->omp->thread_num() : 0;
    if (threads > CDNNL_MAX_THREADS) threads = CDNNL_MAX_THREADS;
    if (t >= threads) return;
    long begin, end;
    cdnnl_share(p->n, t, threads, &begin, &end);
    if (p->level == 2) cdnnl_quantize_avx512(p->x, begin, end, p->inv, p->z, p->top, p->q);
    else if (p->level == 1) cdnnl_quantize_avx2(p->x, begin, end, p->inv, p->z, p->top, p->q);
    else cdnnl_quantize_base(p->x, begin, end, p->inv, p->z, p->top, p->q);
}

// The smallest and largest of x[0, n) (NaNs skipped; +inf and −inf when there is no number).
static inline void cdnnl_range(const float *x, long n, int level, const cdnnl_omp *omp, float *lo, float *hi) {
    cdnnl_pass p;
    p.x = x; p.n = n; p.level = level; p.used = 1;
    if (omp && omp->parallel && n >= CDNNL_PARALLEL_MIN) { p.omp = omp; omp->parallel(cdnnl_range_part, &p, 0, 0); }
    else { p.omp = 0; cdnnl_range_part(&p); }
    float l = p.lo[0], h = p.hi[0];
    for (int t = 1; t < p.used; t++) { if (p.lo[t] < l) l = p.lo[t]; if (p.hi[t] > h) h = p.hi[t]; }
    *lo = l; *hi = h;
}

// q[i] = clamp(round(x[i]·inv + z), 0, top) for i in [0, n).
static inline void cdnnl_quantize(const float *x, long n, float inv, float z, float top, uint8_t *q, int level, const cdnnl_omp *omp) {
    cdnnl_pass p;
    p.x = x; p.n = n; p.level = level; p.inv = inv; p.z = z; p.top = top; p.q = q;
    if (omp && omp->parallel && n >= CDNNL_PARALLEL_MIN) { p.omp = omp; omp->parallel(cdnnl_quantize_part, &p, 0, 0); }
    else { p.omp = 0; cdnnl_quantize_part(&p); }
}
