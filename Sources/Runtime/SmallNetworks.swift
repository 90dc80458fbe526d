// Which networks train fastest on one thread.
//
// OpenBLAS splits a GEMM over its threads well when the GEMM is large, and a small one not at all:
// the threads then wait for each other more than they share work, whether OpenBLAS splits the
// product or the loop threads run its halves side by side. Small tables' networks (Diamonds'
// 26-128-64-1, Adult's 104-64-2 at batch 128) are slower on two threads than on one. So when every
// dense layer's product at the training batch is at most `largestGEMM` multiply-adds, the command
// line trains on one thread unless --threads says otherwise. MNIST's 784-128-10 at batch 64 (6.4 M
// multiply-adds a product) gains from the second thread and is far above the bound.
import Model

public enum SmallNetworks {
    /// The largest dense-layer product (batch × inputs × outputs multiply-adds) of a small network.
    public static let largestGEMM = 1 << 21

    /// Whether a network of `specs` on `inputs` features, trained on batches of `batch` rows, is
    /// small: decided from its description, before anything is built or a thread started.
    public static func trainFastestOnOneThread(inputs: Int, specs: [LayerSpec], batch: Int) -> Bool {
        var width = inputs
        for spec in specs {
            let out = spec.kind.outputWidth(inputs: width)
            if spec.kind.units != nil && batch * width * out > largestGEMM { return false }  // a dense layer's product
            width = out
        }
        return true
    }
}
