// Which networks train fastest on one thread.
//
// OpenBLAS splits a GEMM over its threads well when the GEMM is large, and a small one not at all:
// on the 2-vCPU machine, Diamonds' 26-128-64-1 at batch 128 took 1.23× the wall time of one thread
// with OpenBLAS's two, and 1.09–1.11× with each product cut in two chunks of a LoopThreads region
// (forward by halves of the batch, dX beside dW), each GEMM on one thread (interleaved runs, 7 pairs
// each; that version is in the history). Adult's 104-64-2 was 1.2× slower at two threads too. So
// when every dense layer's product at the training batch is at most `largestGEMM` multiply-adds,
// the command line trains on one thread unless --threads says otherwise. MNIST's 784-128-10 at
// batch 64 (6.4 M) gains 1.4× from the second thread and is far above the bound.
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
