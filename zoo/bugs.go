package zoo

// The bugs a layer's code can be built with. Each is written into the
// layer's backward (or forward) pass where the mistake is made in practice.
const (
	BugAccumulate         Bug = "accumulate"            // gradients not zeroed between calls: each call adds to the last
	BugTransposedDW       Bug = "transposed-dw"         // Linear: dW stored as dyᵀ·x, Out×In in an In×Out buffer
	BugBiasLastRow        Bug = "bias-last-row"         // Linear: db from the batch's last row only
	BugFromOutput         Bug = "grad-from-output"      // activation derivative computed from the wrong tensor
	BugGELUNoXPhi         Bug = "gelu-missing-term"     // GELU: Φ(x) without x·φ(x)
	BugNoCrossTerm        Bug = "softmax-no-cross-term" // softmax backward with the Jacobian's diagonal only
	BugWrongAxis          Bug = "wrong-axis"            // a reduction of the backward pass over the wrong axis
	BugSumNotMean         Bug = "sum-not-mean"          // cross-entropy averaged over the batch, its gradient summed
	BugMissingTwo         Bug = "mse-missing-2"         // MSE gradient (y − t)/n instead of 2(y − t)/n
	BugResidualSign       Bug = "mse-residual-sign"     // MSE residual t − y in the backward
	BugHuberClipOne       Bug = "huber-clip-1"          // Huber gradient clipped at 1 instead of δ
	BugConvUnflipped      Bug = "conv-unflipped-kernel" // Conv2D dx as a full convolution with the kernel not rotated
	BugConvPadEdge        Bug = "conv-pad-edge"         // Conv2D dx loses the last input row at the padded edge
	BugConvStride         Bug = "conv-stride"           // Conv2D dK ignores the stride
	BugPoolFirst          Bug = "pool-first-entry"      // MaxPool2D routes the gradient to the window's first entry
	BugBNNoMeanTerms      Bug = "bn-no-mean-terms"      // BatchNorm dx without the batch mean and variance terms
	BugBNRunningInForward Bug = "bn-running-in-forward" // BatchNorm forward updates and uses the running statistics
	BugLNNoVarTerm        Bug = "ln-no-var-term"        // LayerNorm dx without the variance term
	BugDropoutNoRescale   Bug = "dropout-no-rescale"    // Dropout backward without 1/(1 − p)
	BugNoReseed           Bug = "dropout-no-reseed"     // Dropout mask drawn afresh on every evaluation
	BugEmbedPlusOne       Bug = "embed-index-plus-one"  // Embedding update to row id+1 (1-based ids), dropped at the boundary
	BugEmbedOverwrite     Bug = "embed-overwrite"       // Embedding update assigned, not added: repeated ids lose updates
	BugLSTMNoCellPath     Bug = "lstm-no-cell-path"     // LSTM backward drops dc flowing back through the cell state
	BugLSTMForgetCt       Bug = "lstm-forget-ct"        // LSTM forget gate's gradient uses c_t, not c_{t−1}
	BugLSTMNoTanhDeriv    Bug = "lstm-no-tanh-deriv"    // LSTM dc from dh without tanh'(c)
	BugAttnNoScale        Bug = "attn-no-scale"         // attention backward without 1/√d
	BugAttnDVUntransposed Bug = "attn-dv-untransposed"  // attention dV = P·dO instead of Pᵀ·dO
	BugMissingL2          Bug = "missing-l2"            // the L2 penalty's gradient left out
	BugDoubledL2          Bug = "doubled-l2"            // the L2 penalty's gradient added twice: 2λ·w
	BugL1AsL2             Bug = "l1-as-l2"              // the L1 penalty's gradient written λ·w
	BugNoSkipGrad         Bug = "residual-no-skip"      // residual block backward forgets the identity path
)
