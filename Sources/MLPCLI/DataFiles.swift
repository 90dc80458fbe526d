// Finding and loading the IDX files a command works on.
import Formats
import Model
#if canImport(Glibc)
import Glibc
#endif

enum DataFiles {
    /// The standard MNIST file names inside a --data directory.
    static let trainImages = "train-images-idx3-ubyte", trainLabels = "train-labels-idx1-ubyte"
    static let testImages = "t10k-images-idx3-ubyte", testLabels = "t10k-labels-idx1-ubyte"

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
        throw CLIError(.dataError, "\(base): neither \(name) nor \(name).gz is there (run 'make data', or name the file with --\(override.name))")
    }

    /// Loads an image file and its label file as a dataset, checking that they agree. Labels must be
    /// below `classes` when it is given (a model's class count); pixels are multiplied by `scale`.
    static func load(images: String, labels: String, classes: Int? = nil, scale: Float = 1.0 / 255.0) throws(CLIError) -> Dataset {
        do {
            let img = try IDXReader.readImages(path: images)
            let lab = try IDXReader.readLabels(path: labels, classCount: classes ?? 256)
            try IDXReader.checkPair(images: img, imagesPath: images, labels: lab, labelsPath: labels)
            return Dataset(pixels: img.pixels, labels: lab.map { Int32($0) }, count: img.count, rows: img.rows, cols: img.cols,
                           scale: scale)
        } catch let e as FormatError {
            throw .data(e)
        } catch {
            throw CLIError(.dataError, "\(images): \(error)")
        }
    }

    /// An empty dataset is an error: an accuracy over no images would be a made-up number.
    static func requireImages(_ data: Dataset, _ path: String, _ why: String) throws(CLIError) {
        guard data.count > 0 else { throw CLIError(.dataError, "\(path): holds no images; \(why)") }
    }

    /// The IDX files of a training run, by role, as the flags name them.
    struct TrainingFiles {
        let trainImages: String, trainLabels: String
        /// nil: a run without a test set (no --data and neither --test-images nor --test-labels).
        let test: (images: String, labels: String)?
        let validation: (images: String, labels: String)?
        var all: [String] {
            [trainImages, trainLabels] + (test.map { [$0.images, $0.labels] } ?? []) + (validation.map { [$0.images, $0.labels] } ?? [])
        }
    }

    /// The files of a training run, from the values of --data and the file flags (by flag name). With
    /// --data the test files are the directory's (or the flags'); without it, a run that names neither
    /// test file has no test set, and one that names only one of them is told which is missing.
    static func trainingFiles(dir: String?, files: [String: String], command: String) throws(CLIError) -> TrainingFiles {
        func find(_ name: String, _ flag: Flag) throws(CLIError) -> String {
            try resolve(dir: dir, name: name, file: files[flag.name], override: flag, command: command)
        }
        let trainImages = try find(trainImages, Flags.trainImages), trainLabels = try find(trainLabels, Flags.trainLabels)
        var test: (images: String, labels: String)?
        let images = files[Flags.testImages.name], labels = files[Flags.testLabels.name]
        if dir == nil && (images == nil) != (labels == nil) {
            let (given, missing) = images == nil ? (Flags.testLabels, Flags.testImages) : (Flags.testImages, Flags.testLabels)
            throw .usage("--\(given.name) needs --\(missing.name) (or --data DIR to take the test files from)", command: command)
        }
        if dir != nil || images != nil {
            test = (try find(testImages, Flags.testImages), try find(testLabels, Flags.testLabels))
        }
        return TrainingFiles(trainImages: trainImages, trainLabels: trainLabels, test: test,
                             validation: files[Flags.validationImages.name].flatMap { i in files[Flags.validationLabels.name].map { (i, $0) } })
    }

    /// Images from a file, or from standard input for "-" (IDX, gzip'd IDX, PGM or PNG).
    static func readImages(_ path: String) throws -> IDXImages {
        guard path == "-" else { return try ImageFile.read(path: path) }
        let stream = try InputStream(path: "-")
        return try ImageFile.read(bytes: try stream.readAll(), path: stream.name)
    }

    /// Whether a directory holds the IDX test images (raw or .gz).
    static func hasIDX(_ dir: String) -> Bool {
        access(dir + "/" + testImages, F_OK) == 0 || access(dir + "/" + testImages + ".gz", F_OK) == 0
    }

    /// The class count of a label file (largest label + 1), read before the images so that the
    /// memory estimate knows the network's output width.
    static func classCount(labels path: String) throws(CLIError) -> Int {
        do { return Int(try IDXReader.readLabels(path: path, classCount: 256).max() ?? 0) + 1 } catch let e as FormatError {
            throw .data(e)
        } catch { throw CLIError(.dataError, "\(path): \(error)") }
    }

    /// The training, test (when the run has one) and validation sets of a run. The class count is the
    /// training labels' (largest + 1); test and validation labels must be below it.
    static func loadTraining(_ f: TrainingFiles) throws(CLIError) -> TrainingData {
        let train = try load(images: f.trainImages, labels: f.trainLabels)
        try requireImages(train, f.trainImages, "training needs at least one")
        let classes = train.classCount
        var test: Dataset?
        if let (ti, tl) = f.test {
            let t = try load(images: ti, labels: tl, classes: classes)
            try requireImages(t, ti, "the test accuracy needs at least one")
            guard t.image == train.image else {
                throw CLIError(.dataError, "\(ti): images are \(shape(t)) but the training images (\(f.trainImages)) are \(shape(train))")
            }
            test = t
        }
        var validation: Dataset?
        if let (vi, vl) = f.validation {
            let v = try load(images: vi, labels: vl, classes: classes)
            guard v.features == train.features else {
                throw CLIError(.dataError, "\(vi): images are \(shape(v)) but the training images are \(shape(train))")
            }
            validation = v
        }
        return TrainingData(train: train, test: test, validation: validation)
    }

    /// "28×28".
    static func shape(_ d: Dataset) -> String { d.image.map { "\($0.rows)×\($0.cols)" } ?? "\(d.features) features" }
}
