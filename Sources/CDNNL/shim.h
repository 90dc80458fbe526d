// oneDNN (Debian's libdnnl-dev: the headers here, libdnnl.so.2 at run time), loaded with dlopen.
//
// Nothing here links against libdnnl: linking it costs every mlp process about 3 ms and 3 MB at
// start-up (40 MB library, plus libgomp and libOpenCL), and would make mlp refuse to start on a
// machine without libdnnl2 even for float models. Instead `cdnnl_load` opens the library the first
// time an INT8 model is used and fills a table of function pointers, each typed from the function's
// own declaration in dnnl.h (so a signature the Swift side gets wrong does not compile).
// The table is filled into memory the caller owns: a static table in this header would exist once per
// Swift file in a debug build.
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <oneapi/dnnl/dnnl.h>
#include "activation_kernels.h"

// The oneDNN functions mlp uses: X(field, symbol).
#define CDNNL_FUNCTIONS(X) \
    X(engine_create, dnnl_engine_create) \
    X(engine_destroy, dnnl_engine_destroy) \
    X(stream_create, dnnl_stream_create) \
    X(stream_wait, dnnl_stream_wait) \
    X(stream_destroy, dnnl_stream_destroy) \
    X(memory_desc_init_by_tag, dnnl_memory_desc_init_by_tag) \
    X(memory_desc_equal, dnnl_memory_desc_equal) \
    X(memory_desc_get_size, dnnl_memory_desc_get_size) \
    X(memory_create, dnnl_memory_create) \
    X(memory_destroy, dnnl_memory_destroy) \
    X(memory_set_data_handle, dnnl_memory_set_data_handle) \
    X(matmul_desc_init, dnnl_matmul_desc_init) \
    X(primitive_attr_create, dnnl_primitive_attr_create) \
    X(primitive_attr_destroy, dnnl_primitive_attr_destroy) \
    X(primitive_attr_set_scratchpad_mode, dnnl_primitive_attr_set_scratchpad_mode) \
    X(primitive_attr_set_output_scales, dnnl_primitive_attr_set_output_scales) \
    X(primitive_attr_set_zero_points, dnnl_primitive_attr_set_zero_points) \
    X(primitive_attr_set_post_ops, dnnl_primitive_attr_set_post_ops) \
    X(post_ops_create, dnnl_post_ops_create) \
    X(post_ops_destroy, dnnl_post_ops_destroy) \
    X(post_ops_append_eltwise, dnnl_post_ops_append_eltwise) \
    X(post_ops_append_binary, dnnl_post_ops_append_binary) \
    X(primitive_desc_create, dnnl_primitive_desc_create) \
    X(primitive_desc_destroy, dnnl_primitive_desc_destroy) \
    X(primitive_desc_query, dnnl_primitive_desc_query) \
    X(primitive_desc_query_md, dnnl_primitive_desc_query_md) \
    X(reorder_primitive_desc_create, dnnl_reorder_primitive_desc_create) \
    X(primitive_create, dnnl_primitive_create) \
    X(primitive_destroy, dnnl_primitive_destroy) \
    X(primitive_execute, dnnl_primitive_execute) \
    X(version, dnnl_version) \
    X(get_effective_cpu_isa, dnnl_get_effective_cpu_isa) \
    X(set_verbose, dnnl_set_verbose)

typedef struct {
#define CDNNL_FIELD(field, symbol) __typeof__(symbol) *field;
    CDNNL_FUNCTIONS(CDNNL_FIELD)
#undef CDNNL_FIELD
    // libgomp's (oneDNN's CPU runtime here is OpenMP): the threads of the calling thread's next
    // parallel regions, and how many that is.
    void (*omp_set_num_threads)(int);
    int (*omp_get_max_threads)(void);
    // The team's entry points, for the activation passes (activation_kernels.h).
    cdnnl_omp omp;
} cdnnl_api;

// Opens `path` (e.g. "libdnnl.so.2") and fills `api`. Returns 1, or 0 with `*error` naming what failed
// (dlerror's text, which names the file or the missing symbol).
static inline int cdnnl_load(const char *path, cdnnl_api *api, const char **error) {
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) { *error = dlerror(); return 0; }
#define CDNNL_LOOKUP(field, symbol) \
    api->field = (__typeof__(symbol) *)dlsym(lib, #symbol); \
    if (!api->field) { *error = dlerror(); dlclose(lib); return 0; }
    CDNNL_FUNCTIONS(CDNNL_LOOKUP)
#undef CDNNL_LOOKUP
    // Looked up through libdnnl's handle, which also searches the libraries it depends on (libgomp);
    // a oneDNN built on TBB or sequential has neither, and then the thread count is not set here.
    api->omp_set_num_threads = (void (*)(int))dlsym(lib, "omp_set_num_threads");
    api->omp_get_max_threads = (int (*)(void))dlsym(lib, "omp_get_max_threads");
    api->omp.parallel = (void (*)(void (*)(void *), void *, unsigned, unsigned))dlsym(lib, "GOMP_parallel");
    api->omp.thread_num = (int (*)(void))dlsym(lib, "omp_get_thread_num");
    api->omp.num_threads = (int (*)(void))dlsym(lib, "omp_get_num_threads");
    if (!api->omp.thread_num || !api->omp.num_threads) api->omp.parallel = 0;
    return 1;
}

// DNNL_MEMORY_ALLOCATE is a pointer cast, which Swift does not import.
static inline void *cdnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
// DNNL_ARG_ATTR_MULTIPLE_POST_OP(i) | DNNL_ARG_SRC_1: the second input of post-op i (a binary one).
static inline int cdnnl_arg_post_op_src1(int index) { return DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1; }
