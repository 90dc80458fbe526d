// A seeded split that keeps each class's share of the examples on both sides (classification
// tables: the test split, the validation split). The examples are shuffled exactly as SeededSplit
// shuffles them; the split holds out the same total, round(count × fraction), shared between the
// classes in proportion to their sizes (largest remainders first), with every class of two or more
// examples on both sides and a class of one example kept for training (a class absent from the
// training side could not be learnt). Of each class, the examples last in the shuffled order are
// held out. When those constraints cannot give the total exactly (more classes of two than examples
// to hold out), the split is as close to it as they allow.

public enum StratifiedSplit {
    /// The examples kept and held out, by index, each in the shuffled order; nil when the fraction
    /// holds out none or all of them (as SeededSplit). `labels` are the examples' classes (≥ 0).
    public static func split(labels: [Int32], fraction: Float, seed: UInt64, purpose: SeededSplit.Purpose)
        -> (kept: ArraySlice<Int32>, held: ArraySlice<Int32>)?
    {
        let count = labels.count
        let total = SeededSplit.heldCount(count: count, fraction: fraction)
        guard total >= 1, total < count else { return nil }
        let held = heldPerClass(labels: labels, total: total)
        // Every class a single example: nothing can be held out with both sides keeping each
        // class, so the split is the plain seeded one.
        guard held.reduce(0, +) > 0 else { return SeededSplit.split(count: count, fraction: fraction, seed: seed, purpose: purpose) }
        let order = SeededSplit.shuffled(count: count, seed: seed, purpose: purpose)
        var left = held
        var heldOut: [Int32] = []
        var kept: [Int32] = []
        heldOut.reserveCapacity(held.reduce(0, +))
        kept.reserveCapacity(count)
        // From the end of the shuffled order: each class's last examples are the held-out ones.
        for i in order.reversed() {
            let c = Int(labels[Int(i)])
            if left[c] > 0 {
                left[c] -= 1
                heldOut.append(i)
            } else {
                kept.append(i)
            }
        }
        return (ArraySlice(kept.reversed()), ArraySlice(heldOut.reversed()))
    }

    /// How many examples of each class to hold out so that `total` are (as near as the rules allow).
    public static func heldPerClass(labels: [Int32], total: Int) -> [Int] {
        let classes = Int(labels.max() ?? -1) + 1
        var sizes = [Int](repeating: 0, count: classes)
        for l in labels { sizes[Int(l)] += 1 }
        let count = labels.count
        let quota = sizes.map { Double($0) * Double(total) / Double(max(count, 1)) }
        var held = quota.map { Int($0.rounded(.down)) }
        // The rest of the total to the largest remainders (ties: the larger class, then the lower index).
        let byRemainder = (0..<classes).sorted {
            let a = quota[$0] - Double(held[$0])
            let b = quota[$1] - Double(held[$1])
            return a != b ? a > b : sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1
        }
        var short = total - held.reduce(0, +)
        for c in byRemainder where short > 0 && sizes[c] > 0 {
            held[c] += 1
            short -= 1
        }
        // Both sides keep every class of two or more; a class of one stays for training.
        for c in 0..<classes { held[c] = sizes[c] < 2 ? 0 : min(max(held[c], 1), sizes[c] - 1) }
        // Back towards the total: take from the classes most above their quota, give to those most below.
        var sum = held.reduce(0, +)
        while sum > total {
            guard let c = (0..<classes).filter({ held[$0] > 1 }).max(by: { excess($0, held, quota) < excess($1, held, quota) }) else {
                break
            }
            held[c] -= 1
            sum -= 1
        }
        while sum < total {
            guard
                let c = (0..<classes).filter({ sizes[$0] >= 2 && held[$0] < sizes[$0] - 1 })
                    .min(by: { excess($0, held, quota) < excess($1, held, quota) })
            else { break }
            held[c] += 1
            sum += 1
        }
        return held
    }

    /// How far a class's held-out count is above its quota; ties go to the lower class index.
    private static func excess(_ c: Int, _ held: [Int], _ quota: [Double]) -> Double {
        Double(held[c]) - quota[c] - Double(c) * 1e-9
    }
}
