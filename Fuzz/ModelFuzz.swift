// libFuzzer target: the model loader on arbitrary bytes: safetensors decoding, then ModelFile.build
// (metadata, architecture, every tensor checked against it), then one forward pass of the rebuilt
// network on a row of zeros, through the Training library. Built by Scripts/fuzz.sh, not SwiftPM.
import Formats
import Model
import Training

private let once: Void = { BLAS.setThreads(1) }()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    _ = once
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    guard let file = try? Safetensors.decode(bytes, path: "fuzz") else { return 0 }
    let model: LoadedModel
    do { model = try ModelFile.build(file, path: "fuzz") } catch {
        precondition(!error.isSettingError && !error.description.contains("\n"), "model error is not one data-error line: \(error)")
        return 0
    }
    let x = Matrix(rows: 1, cols: model.network.inputFeatures)
    let p = model.network.predict(x)
    precondition(p.rows == 1 && p.cols == model.network.classes, "prediction has the wrong shape")
    return 0
}
