// OpenBLAS's CBLAS interface (cblas_sgemm, openblas_set_num_threads, ...) and LAPACKE
// (sgeqrf/sorgqr for orthogonal initialization). On Debian the cblas.h header lives under
// /usr/include/x86_64-linux-gnu/openblas-pthread/, which pkg-config's `openblas` adds to the path.
#include <cblas.h>
#include <lapacke.h>
