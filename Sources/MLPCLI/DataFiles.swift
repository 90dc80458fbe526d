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

    /// The file for `name`: the flag `override` when given, else DIR/name or DIR/name.gz.
    static func resolve(_ args: Arguments, dirFlag: String = "data", name: String, override: String) throws(CLIError) -> String {
        if let path = args.string(override) {
            guard !path.isEmpty else { throw .usage("--\(override) needs a non-empty value", command: args.command) }
            return path
        }
        guard let dir = args.string(dirFlag) else {
            throw .usage("missing required flag --\(dirFlag) (or --\(override) FILE)", command: args.command)
        }
        guard !dir.isEmpty else { throw .usage("--\(dirFlag) needs a non-empty value", command: args.command) }
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
        throw CLIError(.dataError, "\(base): neither \(name) nor \(name).gz is there (run 'make data', or name the file with --\(override))")
    }

    /// Loads an image file and its label file as a dataset, checking that they agree.
    static func load(images: String, labels: String, classes: Int = 10) throws(CLIError) -> Dataset {
        do {
            let img = try IDXReader.readImages(path: images)
            let lab = try IDXReader.readLabels(path: labels, classCount: classes)
            try IDXReader.checkPair(images: img, imagesPath: images, labels: lab, labelsPath: labels)
            return Dataset(pixels: img.pixels, labels: lab, count: img.count, rows: img.rows, cols: img.cols)
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

    /// The train and test sets named by --data and the override flags, after checking that they, the
    /// validation files and the network of `opts` fit in memory.
    static func loadTrainAndTest(_ args: Arguments, _ opts: TrainingOptions) throws(CLIError) -> (train: Dataset, test: Dataset) {
        let trI = try resolve(args, name: trainImages, override: "train-images")
        let trL = try resolve(args, name: trainLabels, override: "train-labels")
        let teI = try resolve(args, name: testImages, override: "test-images")
        let teL = try resolve(args, name: testLabels, override: "test-labels")
        let validationFiles = ["validation-images", "validation-labels"].compactMap { args.string($0) }
        // The last moment before the data and the network are allocated.
        try MemoryBudget.checkTraining(args, opts, trainImages: trI, others: [trL, teI, teL] + validationFiles)
        let train = try load(images: trI, labels: trL)
        let test = try load(images: teI, labels: teL)
        try requireImages(train, trI, "training needs at least one")
        try requireImages(test, teI, "the test accuracy needs at least one")
        guard train.rows == test.rows, train.cols == test.cols else {
            throw CLIError(.dataError, "\(teI): images are \(test.rows)×\(test.cols) but the training images (\(trI)) are \(train.rows)×\(train.cols)")
        }
        return (train, test)
    }
}
