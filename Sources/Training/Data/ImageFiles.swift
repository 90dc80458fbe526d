// Loading IDX files as datasets: an image file with its label file, and the files of a training
// run (training, test and validation sets), checked against each other.
import Formats
import Model

#if canImport(Glibc)
    import Glibc
#endif

public enum ImageFiles {
    /// The standard MNIST file names inside a data directory.
    public static let trainImages = "train-images-idx3-ubyte", trainLabels = "train-labels-idx1-ubyte"
    public static let testImages = "t10k-images-idx3-ubyte", testLabels = "t10k-labels-idx1-ubyte"

    /// Loads an image file and its label file as a dataset, checking that they agree. Labels must be
    /// below `classes` when it is given (a model's class count); pixels are multiplied by `scale`.
    public static func load(images: String, labels: String, classes: Int? = nil, scale: Float = 1.0 / 255.0) throws(TrainingError)
        -> Dataset
    {
        do {
            let img = try IDXReader.readImages(path: images)
            let lab = try IDXReader.readLabels(path: labels, classCount: classes ?? 256)
            try IDXReader.checkPair(images: img, imagesPath: images, labels: lab, labelsPath: labels)
            return Dataset(
                pixels: img.pixels, labels: lab.map { Int32($0) }, count: img.count, rows: img.rows, cols: img.cols,
                scale: scale)
        } catch let e as FormatError {
            throw .format(e)
        } catch {
            throw .data("\(images): \(error)")
        }
    }

    /// An empty dataset is an error: an accuracy over no images would be a made-up number.
    public static func requireImages(_ data: Dataset, _ path: String, _ why: String) throws(TrainingError) {
        guard data.count > 0 else { throw .data("\(path): holds no images; \(why)") }
    }

    /// The IDX files of a training run, by role, as the flags name them.
    public struct TrainingFiles {
        public let trainImages: String, trainLabels: String
        /// nil: a run without a test set.
        public let test: (images: String, labels: String)?
        public let validation: (images: String, labels: String)?

        public init(
            trainImages: String, trainLabels: String, test: (images: String, labels: String)?, validation: (images: String, labels: String)?
        ) {
            self.trainImages = trainImages
            self.trainLabels = trainLabels
            self.test = test
            self.validation = validation
        }

        public var all: [String] {
            [trainImages, trainLabels] + (test.map { [$0.images, $0.labels] } ?? []) + (validation.map { [$0.images, $0.labels] } ?? [])
        }
    }

    /// Images from a file, or from standard input for "-" (IDX, gzip'd IDX, PGM or PNG).
    public static func readImages(_ path: String) throws -> IDXImages {
        guard path == "-" else { return try ImageFile.read(path: path) }
        let stream = try InputStream(path: "-")
        return try ImageFile.read(bytes: try stream.readAll(), path: stream.name)
    }

    /// Whether a directory holds the IDX test images (raw or .gz).
    public static func hasIDX(_ dir: String) -> Bool {
        access(dir + "/" + testImages, F_OK) == 0 || access(dir + "/" + testImages + ".gz", F_OK) == 0
    }

    /// The class count of a label file (largest label + 1), read before the images so that the
    /// memory estimate knows the network's output width.
    public static func classCount(labels path: String) throws(TrainingError) -> Int {
        do { return Int(try IDXReader.readLabels(path: path, classCount: 256).max() ?? 0) + 1 } catch let e as FormatError {
            throw .format(e)
        } catch { throw .data("\(path): \(error)") }
    }

    /// The training, test (when the run has one) and validation sets of a run. The class count is the
    /// training labels' (largest + 1); test and validation labels must be below it.
    public static func loadTraining(_ f: TrainingFiles) throws(TrainingError) -> TrainingData {
        let train = try load(images: f.trainImages, labels: f.trainLabels)
        try requireImages(train, f.trainImages, "training needs at least one")
        let classes = train.classCount
        var test: Dataset?
        if let (ti, tl) = f.test {
            let t = try load(images: ti, labels: tl, classes: classes)
            try requireImages(t, ti, "the test accuracy needs at least one")
            guard t.image == train.image else {
                throw .data("\(ti): images are \(shape(t)) but the training images (\(f.trainImages)) are \(shape(train))")
            }
            test = t
        }
        var validation: Dataset?
        if let (vi, vl) = f.validation {
            let v = try load(images: vi, labels: vl, classes: classes)
            guard v.features == train.features else {
                throw .data("\(vi): images are \(shape(v)) but the training images are \(shape(train))")
            }
            validation = v
        }
        return TrainingData(train: train, test: test, validation: validation, task: .classification)
    }

    /// "28×28".
    public static func shape(_ d: Dataset) -> String { d.image.map { "\($0.rows)×\($0.cols)" } ?? "\(d.features) features" }
}
