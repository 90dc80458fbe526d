// Open MPI, loaded at run time. mlp does not link libmpi: a binary linked to it fails to start on
// every machine without Open MPI ("error while loading shared libraries: libmpi.so.40", even for
// `mlp --version`), and pays about 1.5 ms of start-up loading seven libraries it uses only under
// mpirun. So the process dlopen()s libmpi.so.40 when (and only when) a launcher says it is one rank
// of a job, and every call goes through the function pointers in `mlp_mpi`.
//
// Neither is mpi.h included: its pkg-config entry would add -lmpi to every binary that imports this
// module (SwiftPM passes a system library's `pkg-config --libs` to the linker), and building would
// need libopenmpi-dev. The few types and constants used are declared below as Open MPI's ABI defines
// them (libmpi.so.40: Open MPI 3.x, 4.x, 5.x): handles are pointers to opaque structs, MPI_IN_PLACE
// is (void *)1, MPI_THREAD_FUNNELED is 1. Compiling this header with -DMLP_MPI_CHECK and Open MPI's
// include path (CollectiveTests does, when mpi.h is installed) checks each declaration against mpi.h.
//
// Open MPI's predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros that take the
// address of a global inside libmpi (`((MPI_Comm) &ompi_mpi_comm_world)`), which Swift cannot import.
// The loader resolves those globals with dlsym too: the address it returns is the handle's value.
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

typedef struct ompi_communicator_t *mlp_mpi_comm;
typedef struct ompi_datatype_t *mlp_mpi_datatype;
typedef struct ompi_op_t *mlp_mpi_op;
typedef struct ompi_request_t *mlp_mpi_request;
typedef struct ompi_errhandler_t *mlp_mpi_errhandler;
typedef struct ompi_status_public_t mlp_mpi_status;

#define MLP_MPI_SUCCESS 0
#define MLP_MPI_THREAD_FUNNELED 1
#define MLP_MPI_IN_PLACE ((void *)1)
#define MLP_MPI_MAX_PROCESSOR_NAME 256
#define MLP_MPI_MAX_ERROR_STRING 256

typedef int (*mlp_mpi_init_thread_fn)(int *argc, char ***argv, int required, int *provided);
typedef int (*mlp_mpi_flag_fn)(int *flag);
typedef int (*mlp_mpi_void_fn)(void);
typedef int (*mlp_mpi_comm_int_fn)(mlp_mpi_comm comm, int *value);
typedef int (*mlp_mpi_get_processor_name_fn)(char *name, int *resultlen);
typedef int (*mlp_mpi_comm_set_errhandler_fn)(mlp_mpi_comm comm, mlp_mpi_errhandler errhandler);
typedef int (*mlp_mpi_error_string_fn)(int errorcode, char *string, int *resultlen);
typedef int (*mlp_mpi_allreduce_fn)(const void *sendbuf, void *recvbuf, int count, mlp_mpi_datatype datatype,
                                    mlp_mpi_op op, mlp_mpi_comm comm);
typedef int (*mlp_mpi_iallreduce_fn)(const void *sendbuf, void *recvbuf, int count, mlp_mpi_datatype datatype,
                                     mlp_mpi_op op, mlp_mpi_comm comm, mlp_mpi_request *request);
typedef int (*mlp_mpi_test_fn)(mlp_mpi_request *request, int *flag, mlp_mpi_status *status);
typedef int (*mlp_mpi_wait_fn)(mlp_mpi_request *request, mlp_mpi_status *status);
typedef int (*mlp_mpi_bcast_fn)(void *buffer, int count, mlp_mpi_datatype datatype, int root, mlp_mpi_comm comm);
typedef int (*mlp_mpi_barrier_fn)(mlp_mpi_comm comm);
typedef int (*mlp_mpi_abort_fn)(mlp_mpi_comm comm, int errorcode);
typedef double (*mlp_mpi_wtime_fn)(void);
typedef int (*mlp_mpi_send_fn)(const void *buf, int count, mlp_mpi_datatype datatype, int dest, int tag, mlp_mpi_comm comm);
typedef int (*mlp_mpi_recv_fn)(void *buf, int count, mlp_mpi_datatype datatype, int source, int tag, mlp_mpi_comm comm,
                               mlp_mpi_status *status);
typedef int (*mlp_mpi_iprobe_fn)(int source, int tag, mlp_mpi_comm comm, int *flag, mlp_mpi_status *status);
typedef int (*mlp_mpi_get_count_fn)(const mlp_mpi_status *status, mlp_mpi_datatype datatype, int *count);

// Open MPI's MPI_ANY_SOURCE and MPI_ANY_TAG, and the public fields of its MPI_Status (the source and
// tag of a probed message), which mpi.h declares as struct ompi_status_public_t.
#define MLP_MPI_ANY_SOURCE (-1)
#define MLP_MPI_ANY_TAG (-1)
#ifndef MLP_MPI_CHECK
struct ompi_status_public_t {
    int MPI_SOURCE;
    int MPI_TAG;
    int MPI_ERROR;
    int _cancelled;
    size_t _ucount;
};
#endif

#ifdef MLP_MPI_CHECK
// The declarations above against Open MPI's own (cc -fsyntax-only -DMLP_MPI_CHECK $(pkg-config
// --cflags ompi-c) shim.h). Any mismatch is a compile error.
#include <mpi.h>
#define MLP_SAME(a, b) _Static_assert(__builtin_types_compatible_p(a, b), #a " differs from " #b)
MLP_SAME(mlp_mpi_comm, MPI_Comm);
MLP_SAME(mlp_mpi_datatype, MPI_Datatype);
MLP_SAME(mlp_mpi_op, MPI_Op);
MLP_SAME(mlp_mpi_request, MPI_Request);
MLP_SAME(mlp_mpi_errhandler, MPI_Errhandler);
MLP_SAME(mlp_mpi_status, MPI_Status);
MLP_SAME(mlp_mpi_init_thread_fn, __typeof__(&MPI_Init_thread));
MLP_SAME(mlp_mpi_flag_fn, __typeof__(&MPI_Initialized));
MLP_SAME(mlp_mpi_flag_fn, __typeof__(&MPI_Finalized));
MLP_SAME(mlp_mpi_void_fn, __typeof__(&MPI_Finalize));
MLP_SAME(mlp_mpi_comm_int_fn, __typeof__(&MPI_Comm_rank));
MLP_SAME(mlp_mpi_comm_int_fn, __typeof__(&MPI_Comm_size));
MLP_SAME(mlp_mpi_get_processor_name_fn, __typeof__(&MPI_Get_processor_name));
MLP_SAME(mlp_mpi_comm_set_errhandler_fn, __typeof__(&MPI_Comm_set_errhandler));
MLP_SAME(mlp_mpi_error_string_fn, __typeof__(&MPI_Error_string));
MLP_SAME(mlp_mpi_allreduce_fn, __typeof__(&MPI_Allreduce));
MLP_SAME(mlp_mpi_iallreduce_fn, __typeof__(&MPI_Iallreduce));
MLP_SAME(mlp_mpi_test_fn, __typeof__(&MPI_Test));
MLP_SAME(mlp_mpi_wait_fn, __typeof__(&MPI_Wait));
MLP_SAME(mlp_mpi_bcast_fn, __typeof__(&MPI_Bcast));
MLP_SAME(mlp_mpi_barrier_fn, __typeof__(&MPI_Barrier));
MLP_SAME(mlp_mpi_abort_fn, __typeof__(&MPI_Abort));
MLP_SAME(mlp_mpi_wtime_fn, __typeof__(&MPI_Wtime));
MLP_SAME(mlp_mpi_send_fn, __typeof__(&MPI_Send));
MLP_SAME(mlp_mpi_recv_fn, __typeof__(&MPI_Recv));
MLP_SAME(mlp_mpi_iprobe_fn, __typeof__(&MPI_Iprobe));
MLP_SAME(mlp_mpi_get_count_fn, __typeof__(&MPI_Get_count));
_Static_assert(MLP_MPI_ANY_SOURCE == MPI_ANY_SOURCE, "MPI_ANY_SOURCE");
_Static_assert(MLP_MPI_ANY_TAG == MPI_ANY_TAG, "MPI_ANY_TAG");
_Static_assert(sizeof(MPI_Status) == 24 && __builtin_offsetof(MPI_Status, MPI_SOURCE) == 0 && __builtin_offsetof(MPI_Status, MPI_TAG) == 4,
               "MPI_Status's public fields");
_Static_assert(MLP_MPI_SUCCESS == MPI_SUCCESS, "MPI_SUCCESS");
_Static_assert(MLP_MPI_THREAD_FUNNELED == MPI_THREAD_FUNNELED, "MPI_THREAD_FUNNELED");
_Static_assert(MLP_MPI_MAX_PROCESSOR_NAME == MPI_MAX_PROCESSOR_NAME, "MPI_MAX_PROCESSOR_NAME");
_Static_assert(MLP_MPI_MAX_ERROR_STRING == MPI_MAX_ERROR_STRING, "MPI_MAX_ERROR_STRING");
// The handles' globals, by the names the loader passes to dlsym.
static void *const mlp_mpi_handle_check[] = {
    &ompi_mpi_comm_world, &ompi_mpi_float, &ompi_mpi_double, &ompi_mpi_int64_t, &ompi_mpi_byte,
    &ompi_mpi_op_sum, &ompi_mpi_op_max, &ompi_mpi_errors_return,
};
static inline void *mlp_mpi_check_in_place(void) { return MPI_IN_PLACE; }
#endif

typedef struct mlp_mpi {
    void *library;
    mlp_mpi_init_thread_fn init_thread;
    mlp_mpi_flag_fn initialized;
    mlp_mpi_flag_fn finalized;
    mlp_mpi_void_fn finalize;
    mlp_mpi_comm_int_fn comm_rank;
    mlp_mpi_comm_int_fn comm_size;
    mlp_mpi_get_processor_name_fn get_processor_name;
    mlp_mpi_comm_set_errhandler_fn comm_set_errhandler;
    mlp_mpi_error_string_fn error_string;
    mlp_mpi_allreduce_fn allreduce;
    mlp_mpi_iallreduce_fn iallreduce;
    mlp_mpi_test_fn test;
    mlp_mpi_wait_fn wait;
    mlp_mpi_bcast_fn bcast;
    mlp_mpi_barrier_fn barrier;
    mlp_mpi_abort_fn abort;
    mlp_mpi_wtime_fn wtime;
    mlp_mpi_send_fn send;
    mlp_mpi_recv_fn recv;
    mlp_mpi_iprobe_fn iprobe;
    mlp_mpi_get_count_fn get_count;
    mlp_mpi_comm comm_world;
    mlp_mpi_datatype type_float, type_double, type_int64, type_byte;
    mlp_mpi_op op_sum, op_max;
    mlp_mpi_errhandler errors_return;
} mlp_mpi;

// Fills `m` from the library at `path` (e.g. "libmpi.so.40"). 0 on success; otherwise -1 with a
// one-line reason in `error` (dlerror()'s text, or the first symbol that is missing).
static inline int mlp_mpi_load(mlp_mpi *m, const char *path, char *error, size_t error_size) {
    memset(m, 0, sizeof *m);
    // RTLD_GLOBAL: Open MPI dlopen()s its own components (mca_btl_vader.so, ...), which expect
    // libmpi's symbols to be global.
    void *lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        const char *why = dlerror();
        strncpy(error, why ? why : "dlopen failed", error_size - 1);
        error[error_size - 1] = 0;
        return -1;
    }
    m->library = lib;
    const char *missing = NULL;
#define MLP_MPI_SYMBOL(field, name) \
    do { void *p = dlsym(lib, name); if (!p && !missing) missing = name; \
         memcpy(&m->field, &p, sizeof p); } while (0)
    MLP_MPI_SYMBOL(init_thread, "MPI_Init_thread");
    MLP_MPI_SYMBOL(initialized, "MPI_Initialized");
    MLP_MPI_SYMBOL(finalized, "MPI_Finalized");
    MLP_MPI_SYMBOL(finalize, "MPI_Finalize");
    MLP_MPI_SYMBOL(comm_rank, "MPI_Comm_rank");
    MLP_MPI_SYMBOL(comm_size, "MPI_Comm_size");
    MLP_MPI_SYMBOL(get_processor_name, "MPI_Get_processor_name");
    MLP_MPI_SYMBOL(comm_set_errhandler, "MPI_Comm_set_errhandler");
    MLP_MPI_SYMBOL(error_string, "MPI_Error_string");
    MLP_MPI_SYMBOL(allreduce, "MPI_Allreduce");
    MLP_MPI_SYMBOL(iallreduce, "MPI_Iallreduce");
    MLP_MPI_SYMBOL(test, "MPI_Test");
    MLP_MPI_SYMBOL(wait, "MPI_Wait");
    MLP_MPI_SYMBOL(bcast, "MPI_Bcast");
    MLP_MPI_SYMBOL(barrier, "MPI_Barrier");
    MLP_MPI_SYMBOL(abort, "MPI_Abort");
    MLP_MPI_SYMBOL(wtime, "MPI_Wtime");
    MLP_MPI_SYMBOL(send, "MPI_Send");
    MLP_MPI_SYMBOL(recv, "MPI_Recv");
    MLP_MPI_SYMBOL(iprobe, "MPI_Iprobe");
    MLP_MPI_SYMBOL(get_count, "MPI_Get_count");
    // The predefined handles: the globals' addresses are the handles.
    MLP_MPI_SYMBOL(comm_world, "ompi_mpi_comm_world");
    MLP_MPI_SYMBOL(type_float, "ompi_mpi_float");
    MLP_MPI_SYMBOL(type_double, "ompi_mpi_double");
    MLP_MPI_SYMBOL(type_int64, "ompi_mpi_int64_t");
    MLP_MPI_SYMBOL(type_byte, "ompi_mpi_byte");
    MLP_MPI_SYMBOL(op_sum, "ompi_mpi_op_sum");
    MLP_MPI_SYMBOL(op_max, "ompi_mpi_op_max");
    MLP_MPI_SYMBOL(errors_return, "ompi_mpi_errors_return");
#undef MLP_MPI_SYMBOL
    if (missing) {
        strncpy(error, path, error_size - 1);
        error[error_size - 1] = 0;
        size_t used = strlen(error);
        const char *middle = " has no symbol ";
        if (used + strlen(middle) + strlen(missing) < error_size) {
            strcat(error, middle);
            strcat(error, missing);
        }
        dlclose(lib);
        memset(m, 0, sizeof *m);
        return -1;
    }
    return 0;
}

// MPI_Init_thread(MPI_THREAD_FUNNELED): the process has other threads (OpenBLAS's, mlp's
// elementwise helpers) but only the main thread ever calls MPI. Then errors on MPI_COMM_WORLD return
// codes instead of aborting the job with Open MPI's banner, so Swift can report them in one line.
// Returns the MPI error code; `provided` receives the thread level granted.
static inline int mlp_mpi_init(const mlp_mpi *m, int *provided) {
    int rc = m->init_thread(NULL, NULL, MLP_MPI_THREAD_FUNNELED, provided);
    if (rc != MLP_MPI_SUCCESS) return rc;
    return m->comm_set_errhandler(m->comm_world, m->errors_return);
}
static inline int mlp_mpi_thread_funneled(void) { return MLP_MPI_THREAD_FUNNELED; }
static inline int mlp_mpi_is_initialized(const mlp_mpi *m) {
    int flag = 0;
    m->initialized(&flag);
    return flag;
}
static inline int mlp_mpi_is_finalized(const mlp_mpi *m) {
    int flag = 0;
    m->finalized(&flag);
    return flag;
}
static inline int mlp_mpi_finalize(const mlp_mpi *m) { return m->finalize(); }
static inline int mlp_mpi_rank(const mlp_mpi *m, int *rank) { return m->comm_rank(m->comm_world, rank); }
static inline int mlp_mpi_size(const mlp_mpi *m, int *size) { return m->comm_size(m->comm_world, size); }
static inline int mlp_mpi_max_processor_name(void) { return MLP_MPI_MAX_PROCESSOR_NAME; }
static inline int mlp_mpi_processor_name(const mlp_mpi *m, char *name, int *length) {
    return m->get_processor_name(name, length);
}
static inline int mlp_mpi_max_error_string(void) { return MLP_MPI_MAX_ERROR_STRING; }
static inline int mlp_mpi_error_text(const mlp_mpi *m, int code, char *text, int *length) {
    return m->error_string(code, text, length);
}

// Sums across ranks, in place (MPI_IN_PLACE: every rank's buffer is both input and result).
static inline int mlp_mpi_allreduce_sum_float(const mlp_mpi *m, float *buffer, int count) {
    return m->allreduce(MLP_MPI_IN_PLACE, buffer, count, m->type_float, m->op_sum, m->comm_world);
}
static inline int mlp_mpi_allreduce_sum_double(const mlp_mpi *m, double *buffer, int count) {
    return m->allreduce(MLP_MPI_IN_PLACE, buffer, count, m->type_double, m->op_sum, m->comm_world);
}
static inline int mlp_mpi_allreduce_sum_int64(const mlp_mpi *m, long long *buffer, int count) {
    return m->allreduce(MLP_MPI_IN_PLACE, buffer, count, m->type_int64, m->op_sum, m->comm_world);
}
static inline int mlp_mpi_allreduce_max_int64(const mlp_mpi *m, long long *buffer, int count) {
    return m->allreduce(MLP_MPI_IN_PLACE, buffer, count, m->type_int64, m->op_max, m->comm_world);
}
// The non-blocking sum: starts it and fills `request`; complete it with mlp_mpi_wait (or poll with
// mlp_mpi_test). The buffer must not be touched until then.
static inline int mlp_mpi_iallreduce_sum_float(const mlp_mpi *m, float *buffer, int count, mlp_mpi_request *request) {
    return m->iallreduce(MLP_MPI_IN_PLACE, buffer, count, m->type_float, m->op_sum, m->comm_world, request);
}
static inline int mlp_mpi_test(const mlp_mpi *m, mlp_mpi_request *request, int *done) {
    return m->test(request, done, NULL);
}
static inline int mlp_mpi_wait(const mlp_mpi *m, mlp_mpi_request *request) {
    return m->wait(request, NULL);
}
static inline int mlp_mpi_broadcast_bytes(const mlp_mpi *m, void *buffer, int count, int root) {
    return m->bcast(buffer, count, m->type_byte, root, m->comm_world);
}
static inline int mlp_mpi_barrier(const mlp_mpi *m) { return m->barrier(m->comm_world); }
static inline int mlp_mpi_abort(const mlp_mpi *m, int code) { return m->abort(m->comm_world, code); }
static inline double mlp_mpi_wtime(const mlp_mpi *m) { return m->wtime(); }

// Messages between two ranks (an experiment's jobs and their outcomes): bytes with a tag.
static inline int mlp_mpi_send_bytes(const mlp_mpi *m, const void *buffer, int count, int dest, int tag) {
    return m->send(buffer, count, m->type_byte, dest, tag, m->comm_world);
}
// Whether a message from `source` (-1: any rank) with `tag` (-1: any) is waiting, without blocking;
// when one is, its source, tag and byte count.
static inline int mlp_mpi_probe_bytes(const mlp_mpi *m, int source, int tag, int *found, int *from, int *found_tag, int *count) {
    mlp_mpi_status status;
    memset(&status, 0, sizeof status);
    int rc = m->iprobe(source, tag, m->comm_world, found, &status);
    if (rc != MLP_MPI_SUCCESS || !*found) return rc;
    *from = status.MPI_SOURCE;
    *found_tag = status.MPI_TAG;
    return m->get_count(&status, m->type_byte, count);
}
static inline int mlp_mpi_receive_bytes(const mlp_mpi *m, void *buffer, int count, int source, int tag) {
    mlp_mpi_status status;
    return m->recv(buffer, count, m->type_byte, source, tag, m->comm_world, &status);
}

// For `mlp --version`: MPI_Get_library_version's text (callable before MPI_Init) from the library at
// `path`, into `text`; 0 on success, else -1 with dlerror()'s reason in `text`. The library stays
// loaded (the process is about to exit).
static inline int mlp_mpi_library_version(const char *path, char *text, size_t size) {
    void *lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        const char *why = dlerror();
        strncpy(text, why ? why : "dlopen failed", size - 1);
        text[size - 1] = 0;
        return -1;
    }
    int (*get)(char *, int *) = NULL;
    void *p = dlsym(lib, "MPI_Get_library_version");
    memcpy(&get, &p, sizeof p);
    int length = 0;
    char version[8192];
    if (!get || get(version, &length) != 0) {
        strncpy(text, "no MPI_Get_library_version", size - 1);
        text[size - 1] = 0;
        return -1;
    }
    version[sizeof version - 1] = 0;
    strncpy(text, version, size - 1);
    text[size - 1] = 0;
    return 0;
}
