// The pieces `mlp train` sizes and attaches once, before the session runs: its threads and the
// observers that watch it on rank 0.
import Formats
import Model
import Runtime
import Training

extension TrainCommand {
    /// The threads for the GEMMs and the loops, sized once: --threads; under mpirun the host's CPUs
    /// shared by the ranks on it (with --bind-to core each sees its own core already); else every
    /// CPU, or one when every layer of the network is small (Runtime/SmallNetworks.swift). True
    /// with the loops when the network was found small.
    static func threads(_ o: Options, job: DataParallelJob?, config: TrainingConfiguration, data: TrainingData) -> (Loops, Bool) {
        let small =
            o.threads == nil && job == nil && BLAS.processors > 1
            && (try? TrainingSession.architecture(config: config, data: data)).map {
                SmallNetworks.trainFastestOnOneThread(inputs: data.train.features, specs: $0.specs, batch: config.batchSize)
            } ?? false
        let n = o.threads ?? job.map { max(1, BLAS.processors / $0.localRanks) } ?? (small ? 1 : nil)
        return (Loops(LoopThreads.configure(n)), small)
    }

    /// What watches the session on rank 0: the progress display, the logs, the plot, the checkpoint.
    static func observers(
        _ o: Options, targets: [(flag: Flag, path: String, target: OutputTarget)],
        display: ProgressDisplay
    ) throws(CLIError) -> [SessionObserver] {
        var observers: [SessionObserver] = [ProgressObserver(display)]
        if o.log != nil || o.logCSV != nil { observers.append(try library { try LogObserver(jsonLines: o.log, csv: o.logCSV) }) }
        if let plot = o.plot, let target = targets.first(where: { $0.flag == Flags.plot })?.target {
            observers.append(PlotObserver(path: plot, target: target))
        }
        if let checkpoint = o.checkpoint { observers.append(CheckpointObserver(path: checkpoint, out: o.out)) }
        return observers
    }
}
