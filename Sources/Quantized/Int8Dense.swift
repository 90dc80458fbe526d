// One dense layer in INT8 through oneDNN's matmul: u8 activations × s8 weights, int32 accumulation,
// and the float epilogue fused into the same primitive.
//
//   acc[m,n] = Σ_k (qx[m,k] − z_x) · qw[n,k]                         (int32, exact)
//   y[m,n]   = f(s_w[n] · acc[m,n] · s_x + b[n])                     (float, in this order)
//   output   = y (f32), or for a static next layer round(y/s_y + z_y) saturated to [0, Q]
//
// How it maps on oneDNN 2.6, so that the matmul takes its fastest (brgemm) implementation:
// - s_w[n] is a per-column output scale fixed when the primitive is made, and s_x (which changes
//   every batch) a binary-multiply post-op reading a 1×1 tensor at run time. Giving the whole
//   s_x·s_w[n] as a run-time output scale is simpler but oneDNN 2.6's brgemm matmul refuses run-time
//   scales and falls back to the slower `gemm:jit`.
// - The bias is a binary-add post-op, not the matmul's bias: in oneDNN 2.x the int8 bias is added to
//   the accumulator before the output scale (y = scale·(acc + b)), which would need b/(s_x·s_w[n])
//   every batch.
// - z_x is a run-time source zero point (one value); oneDNN subtracts z_x·Σ_k qw[n,k] exactly.
// - The activation is an eltwise post-op; for a u8 output a final linear post-op maps y to its grid
//   and the store rounds (to nearest even) and saturates.
// Weights are reordered once into the layout the primitive asks for (format `any`), and each batch
// size gets its primitive, memories and scratchpad once; `forward` allocates nothing.
// Not thread-safe: one caller at a time (the primitives themselves use OpenMP's threads).
import CDNNL
import Model

public final class Int8Dense {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let activation: Activation
    /// nil: float output; else the u8 grid the output is written in (a static next layer's input).
    public let outputQuantization: ActivationQuantization?

    let dnnl: OneDNN
    private let weightValues: UnsafeMutablePointer<Int8>  // [out, in] row-major, the reorders' source
    private let weightScales: UnsafeMutablePointer<Float>
    private let bias: UnsafeMutablePointer<Float>
    private let inputScale: UnsafeMutablePointer<Float>  // s_x, read by the binary post-op
    private let inputZeroPoint: UnsafeMutablePointer<Int32>
    private var plans: [Int: Plan] = [:]
    private var packedWeights: [(desc: dnnl_memory_desc_t, memory: dnnl_memory_t)] = []

    public init(
        weights: QuantizedMatrix, bias: [Float], activation: Activation,
        output: ActivationQuantization? = nil, dnnl: OneDNN
    ) {
        precondition(bias.count == weights.rows, "Int8Dense: \(bias.count) biases for \(weights.rows) units")
        inputFeatures = weights.cols
        outputFeatures = weights.rows
        self.activation = activation
        outputQuantization = output
        self.dnnl = dnnl
        weightValues = .allocate(capacity: max(1, weights.values.count))
        weightValues.initialize(from: weights.values, count: weights.values.count)
        weightScales = .allocate(capacity: max(1, weights.rows))
        weightScales.initialize(from: weights.scales, count: weights.rows)
        self.bias = .allocate(capacity: max(1, bias.count))
        self.bias.initialize(from: bias, count: bias.count)
        inputScale = .allocate(capacity: 1)
        inputScale.initialize(to: 1)
        inputZeroPoint = .allocate(capacity: 1)
        inputZeroPoint.initialize(to: 0)
    }

    deinit {
        plans.removeAll()
        for p in packedWeights { _ = dnnl.api.memory_destroy!(p.memory) }
        weightValues.deallocate()
        weightScales.deallocate()
        bias.deallocate()
        inputScale.deallocate()
        inputZeroPoint.deallocate()
    }

    /// Makes the primitive for batches of `rows` now (otherwise the first such batch does).
    public func prepare(rows: Int) throws(OneDNNError) { _ = try plan(rows) }

    /// The oneDNN implementation chosen for batches of `rows`, e.g. "brg:avx512_core_amx_int8".
    public func kernel(rows: Int) throws(OneDNNError) -> String { try plan(rows).implementation }

    /// `output` ([rows, out], f32 or u8 as `outputQuantization` says) from `input` ([rows, in] u8
    /// in the grid `q`).
    public func forward(
        _ input: UnsafePointer<UInt8>, rows: Int, quantization q: ActivationQuantization,
        into output: UnsafeMutableRawPointer
    ) throws(OneDNNError) {
        let p = try plan(rows)
        inputScale.pointee = q.scale
        inputZeroPoint.pointee = q.zeroPoint
        let api = dnnl.api
        try OneDNN.check(api.memory_set_data_handle!(p.source, UnsafeMutableRawPointer(mutating: input)), "setting the input")
        try OneDNN.check(api.memory_set_data_handle!(p.destination, output), "setting the output")
        try OneDNN.check(api.primitive_execute!(p.primitive, dnnl.stream, Int32(p.argumentCount), p.arguments), "running the INT8 matmul")
        try dnnl.wait()
    }

    private func plan(_ rows: Int) throws(OneDNNError) -> Plan {
        if let p = plans[rows] { return p }
        let p = try Plan(layer: self, rows: rows)
        plans[rows] = p
        return p
    }

    /// The weights in the layout `desc` (the primitive's choice), reordered once per layout.
    fileprivate func weights(in desc: dnnl_memory_desc_t) throws(OneDNNError) -> dnnl_memory_t {
        let api = dnnl.api
        for p in packedWeights {
            var a = p.desc
            var b = desc
            if api.memory_desc_equal!(&a, &b) != 0 { return p.memory }
        }
        // Our [out, in] row-major matrix is the matmul's B [K, N] with strides (1, K): tag `ba`.
        var user = dnnl_memory_desc_t()
        try OneDNN.check(
            api.memory_desc_init_by_tag!(&user, 2, [Int64(inputFeatures), Int64(outputFeatures)], dnnl_s8, dnnl_ba),
            "describing the weights")
        var packedDesc = desc
        var packed: dnnl_memory_t? = nil
        try OneDNN.check(api.memory_create!(&packed, &packedDesc, dnnl.engine, cdnnl_memory_allocate()), "allocating packed weights")
        var source: dnnl_memory_t? = nil
        try OneDNN.check(api.memory_create!(&source, &user, dnnl.engine, weightValues), "wrapping the weights")
        defer { _ = api.memory_destroy!(source) }
        var rpd: dnnl_primitive_desc_t? = nil
        try OneDNN.check(
            api.reorder_primitive_desc_create!(&rpd, &user, dnnl.engine, &packedDesc, dnnl.engine, nil), "planning the weight reorder")
        defer { _ = api.primitive_desc_destroy!(rpd) }
        var reorder: dnnl_primitive_t? = nil
        try OneDNN.check(api.primitive_create!(&reorder, rpd), "creating the weight reorder")
        defer { _ = api.primitive_destroy!(reorder) }
        var args = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: packed)]
        try OneDNN.check(api.primitive_execute!(reorder, dnnl.stream, 2, &args), "reordering the weights")
        try dnnl.wait()
        packedWeights.append((desc, packed!))
        return packed!
    }

    /// Everything one batch size needs: the primitive and its memories, and the argument list.
    private final class Plan {
        let api: cdnnl_api
        var primitive: dnnl_primitive_t? = nil
        var source: dnnl_memory_t? = nil, destination: dnnl_memory_t? = nil
        var biasMemory: dnnl_memory_t? = nil, scaleMemory: dnnl_memory_t? = nil, zeroPointMemory: dnnl_memory_t? = nil
        var scratchpad: dnnl_memory_t? = nil
        let arguments = UnsafeMutablePointer<dnnl_exec_arg_t>.allocate(capacity: 8)
        var argumentCount = 0
        var implementation = ""

        init(layer: Int8Dense, rows: Int) throws(OneDNNError) {
            let api = layer.dnnl.api
            let engine = layer.dnnl.engine
            self.api = api
            let m = Int64(rows)
            let k = Int64(layer.inputFeatures)
            let n = Int64(layer.outputFeatures)
            func describe(_ dims: [Int64], _ type: dnnl_data_type_t, _ tag: dnnl_format_tag_t) throws(OneDNNError) -> dnnl_memory_desc_t {
                var d = dnnl_memory_desc_t()
                try OneDNN.check(api.memory_desc_init_by_tag!(&d, Int32(dims.count), dims, type, tag), "describing a \(dims) tensor")
                return d
            }
            var srcDesc = try describe([m, k], dnnl_u8, dnnl_ab)
            var weiDesc = try describe([k, n], dnnl_s8, dnnl_format_tag_any)
            var dstDesc = try describe([m, n], layer.outputQuantization == nil ? dnnl_f32 : dnnl_u8, dnnl_ab)
            var biasDesc = try describe([1, n], dnnl_f32, dnnl_ab)
            var scalarDesc = try describe([1, 1], dnnl_f32, dnnl_ab)
            var zeroPointDesc = try describe([1], dnnl_s32, dnnl_a)

            var op = dnnl_matmul_desc_t()
            try OneDNN.check(api.matmul_desc_init!(&op, &srcDesc, &weiDesc, nil, &dstDesc), "describing the matmul")

            var attr: dnnl_primitive_attr_t? = nil
            try OneDNN.check(api.primitive_attr_create!(&attr), "creating attributes")
            defer { _ = api.primitive_attr_destroy!(attr) }
            try OneDNN.check(api.primitive_attr_set_scratchpad_mode!(attr, dnnl_scratchpad_mode_user), "asking for a user scratchpad")
            try OneDNN.check(api.primitive_attr_set_output_scales!(attr, n, 1 << 1, layer.weightScales), "setting the weight scales")
            var runtimeZeroPoint = Int32.min  // DNNL_RUNTIME_S32_VAL
            try OneDNN.check(
                api.primitive_attr_set_zero_points!(attr, DNNL_ARG_SRC, 1, 0, &runtimeZeroPoint), "asking for an input zero point")
            var postOps: dnnl_post_ops_t? = nil
            try OneDNN.check(api.post_ops_create!(&postOps), "creating post-ops")
            defer { _ = api.post_ops_destroy!(postOps) }
            try OneDNN.check(api.post_ops_append_binary!(postOps, dnnl_binary_mul, &scalarDesc), "adding the input scale")
            try OneDNN.check(api.post_ops_append_binary!(postOps, dnnl_binary_add, &biasDesc), "adding the bias")
            if let (kind, alpha, beta) = Self.eltwise(layer.activation) {
                try OneDNN.check(api.post_ops_append_eltwise!(postOps, 1, kind, alpha, beta), "adding the activation")
            }
            if let out = layer.outputQuantization {
                try OneDNN.check(
                    api.post_ops_append_eltwise!(postOps, 1, dnnl_eltwise_linear, 1 / out.scale, Float(out.zeroPoint)),
                    "adding the output quantization")
                // The u8 store saturates at 255; a reduced grid (see OneDNN.activationMaximum) is clipped.
                if out.maximum < 255 {
                    try OneDNN.check(
                        api.post_ops_append_eltwise!(postOps, 1, dnnl_eltwise_clip, 0, Float(out.maximum)), "clipping to the grid")
                }
            }
            try OneDNN.check(api.primitive_attr_set_post_ops!(attr, postOps), "setting post-ops")

            var pd: dnnl_primitive_desc_t? = nil
            try OneDNN.check(
                api.primitive_desc_create!(&pd, &op, attr, engine, nil),
                "planning a \(rows)×\(layer.inputFeatures)·\(layer.inputFeatures)×\(layer.outputFeatures) INT8 matmul")
            defer { _ = api.primitive_desc_destroy!(pd) }
            var info: UnsafeRawPointer? = nil
            if api.primitive_desc_query!(pd, dnnl_query_impl_info_str, 0, &info) == dnnl_success, let info {
                implementation = String(cString: info.assumingMemoryBound(to: CChar.self))
            }
            let packedDesc = api.primitive_desc_query_md!(pd, dnnl_query_weights_md, 0)!.pointee
            var scratchDesc = api.primitive_desc_query_md!(pd, dnnl_query_scratchpad_md, 0)!.pointee
            try OneDNN.check(api.primitive_create!(&primitive, pd), "creating the INT8 matmul")
            let weights = try layer.weights(in: packedDesc)

            try OneDNN.check(api.memory_create!(&source, &srcDesc, engine, nil), "creating the input memory")
            try OneDNN.check(api.memory_create!(&destination, &dstDesc, engine, nil), "creating the output memory")
            try OneDNN.check(api.memory_create!(&biasMemory, &biasDesc, engine, layer.bias), "wrapping the bias")
            try OneDNN.check(api.memory_create!(&scaleMemory, &scalarDesc, engine, layer.inputScale), "wrapping the input scale")
            try OneDNN.check(api.memory_create!(&zeroPointMemory, &zeroPointDesc, engine, layer.inputZeroPoint), "wrapping the zero point")
            try OneDNN.check(api.memory_create!(&scratchpad, &scratchDesc, engine, cdnnl_memory_allocate()), "allocating the scratchpad")

            let list: [(Int32, dnnl_memory_t?)] = [
                (DNNL_ARG_SRC, source), (DNNL_ARG_WEIGHTS, weights), (DNNL_ARG_DST, destination),
                (DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC, zeroPointMemory),
                (cdnnl_arg_post_op_src1(0), scaleMemory), (cdnnl_arg_post_op_src1(1), biasMemory),
                (DNNL_ARG_SCRATCHPAD, scratchpad),
            ]
            for (i, (arg, memory)) in list.enumerated() { arguments[i] = dnnl_exec_arg_t(arg: arg, memory: memory) }
            argumentCount = list.count
        }

        deinit {
            for m in [source, destination, biasMemory, scaleMemory, zeroPointMemory, scratchpad] where m != nil {
                _ = api.memory_destroy!(m)
            }
            if primitive != nil { _ = api.primitive_destroy!(primitive) }
            arguments.deallocate()
        }

        /// mlp's activations as oneDNN eltwise post-ops (nil: none).
        static func eltwise(_ a: Activation) -> (dnnl_alg_kind_t, Float, Float)? {
            switch a {
            case .linear: return nil
            case .relu: return (dnnl_eltwise_relu, 0, 0)
            case .leakyReLU(let alpha): return (dnnl_eltwise_relu, alpha, 0)
            case .sigmoid: return (dnnl_eltwise_logistic, 0, 0)
            case .tanh: return (dnnl_eltwise_tanh, 0, 0)
            case .gelu: return (dnnl_eltwise_gelu_tanh, 0, 0)
            case .swish: return (dnnl_eltwise_swish, 1, 0)
            }
        }
    }
}
