// `mlp augment --images FILE --augment SPEC --out grid.png`: what a distortion spec does, before
// training with it. A PNG grid with one row per original image (the first N of the file): the
// original, a gap, then M distorted copies drawn exactly as `mlp train --augment SPEC` draws them
// (the same augmenter; each original's copies are the rows of one batch, keyed from --seed).
import Formats
import Model
import Training

#if canImport(Glibc)
    import Glibc
#endif

enum AugmentCommand {
    static let originals = Flag(
        "originals", "N", .integer(1...1000), "how many images, from the first, each on a row of its own", default: "8")
    static let copies = Flag("copies", "M", .integer(1...100), "distorted copies beside each original", default: "7")
    static let zoom = Flag("zoom", "Z", .integer(1...32), "screen pixels per image pixel", default: "3")

    static let flags: [Flag] = [
        Flags.images.helped("the images: IDX (raw or .gz), or one PGM or PNG image; - reads standard input"),
        Flags.augment.helped(
            "the distortions, as for 'mlp train --augment': comma-separated parts shift[:PIXELS] (default 2), rotate[:DEGREES] (15), scale[:F[:FY]] (0.15), shear[:S] (0.3), elastic[:ALPHA[:SIGMA]] (34, 4)"
        ),
        Flags.exportOut.helped("where to write the PNG grid, or - for standard output"),
        originals, copies, zoom,
        Flags.seed.helped("seed of the distortions"), Flags.silent,
    ]

    static let usage = "mlp augment --images FILE --augment SPEC --out FILE.png [--originals N] [--copies M] [--zoom Z] [--seed N]"

    /// Everything `mlp augment` reads from its command line.
    struct Options {
        let images: String, out: String
        let spec: AugmentationSpec
        let originals: Int, copies: Int, zoom: Int
        let seed: UInt64

        init(_ a: Arguments) throws(CLIError) {
            images = try a.required(Flags.images)
            let text = try a.required(Flags.augment)
            do { spec = try AugmentationSpec.parse(text) } catch { throw .usage("--augment: \(error.message)", command: a.command) }
            out = try a.required(Flags.exportOut)
            originals = try a.int(AugmentCommand.originals, default: 8)
            copies = try a.int(AugmentCommand.copies, default: 7)
            zoom = try a.int(AugmentCommand.zoom, default: 3)
            seed = UInt64(try a.int(Flags.seed, default: 1))
        }
    }

    static func run(_ a: Arguments) throws(CLIError) -> ExitCode {
        let o = try Options(a)
        let target = try OutputPath.checkWritable(o.out, flag: Flags.exportOut.name, command: a.command, kind: .binary)
        let images: IDXImages
        do { images = try ImageFiles.readImages(o.images) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(o.images): \(error)")
        }
        guard images.count > 0 else { throw CLIError(.dataError, "\(o.images): holds no images") }
        guard images.rows >= 2, images.cols >= 2, (images.rows + 3) * (images.cols + 3) <= ImageAugmenter.maxPixels else {
            let why =
                images.rows < 2 || images.cols < 2
                ? "a row or a column of values, not an image" : "more pixels than --augment handles (about 2045×2045)"
            throw CLIError(
                .dataError, "\(o.images): images are \(images.rows)×\(images.cols), \(why); --augment distorts two-dimensional images")
        }
        let grid = draw(images, spec: o.spec, originals: min(o.originals, images.count), copies: o.copies, zoom: o.zoom, seed: o.seed)
        let png: [UInt8]
        do { png = try PNGWriter.gray(grid.pixels, width: grid.width, height: grid.height, path: o.out) } catch let e as FormatError {
            throw .data(e)
        } catch { throw CLIError(.dataError, "\(o.out): \(error)") }
        do { try AtomicFile.write(png, to: o.out) } catch let e as FormatError { throw .data(e) } catch {
            throw CLIError(.dataError, "\(o.out): \(error)")
        }
        if target != .standardOutput {
            let n = min(o.originals, images.count)
            Console.info(
                "mlp: \(n) original\(n == 1 ? "" : "s") of \(o.images), each beside \(o.copies) distorted cop\(o.copies == 1 ? "y" : "ies") (\(o.spec.token)), written to \(o.out) (\(grid.width)×\(grid.height))"
            )
        }
        return .ok
    }

    /// Background and gaps: mid-gray, so that the images' black edges show.
    static let gapShade: UInt8 = 128

    /// The grid: per row, an original, a wider gap, then its distorted copies; `zoom` screen pixels per
    /// image pixel and `zoom` between cells (three times that after the original).
    static func draw(
        _ images: IDXImages, spec: AugmentationSpec, originals: Int, copies: Int, zoom: Int,
        seed: UInt64
    ) -> (pixels: [UInt8], width: Int, height: Int) {
        let rows = images.rows
        let cols = images.cols
        let n = rows * cols
        let cellW = cols * zoom
        let cellH = rows * zoom
        let gap = zoom
        let width = gap + cellW + 3 * gap + copies * (cellW + gap)
        let height = gap + originals * (cellH + gap)
        var pixels = [UInt8](repeating: gapShade, count: width * height)
        let augmenter = ImageAugmenter(spec: spec, rows: rows, cols: cols, batchSize: copies, seed: seed)
        var distorted = [Float](repeating: 0, count: n)
        func paste(_ cell: (Int) -> UInt8, x0: Int, y0: Int) {
            for y in 0..<cellH {
                for x in 0..<cellW { pixels[(y0 + y) * width + x0 + x] = cell((y / zoom) * cols + x / zoom) }
            }
        }
        images.pixels.withUnsafeBufferPointer { all in
            for i in 0..<originals {
                let image = all.baseAddress! + i * n
                let y0 = gap + i * (cellH + gap)
                paste({ image[$0] }, x0: gap, y0: y0)
                let key = augmenter.nextKey()
                for j in 0..<copies {
                    distorted.withUnsafeMutableBufferPointer { augmenter.distort(image, key: key, row: j, scale: 1, into: $0.baseAddress!) }
                    paste({ UInt8(max(0, min(255, distorted[$0].rounded()))) }, x0: gap + cellW + 3 * gap + j * (cellW + gap), y0: y0)
                }
            }
        }
        return (pixels, width, height)
    }
}
