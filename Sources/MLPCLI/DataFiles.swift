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
        let trainImages: String, trainLabels: String, testImages: String, testLabels: String
        let validation: (images: String, labels: String)?
        var all: [String] { [trainImages, trainLabels, testImages, testLabels] + (validation.map { [$0.images, $0.labels] } ?? []) }
    }

    /// The files of a training run, from the values of --data and the file flags (by flag name).
    static func trainingFiles(dir: String?, files: [String: String], command: String) throws(CLIError) -> TrainingFiles {
        func find(_ name: String, _ flag: Flag) throws(CLIError) -> String {
            try resolve(dir: dir, name: name, file: files[flag.name], override: flag, command: command)
        }
        return TrainingFiles(trainImages: try find(trainImages, Flags.trainImages), trainLabels: try find(trainLabels, Flags.trainLabels),
                             testImages: try find(testImages, Flags.testImages), testLabels: try find(testLabels, Flags.testLabels),
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

    /// The training, test and validation sets of a run. The class count is the training labels'
    /// (largest + 1); test and validation labels must be below it.
    static func loadTraining(_ f: TrainingFiles) throws(CLIError) -> TrainingData {
        let train = try load(images: f.trainImages, labels: f.trainLabels)
        try requireImages(train, f.trainImages, "training needs at least one")
        let classes = train.classCount
        let test = try load(images: f.testImages, labels: f.testLabels, classes: classes)
        try requireImages(test, f.testImages, "the test accuracy needs at least one")
        guard test.image == train.image else {
            throw CLIError(.dataError, "\(f.testImages): images are \(shape(test)) but the training images (\(f.trainImages)) are \(shape(train))")
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
