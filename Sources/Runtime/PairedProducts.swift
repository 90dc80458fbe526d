// When a network's layers should compute their two backward products side by side instead of
// splitting each GEMM over OpenBLAS's threads.
//
// OpenBLAS splits a GEMM over its threads well when the GEMM is large; a small one gains little
// (Diamonds' 26-128-64-1 at batch 128 ran its steps no faster at two threads than at one) while the
// second core waits. For such networks each GEMM runs on one thread, and each dense layer cuts its
// products into two chunks of a region, one per thread (Network.pairsBackwardProducts): the forward
// product by halves of the batch, dX = dZ·W beside dW = dZᵀ·X, the first layer's dW by halves of its
// rows. The bound is measured: see the README's speed section.
import Model

public enum PairedProducts {
    /// The largest product (batch × inputs × outputs multiply-adds) of a network that pairs.
    public static let largestGEMM = 1 << 21

    /// Whether `network` trained at `batch` rows on `threads` threads should pair its products.
    public static func suits(_ network: Network, batch: Int, threads: Int) -> Bool {
        guard threads == 2 else { return false }
        let dense = network.layers.compactMap { $0 as? Dense }
        guard dense.count > 1 else { return false }
        return dense.allSatisfy { batch * $0.inputFeatures * $0.outputFeatures <= largestGEMM }
    }
}
