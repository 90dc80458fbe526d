// libFuzzer target: the IDX reader on arbitrary bytes, raw or gzip (recognised by its magic, as
// `mlp` does), then the image and label checks every command applies. Any trap is a finding; a
// thrown FormatError is the expected outcome for bad input. Built by Scripts/fuzz.sh, not SwiftPM.
import Formats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    // 64 MiB: well below libFuzzer's 2 GiB RSS limit, so a gzip bomb is refused, not an OOM.
    // The header peek the commands use for their memory check must never trap, and must agree
    // with the full parse whenever that succeeds.
    let header = IDXReader.header(of: Array(bytes.prefix(1 << 16)), fileSize: bytes.count)
    _ = header?.bytesToRead
    guard let array = try? IDXReader.parse(bytes, path: "fuzz", maxDecompressed: 64 << 20) else { return 0 }
    precondition(header?.dims == array.dims && header?.type == array.type, "header peek disagrees with the parse")
    if let images = try? IDXReader.images(array, path: "fuzz") {
        precondition(images.pixels.count == images.count * images.rows * images.cols, "pixel count disagrees with the header")
    }
    if let labels = try? IDXReader.labels(array, path: "fuzz", classCount: 10) {
        precondition(labels.allSatisfy { $0 < 10 }, "a label at or above the class count was accepted")
    }
    return 0
}
