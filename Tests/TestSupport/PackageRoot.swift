// The package's root folder, for the tests that read its scripts, data and built binaries.
import Foundation

public enum Package {
    /// The folder holding Package.swift (two levels above this file's folder).
    public static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A path inside the package: `Package.path("Scripts/onnx_check.py")`.
    public static func path(_ relative: String) -> String { root + "/" + relative }
}
