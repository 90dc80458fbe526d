// Whether this process is one rank of a job started by an MPI launcher. Read from the environment
// before anything else, so that a plain `mlp train` never loads or initialises MPI.
#if canImport(Glibc)
    import Glibc
#endif

/// What the launcher told this process through the environment.
public struct MPILaunch: Equatable, Sendable {
    /// The rank and job size the launcher announced (nil when it did not say).
    public let rank: Int?
    public let size: Int?
    /// The variable that revealed the launch, for messages.
    public let evidence: String

    public init(rank: Int?, size: Int?, evidence: String) {
        self.rank = rank
        self.size = size
        self.evidence = evidence
    }

    /// Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE/RANK; a PMIx launcher (Open MPI 5's prterun,
    /// Slurm's srun --mpi=pmix) sets PMIX_RANK; MPICH's Hydra and srun --mpi=pmi2 set PMI_RANK/SIZE.
    /// nil when none is set: a single process, and MPI is never touched.
    public static func detect(_ environment: (String) -> String? = MPILaunch.environment) -> MPILaunch? {
        func int(_ name: String) -> Int? { environment(name).flatMap { Int($0) } }
        if let size = int("OMPI_COMM_WORLD_SIZE") {
            return MPILaunch(rank: int("OMPI_COMM_WORLD_RANK"), size: size, evidence: "OMPI_COMM_WORLD_SIZE")
        }
        if let rank = int("PMIX_RANK") {
            return MPILaunch(rank: rank, size: nil, evidence: "PMIX_RANK")
        }
        if let size = int("PMI_SIZE") {
            return MPILaunch(rank: int("PMI_RANK"), size: size, evidence: "PMI_SIZE")
        }
        return nil
    }

    /// getenv, as a String.
    public static func environment(_ name: String) -> String? {
        guard let p = getenv(name) else { return nil }
        return String(cString: p)
    }
}
