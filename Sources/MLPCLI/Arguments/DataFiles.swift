// Finding the IDX files a command works on, as its flags name them: a --data directory holding
// the MNIST files (raw or .gz), or each file by its own flag. Training's ImageFiles loads them.
import Formats
import Model
import Training

#if canImport(Glibc)
    import Glibc
#endif

enum DataFiles {
    /// The file for `name`: `file` (the value of the flag `override`) when given, else DIR/name or
    /// DIR/name.gz in `dir` (the value of --data).
    static func resolve(dir: String?, name: String, file: String?, override: Flag, command: String) throws(CLIError) -> String {
        if let path = file {
            guard !path.isEmpty else { throw .usage("--\(override.name) needs a non-empty value", command: command) }
            return path
        }
        guard let dir else {
            throw .usage("missing required flag --data (or --\(override.name) FILE)", command: command)
        }
        guard !dir.isEmpty else { throw .usage("--data needs a non-empty value", command: command) }
        let base = dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        var st = stat()
        guard stat(base, &st) == 0 else {
            throw CLIError(.dataError, "\(base): no such directory (run 'make data' to fetch MNIST into data/mnist)")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw CLIError(.dataError, "\(base): is not a directory, expected the directory holding the IDX files")
        }
        for candidate in ["\(base)/\(name)", "\(base)/\(name).gz"] where access(candidate, F_OK) == 0 {
            return candidate
        }
        throw CLIError(
            .dataError, "\(base): neither \(name) nor \(name).gz is there (run 'make data', or name the file with --\(override.name))")
    }

    /// The files of a training run, from the values of --data and the file flags (by flag name). With
    /// --data the test files are the directory's (or the flags'); without it, a run that names neither
    /// test file has no test set, and one that names only one of them is told which is missing.
    static func trainingFiles(dir: String?, files: [String: String], command: String) throws(CLIError) -> ImageFiles.TrainingFiles {
        func find(_ name: String, _ flag: Flag) throws(CLIError) -> String {
            try resolve(dir: dir, name: name, file: files[flag.name], override: flag, command: command)
        }
        let trainImages = try find(ImageFiles.trainImages, Flags.trainImages)
        let trainLabels = try find(ImageFiles.trainLabels, Flags.trainLabels)
        var test: (images: String, labels: String)?
        let images = files[Flags.testImages.name]
        let labels = files[Flags.testLabels.name]
        if dir == nil && (images == nil) != (labels == nil) {
            let (given, missing) = images == nil ? (Flags.testLabels, Flags.testImages) : (Flags.testImages, Flags.testLabels)
            throw .usage("--\(given.name) needs --\(missing.name) (or --data DIR to take the test files from)", command: command)
        }
        if dir != nil || images != nil {
            test = (try find(ImageFiles.testImages, Flags.testImages), try find(ImageFiles.testLabels, Flags.testLabels))
        }
        return ImageFiles.TrainingFiles(
            trainImages: trainImages, trainLabels: trainLabels, test: test,
            validation: files[Flags.validationImages.name].flatMap { i in files[Flags.validationLabels.name].map { (i, $0) } })
    }
}
