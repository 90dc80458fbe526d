// The labelled data a command measures a saved model on, read as the model reads it: for a table
// model a CSV file with its feature and target columns (the model's encoders, delimiter and number
// format), for an image model an image file and its label file of the model's size. `mlp calibrate`
// and `mlp importance` share it (each finds its image files in its own way).
import Formats
import Model
import Tables
import Training

enum LabelledData {
    /// A CSV file (told by its content, not its name) for a table model, or the image files.
    struct Source {
        var csv: String?
        var images: String?, labels: String?
        var delimiter: UInt8?
        var numbers: NumberFormatFlags
        var threads: Int?
    }

    /// The dataset, the file it came from, and what its items are called ("rows", "images").
    static func load(_ model: LoadedModel, modelPath: String, _ s: Source, command: String) throws(CLIError) -> (
        data: Dataset, path: String, items: String
    ) {
        switch model.input {
        case .table(let encoder, let delimiter):
            guard let csv = s.csv else {
                throw CLIError(
                    .dataError,
                    "\(modelPath): was trained on a CSV file; give --data FILE.csv with its columns (\(encoder.names.prefix(5).joined(separator: ", "))\(encoder.names.count > 5 ? ", …" : ""))"
                )
            }
            guard case .table(let target) = model.output else { preconditionFailure("a table model has a target") }
            var options = encoder.readingOptions(
                CSVOptions(delimiter: s.delimiter ?? delimiter, threads: s.threads ?? BLAS.processors), target: target)
            options.numbers = try s.numbers.format(over: encoder.numbers)
            options.markerAdvice = TableEncoder.retrainMarkerAdvice
            let table = try library(command: command) { try TabularData.read(csv, options) }
            try library(command: command) { try TabularData.requireRows(table) }
            let (data, unseen) = try library(command: command) { try TabularData.encodeLabelled(table, encoder: encoder, target: target) }
            if unseen.total > 0 { Console.err(TableNote.unseenCategories(path: table.path, unseen).line) }
            let ignored = encoder.ignored(in: table, allowed: Set(target.columns))
            if !ignored.isEmpty { Console.note(TableNote.ignoredColumns(path: csv, ignored).line) }
            return (data, csv, "rows")
        case .pixels:
            if let csv = s.csv {
                throw CLIError(
                    .dataError, "\(modelPath): was trained on images; \(csv) is a CSV file (give the directory with the IDX files)")
            }
            guard let images = s.images, let labels = s.labels else { preconditionFailure("the caller finds the image files") }
            let d = try library(command: command) {
                try ImageFiles.load(images: images, labels: labels, classes: model.network.classes, scale: model.inputScale)
            }
            try library(command: command) { try ImageFiles.requireImages(d, images, "\(command) needs at least one") }
            try EvaluateCommand.checkShape(d, model, path: images)
            return (d, images, "images")
        }
    }

    /// The raw outputs (logits) of every row of `data`, row-major, before any temperature.
    static func logits(_ model: LoadedModel, _ data: Dataset, batch: Int) throws(CLIError) -> [Double] {
        let w = model.network.outputFeatures
        var out = [Double](repeating: 0, count: data.count * w)
        let x = Matrix(rows: max(1, min(batch, data.count)), cols: model.network.inputFeatures)
        var start = 0
        while start < data.count {
            let n = min(batch, data.count - start)
            let z = try library { try model.outputs(data, from: start, count: n, using: x) }
            for i in 0..<(n * w) { out[start * w + i] = Double(z.data[i]) }
            start += n
        }
        return out
    }
}
