// The communicator for this process: MPI when a launcher started it, else the single process.

/// A `SingleProcessCommunicator` unless the environment says an MPI launcher started this process,
/// then an initialised `MPICommunicator`. Call once, early, on the main thread.
public func makeCommunicator(environment: (String) -> String? = MPILaunch.environment) throws(CommunicatorError) -> any Communicator {
    guard let launch = MPILaunch.detect(environment) else { return SingleProcessCommunicator() }
    return try MPICommunicator(launch: launch)
}
