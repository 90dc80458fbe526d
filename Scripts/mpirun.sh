#!/bin/sh
# Runs an Open MPI job with the settings a CI machine or container needs, then the program:
#
#     Scripts/mpirun.sh -np 2 .build/release/mlp train --threads 1 --data data/mnist ...
#
# Every argument is passed to mpirun; the script only adds:
#   - Running as root (CI, containers): Open MPI's mpirun refuses uid 0 unless told otherwise. As root
#     the script exports OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 (the same as
#     mpirun --allow-run-as-root, and also understood by the ranks' own Open MPI).
#   - More ranks than cores: mpirun refuses with "not enough slots" unless given --oversubscribe.
#     The script adds it when the -np/-n count exceeds the cores (nproc). Oversubscribed, Open MPI
#     binds nothing and makes ranks that wait in MPI yield the core (mpi_yield_when_idle); asking for
#     --bind-to core then fails, so the script adds --bind-to none. Otherwise it adds --bind-to core
#     (one rank per core; run mlp with --threads 1), unless a --bind-to or --map-by is given.
#   - --quiet: without it mpirun follows a failing rank's one-line error with two multi-line banners
#     ("Primary job terminated normally, but 1 process returned a non-zero exit code ..."). With it,
#     the rank's line is all that is printed, and mpirun's exit status is still that rank's. A rank
#     killed by a signal (out of memory: SIGKILL) prints nothing then, so the script says so.
#
# Ctrl-C: the terminal signals mpirun directly (the ranks sit in process groups of their own).
# mpirun then sends the ranks SIGCONT at once, SIGTERM one second later and SIGKILL one second
# after that (Open MPI's odls_base_sigkill_timeout, 1 s); SIGINT itself is never forwarded. mlp
# treats SIGTERM as the interrupt: the ranks agree to stop after the current step, rank 0 writes the
# checkpoint, all exit 130. mpirun itself returns 1 after an interrupt; this script returns 130.
# A second Ctrl-C makes mpirun exit at once without waiting for the ranks. To stop a job from
# another process, signal mpirun or the whole process group (as terminals and CI runners do): the
# script does not forward signals, since mpirun treats a second one as "exit now".
#
# Environment: MPIRUN, the mpirun to use (default: mpirun on PATH).
# Exit status: mpirun's (the failing rank's code; 128+N when a rank was killed by signal N), 130
# after an interrupt, 127 when mpirun is missing.
set -eu

mpirun=${MPIRUN:-mpirun}
if ! command -v "$mpirun" >/dev/null 2>&1; then
  echo "mpirun.sh: $mpirun not found; install Open MPI (Debian: apt-get install openmpi-bin libopenmpi3)" >&2
  exit 127
fi

# The rank count (the first -np/-n value: a later one belongs to the program) and whether the
# caller chose a placement.
ranks=
placed=no
expect_count=no
for arg in "$@"; do
  if [ "$expect_count" = yes ]; then
    ranks=$arg
    expect_count=done
    continue
  fi
  case $arg in
    -np|-n|--np) [ "$expect_count" = done ] || expect_count=yes ;;
    --bind-to|--bind-to=*|--map-by|--map-by=*|-bind-to|-map-by) placed=yes ;;
  esac
done
if [ -z "$ranks" ]; then
  echo "mpirun.sh: give the number of ranks with -np N" >&2
  exit 2
fi
case $ranks in
  *[!0-9]*) echo "mpirun.sh: the rank count must be a number, got '$ranks'" >&2; exit 2 ;;
esac

cores=$(nproc 2>/dev/null || echo 1)
set -- --quiet "$@"
if [ "$ranks" -gt "$cores" ]; then
  if [ "$placed" = yes ]; then set -- --oversubscribe "$@"; else set -- --oversubscribe --bind-to none "$@"; fi
elif [ "$placed" = no ]; then
  set -- --bind-to core "$@"
fi

if [ "$(id -u)" = 0 ]; then
  OMPI_ALLOW_RUN_AS_ROOT=1
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
fi

# mpirun runs in the foreground: a Ctrl-C reaches it from the terminal; the script only notes it
# (the trap runs once mpirun has finished) to return 130.
interrupted=no
trap 'interrupted=yes' INT TERM
status=0
"$mpirun" "$@" || status=$?
if [ "$interrupted" = yes ]; then
  exit 130
fi
if [ "$status" -gt 128 ] && [ "$status" -lt 160 ]; then
  echo "mpirun.sh: a rank (or mpirun itself) was killed by signal $((status - 128))" >&2
fi
exit "$status"
