// OpenBLAS's CBLAS interface (cblas_sgemm, openblas_set_num_threads, ...) and LAPACKE
// (sgeqrf/sorgqr for orthogonal initialization). On Debian the cblas.h header lives under
// /usr/include/x86_64-linux-gnu/openblas-pthread/, which pkg-config's `openblas` adds to the path.
#include <cblas.h>
#include <lapacke.h>

// A software prefetch, for the shuffled batch gather (each example sits at a random place in a
// 47 MB array, so the first touch of each is a cache miss unless it was asked for early).
static inline void mlp_prefetch(const void *p) { __builtin_prefetch(p, 0, 0); }

// Eight square roots at once. Swift's SIMD8<Float>.squareRoot() is lowered lane by lane (eight
// sqrtss and libm calls); clang's elementwise builtin becomes two sqrtps.
typedef float mlp_float8 __attribute__((ext_vector_type(8)));
static inline mlp_float8 mlp_sqrt8(mlp_float8 x) { return __builtin_elementwise_sqrt(x); }
