// What a model takes as input and what its outputs mean, as the model file records them.
//   input:  pixels (bytes × scale, of rows × cols: IDX, PGM, PNG images), or table rows (CSV, turned
//           into features by the TableEncoder learned from the training file)
//   output: class indices (IDX labels), or what the TargetEncoder says (class labels, or regression
//           targets to bring back to their units)
import Formats
import Model
import Tables

public enum ModelInput: Equatable {
    case pixels(scale: Float, rows: Int, cols: Int)
    case table(TableEncoder, delimiter: UInt8)

    public var isTable: Bool {
        if case .table = self { return true }
        return false
    }
}

public enum ModelOutput: Equatable {
    /// Classes numbered from 0, as the labels of IDX files are.
    case classIndices(Int)
    case table(TargetEncoder)

    public var task: Task {
        if case .table(let t) = self { return t.task }
        return .classification
    }

    /// The name of class k, as `predict` prints it.
    public func label(_ k: Int) -> String {
        if case .table(.classes(_, let labels)) = self { return labels[k] }
        return "\(k)"
    }

    /// A class's name as JSON: the index for IDX models, the label for table models.
    public func labelJSON(_ k: Int) -> JSONValue {
        if case .table(.classes(_, let labels)) = self { return JSONValue(labels[k]) }
        return JSONValue(k)
    }
}
