// OpenBLAS's CBLAS interface (cblas_sgemm, openblas_set_num_threads, ...) and LAPACKE
// (sgeqrf/sorgqr for orthogonal initialization). On Debian the cblas.h header lives under
// /usr/include/x86_64-linux-gnu/openblas-pthread/, which pkg-config's `openblas` adds to the path.
#include <pthread.h>
#include <cblas.h>
#include <lapacke.h>

// A software prefetch, for the shuffled batch gather (each example sits at a random place in a
// 47 MB array, so the first touch of each is a cache miss unless it was asked for early).
static inline void mlp_prefetch(const void *p) { __builtin_prefetch(p, 0, 0); }

// Eight square roots at once. Swift's SIMD8<Float>.squareRoot() is lowered lane by lane (eight
// sqrtss and libm calls); clang's elementwise builtin becomes two sqrtps.
typedef float mlp_float8 __attribute__((ext_vector_type(8)));
static inline mlp_float8 mlp_sqrt8(mlp_float8 x) { return __builtin_elementwise_sqrt(x); }

// A spin-wait hint (x86 PAUSE), for the elementwise threads' short waits on each other.
static inline void mlp_pause(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}

// CPU placement for the elementwise threads (ElementwiseThreads.swift). glibc declares the affinity
// calls only under _GNU_SOURCE, and defining that here would make this module's view of glibc differ
// from Swift's Glibc module (clang refuses the mix), so the two calls are declared under their own
// names, bound to glibc's symbols, and CPU masks are plain bit arrays (the layout of cpu_set_t).
enum { MLP_MAX_CPUS = 1024 };
typedef struct { unsigned long bits[MLP_MAX_CPUS / (8 * sizeof(unsigned long))]; } mlp_cpu_mask;
extern int mlp_sched_getaffinity(int pid, size_t size, mlp_cpu_mask *mask) __asm__("sched_getaffinity");
extern int mlp_pthread_setaffinity(pthread_t thread, size_t size, const mlp_cpu_mask *mask)
    __asm__("pthread_setaffinity_np");

static inline mlp_cpu_mask mlp_cpu_mask_of(const int *cpus, int n) {
    mlp_cpu_mask m = {{0}};
    const int per = 8 * sizeof(unsigned long);
    for (int i = 0; i < n; i++)
        if (cpus[i] >= 0 && cpus[i] < MLP_MAX_CPUS) m.bits[cpus[i] / per] |= 1UL << (cpus[i] % per);
    return m;
}
// The CPUs the calling thread may run on, lowest first: how many were written to `out` (at most `max`).
static inline int mlp_allowed_cpus(int *out, int max) {
    mlp_cpu_mask m;
    if (mlp_sched_getaffinity(0, sizeof m, &m) != 0) return 0;
    const int per = 8 * sizeof(unsigned long);
    int n = 0;
    for (int cpu = 0; cpu < MLP_MAX_CPUS && n < max; cpu++) if (m.bits[cpu / per] >> (cpu % per) & 1) out[n++] = cpu;
    return n;
}
// Lets a thread (a helper, or the caller with pthread_self()) run only on `cpus`; 0 on success.
static inline int mlp_set_thread_cpus(pthread_t thread, const int *cpus, int n) {
    mlp_cpu_mask m = mlp_cpu_mask_of(cpus, n);
    return mlp_pthread_setaffinity(thread, sizeof m, &m);
}
// The same for OpenBLAS's thread `index` (0 ... threads−2 are its workers, threads−1 is the caller).
static inline int mlp_set_openblas_thread_cpus(int index, const int *cpus, int n) {
    mlp_cpu_mask m = mlp_cpu_mask_of(cpus, n);
    return openblas_setaffinity(index, sizeof m, (cpu_set_t *)&m);
}

// Denormal floats (magnitudes below 2^-126) take a slow microcode path on x86: a GEMM over them ran
// 130× slower here, and Adam's moments and tiny gradients drift into that range late in training.
// Setting MXCSR's flush-to-zero (FTZ, 0x8000) and denormals-are-zero (DAZ, 0x0040) bits makes the
// calling thread treat them as zero; threads it creates afterwards inherit the setting.
static inline void mlp_flush_denormals_in_this_thread(void) {
#if defined(__x86_64__)
    __builtin_ia32_ldmxcsr(__builtin_ia32_stmxcsr() | 0x8040);
#endif
}
// OpenBLAS starts its worker threads when it is loaded, before main, so they keep the default mode;
// its own fork handler, blas_thread_shutdown_, stops them, and the next openblas_set_num_threads
// starts new ones from the calling thread. Looked up at run time (it is exported by the pthread
// OpenBLAS, not declared in its headers); 1 when the threads were stopped, 0 when there is no such call.
extern void *mlp_dlsym(void *handle, const char *name) __asm__("dlsym");
static inline int mlp_stop_openblas_threads(void) {
    int (*shutdown)(void) = (int (*)(void))mlp_dlsym((void *)0 /* RTLD_DEFAULT */, "blas_thread_shutdown_");
    if (!shutdown) return 0;
    shutdown();
    return 1;
}
// The calling thread's MXCSR, to save and restore around a test of the above.
static inline unsigned mlp_mxcsr(void) {
#if defined(__x86_64__)
    return __builtin_ia32_stmxcsr();
#else
    return 0;
#endif
}
static inline void mlp_set_mxcsr(unsigned value) {
#if defined(__x86_64__)
    __builtin_ia32_ldmxcsr(value);
#endif
}
