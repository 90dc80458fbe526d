// libFuzzer target: gzip decompression alone (multi-member streams, truncation, bad CRCs, bombs),
// and a round trip: whatever decompresses must compress and decompress back to itself.
// Built by Scripts/fuzz.sh, not SwiftPM.
import Formats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let head = Gzip.prefix(bytes, count: 1024)
    guard let raw = try? Gzip.decompress(bytes, path: "fuzz", maxOutput: 64 << 20) else { return 0 }
    precondition(raw.starts(with: head), "Gzip.prefix is not a prefix of the decompressed data")
    let again = try? Gzip.decompress(Gzip.compress(raw, level: 1), path: "fuzz", maxOutput: 64 << 20)
    precondition(again == raw, "gzip round trip changed the data")
    // The decompressed bytes through the IDX parser too, exactly as a .gz data file would go.
    _ = try? IDXReader.parse(bytes, path: "fuzz", maxDecompressed: 64 << 20)
    return 0
}
