// `mlp train`: train a network on IDX data, report each epoch, save the model.
import Formats
import Model

enum TrainCommand {
    static let flags: [Flag] = [
        Flag("data", "DIR", "directory with the four MNIST IDX files, each raw or .gz"),
        Flag("train-images", "FILE", "training images (overrides --data)"),
        Flag("train-labels", "FILE", "training labels (overrides --data)"),
        Flag("test-images", "FILE", "test images (overrides --data)"),
        Flag("test-labels", "FILE", "test labels (overrides --data)"),
        Flag("hidden", "N[,N...]", "hidden layer widths, ReLU (default 128)"),
        Flag("activation", "ACT", "activation of the --hidden layers (default relu)"),
        Flag("layers", "ARCH", "architecture string, e.g. \"512:relu,dropout:0.2,256:relu,batchnorm,10\""),
        Flag("loss", "LOSS", "cross_entropy (default), cross_entropy:SMOOTHING, mse, bce"),
        Flag("init", "INIT", "he-normal, he-uniform, xavier-normal, xavier-uniform, orthogonal, zeros (default: He for ReLU-family layers, Xavier otherwise)"),
        Flag("optimizer", "OPT", "sgd (default), nesterov, adam, adamw"),
        Flag("lr", "X", "learning rate (default 0.05 for sgd/nesterov, 0.001 for adam/adamw)"),
        Flag("momentum", "X", "SGD momentum (default 0.9; 0 gives plain SGD)"),
        Flag("weight-decay", "X", "L2 weight decay; decoupled for adamw (default 0; 0.01 for adamw)"),
        Flag("beta1", "X", "Adam β1 (default 0.9)"),
        Flag("beta2", "X", "Adam β2 (default 0.999)"),
        Flag("schedule", "SCHED", "learning-rate schedule: constant (default), step[:EVERY[:GAMMA]], cosine"),
        Flag("warmup", "N", "epochs of linear learning-rate warm-up (default 0)"),
        Flag("clip-grad-norm", "X", "clip the global gradient norm to X"),
        Flag("epochs", "N", "passes over the training set (default 5)"),
        Flag("batch-size", "N", "examples per step (default 64)"),
        Flag("seed", "N", "seed for initialization, shuffling and dropout (default 1)"),
        Flag("threads", "N", "OpenBLAS threads (default: all cores)"),
        Flag("out", "FILE", "where to write the model (default model.safetensors)"),
        Flag("json", nil, "print one JSON object with the results on stdout"),
        Flag("quiet", nil, "no per-epoch lines on stderr"),
    ]

    static let usage = "mlp train --data DIR [--hidden 128[,64,...] | --layers ARCH] [--epochs N] [--batch-size N] [--lr X] [--momentum X] [--optimizer OPT] [--seed N] [--threads N] [--out FILE]"

    static func run(_ a: Arguments, startTime: Double) throws(CLIError) -> ExitCode {
        let classes = 10
        let opts = try TrainingOptions(a, classes: classes)
        let out = a.string("out") ?? "model.safetensors"
        try Threads.configure(a)
        let quiet = a.has("quiet"), json = a.has("json")
        try OutputPath.checkWritable(out, flag: "out", command: a.command)

        let loadStart = now()
        let (train, test) = try DataFiles.loadTrainAndTest(a)
        let dataSeconds = now() - loadStart
        let scale: Float = 1.0 / 255.0

        let net = Network(inputs: train.features, specs: opts.specs, loss: opts.loss,
                          initializer: opts.initializer, seed: opts.seed)
        let optimizer = opts.makeOptimizer(net)
        let trainer = Trainer(network: net, optimizer: optimizer, schedule: opts.schedule,
                              batchSize: opts.batchSize, epochs: opts.epochs, clipNorm: opts.clipNorm,
                              scale: scale, seed: opts.seed)
        if !quiet {
            Console.err("mlp: \(train.count) training and \(test.count) test images of \(train.rows)×\(train.cols), loaded in \(duration(dataSeconds))")
            Console.err("mlp: network \(train.features)→\(net.architecture) (\(net.parameterCount) parameters), loss \(net.loss.token), \(opts.optimizerDescription), batch \(opts.batchSize), \(BLAS.threads) thread\(BLAS.threads == 1 ? "" : "s")")
        }

        var epochs: [JSONValue] = []
        let trainingStart = now()
        var trainSeconds = 0.0
        var last: (Trainer.EpochResult, Evaluation)?
        for epoch in 1...opts.epochs {
            let r = trainer.runEpoch(epoch, on: train) { _, _, step in step.loss.isFinite }
            trainSeconds += r.seconds
            guard r.loss.isFinite else {
                throw CLIError(.diverged, "training diverged in epoch \(epoch): the loss became \(r.loss); try a lower --lr, --clip-grad-norm, or another --init")
            }
            let ev = Evaluation.run(net, on: test, scale: scale)
            last = (r, ev)
            if !quiet {
                Console.err("epoch \(epoch)/\(opts.epochs)  loss \(fixed(r.loss, 4))  train_acc \(fixed(r.accuracy, 4))  test_acc \(fixed(ev.accuracy, 4))  lr \(r.learningRate)  \(duration(r.seconds))  \(Int(r.samplesPerSecond.rounded())) samples/s")
            }
            epochs.append(.object([
                ("epoch", .number(Double(epoch))), ("loss", JSONValue(r.loss)),
                ("accuracy", JSONValue(r.accuracy)), ("test_loss", JSONValue(ev.loss)),
                ("test_accuracy", JSONValue(ev.accuracy)), ("lr", JSONValue(r.learningRate)),
                ("seconds", .number(r.seconds)), ("samples_per_second", .number(r.samplesPerSecond.rounded())),
            ]))
        }
        guard let (final, ev) = last else { return .ok }
        try ModelFile.save(net, to: out, inputScale: scale, rows: train.rows, cols: train.cols, extra: [
            ("optimizer", opts.optimizerDescription), ("epochs", "\(opts.epochs)"), ("batch_size", "\(opts.batchSize)"),
            ("seed", "\(opts.seed)"), ("test_accuracy", "\(ev.accuracy)"), ("mlp_version", CLI.version),
        ])
        let startup = trainingStart - startTime - dataSeconds
        if json {
            Console.out(JSONValue.object([
                ("test_accuracy", JSONValue(ev.accuracy)), ("test_loss", JSONValue(ev.loss)),
                ("train_loss", JSONValue(final.loss)), ("train_accuracy", JSONValue(final.accuracy)),
                ("epochs", .array(epochs)), ("train_seconds", .number(trainSeconds)),
                ("seconds_per_epoch", .number(trainSeconds / Double(opts.epochs))),
                ("data_load_seconds", .number(dataSeconds)), ("startup_seconds", .number(startup)),
                ("peak_rss_bytes", .number(Double(peakResidentBytes()))), ("parameters", .number(Double(net.parameterCount))),
                ("threads", .number(Double(BLAS.threads))), ("model", .string(out)),
            ]).serialized())
        } else {
            Console.out("test accuracy \(fixed(ev.accuracy, 4))  test loss \(fixed(ev.loss, 4))  after \(opts.epochs) epoch\(opts.epochs == 1 ? "" : "s") in \(duration(trainSeconds)) (\(fixed(trainSeconds / Double(opts.epochs), 2))s/epoch)")
            Console.out("model written to \(out)")
        }
        return .ok
    }
}
