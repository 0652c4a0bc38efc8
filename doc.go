// Package gradcheck checks hand-written gradients against finite
// differences, entry by entry, with verdicts whose thresholds come from an
// estimate of the finite-difference error rather than from a fixed
// tolerance.
//
// # Entry points
//
// Gradient checks a gradient with gonum's optimize.Problem signatures:
// f(x) float64 and grad(dst, x). Check checks a Model: named, shaped
// parameter blocks of float32 or float64, perturbed in place, with a Loss
// and a Gradient that writes into each block's Grad. The package
// gradchecktest runs both from Go tests. Both restore the caller's
// parameters bit for bit before they return, whatever happens.
//
// A model's slices, every block's Value and Grad, must not share memory,
// and Check says which two do before it calls anything. The checker zeroes
// each Grad and perturbs each Value on its own: tied weights listed once
// per use, each with its own use's gradient, would fail at every entry as
// a wall of Mismatches, and a Grad that is a Value's memory would have the
// parameters zeroed. A tied parameter is one block, its Grad the sum of
// its uses.
//
// # How an entry is judged
//
// First pass. Entry x_i is perturbed by h = c·max(|x_i|, 1) with
// c = ε^(1/3) of its precision (4.8e-6 for float64, 3.9e-3 for float32),
// the step that balances the truncation error h²·|f⁽³⁾|/6 of a central
// difference against its round-off ε|f|/h. The central difference n is
// compared with the analytic value a. The entry passes at once when
//
//	|a − n| ≤ Atol + Rtol·(m + 1e-3·G) + min(K·r, Rtol·G)
//
// with m = max(|a|, |n|), G the largest analytic entry checked, r the
// round-off bound ε·max|f|/h, and the estimate resolves the derivative (see
// below). Rtol defaults to 16·ε^(2/3), the best accuracy a central
// difference reaches. The round-off allowance min(K·r, ρ₁·m + Rtol·G) is
// capped with ρ₁ = max(Rtol, 1e-7): in float64 a relative disagreement of
// 1e-7 or more always goes on to refinement, never passing quietly. The
// first pass bounds round-off by one rounding of the loss only; an entry it
// does not accept waits until every entry has had its first pass, and so
// does one whose loss took the same value at x + h and x − h (n = 0 to the
// bit: a loss on a grid coarser than its ulps, a sum that cancels, does so
// wherever its derivative is below a quantum over the step). Then, and
// only if there is one, the loss's noise is measured (twelve evaluations,
// eighteen where two spacings disagree or neither finds noise) and the
// waiting entries are judged again with it before any is refined. A full
// check of a correct, well-conditioned gradient thus costs 2n loss
// evaluations plus three (the unperturbed loss and two for hazards), and
// which entries wait does not depend on their order, the workers or the
// shard.
//
// Noise. The round-off bound is r = max(ε·|f|, 2σ)/h, where σ is the
// standard deviation of the loss's round-off (Moré and Wild's ECnoise: the
// k-th differences of noise have a known variance, those of a smooth
// function vanish; seven values give orders up to six, the last from one
// difference, so noise beneath a steep trend shows at the fourth), measured
// at two spacings 64 times apart. The larger
// spacing may not find more than 8 times the noise of the smaller: a kink in
// the sampled range mimics noise, but in proportion to the spacing, and so
// does noise that follows the size of a loss that changes fast there. The
// other way round is accepted, the larger σ standing: seven rounding errors
// of u + t·δ can be nearly linear in t at one spacing and look smooth there.
// That can happen at the smaller spacing too, so where the larger finds more
// than 8 times the noise, a third spacing 40 times below the larger (1.6
// times above the smaller, not a whole multiple) decides: the larger's σ
// stands if the third finds at least an eighth of it, as round-off would; a
// kink's pseudo-noise there would be a fortieth. Where the smaller found no
// noise, the third's σ must in turn fit under the smaller's values, at most
// 8 times the most noise they can hold: a pole just beyond the smaller
// spacing's window and within the third's makes pseudo-noise at both the
// larger and the third (a point 1.1e-4 in front of a float32 camera).
// Values on a grid coarser than their change per point (two neighbours
// equal, every change a whole number of the smallest, q) hold up to q/2
// whatever they show: a float32 function checked in float64, moving about
// an ulp per point there, refuted its own rounding otherwise, and a JVP of
// a float32 matmul read four stairs as a slope 0.26% off.
// Where neither of the two
// finds noise, the third decides alone: a loss that moves by α quanta per
// step of the larger spacing moves by α/64 per step of the smaller, whole
// numbers at both whenever α is near a multiple of 64, and its rounding
// errors then lie on a line at both, so two silences are one witness; the
// third spacing is no whole multiple of the smaller. Seven equal values at
// one spacing say nothing of σ: the loss did not move there, and its quantum
// may be far above an ulp of f (a sum that cancels); they bound that
// quantum from below (Staircases), and so do values on a grid coarser than
// their change per point: the grid's quantum (a float32 loss checked in
// float64, whose values at the larger spacing moved by whole ulps on a
// line and showed only the float64 rounding of w·f). The first pass uses σ
// measured along the coordinate with the largest analytic entry. Refinement
// that ends in a Mismatch or in no verdict from its last row measures σ
// again along the entry itself (twelve or eighteen more evaluations), and
// judges the ladder again if it is larger: round-off differs between
// coordinates (the rounding of an intermediate sum that only some parameters
// move), and the noise that matters is along the entry. Where it is smaller
// and the ladder gave no verdict, the ladder is judged again with it, and
// only an agreement counts: the σ measured along another coordinate may be
// noise that follows the size of a loss that changes fast there (x0³·x1²
// near x1 = 0, whose values at the noise spacings along x1 are 1e38 times
// f(x), and so is their rounding), which withholds every verdict along x0,
// where the loss's round-off is that of values near f(x). A smaller σ
// tightens the threshold an agreement must meet; a Mismatch still needs the
// larger, since a σ found smaller along the entry may be a rounding aligned
// with its spacings. The ladder itself bounds σ from below too: in the
// Taylor regime its corrections shrink as the step halves, and one that
// grows instead, far above its round-off bound (2K times), is mostly
// round-off. With loss values known to within δ, a central difference at
// step h is off by δ/h at most, and a correction d_r of two rows by its
// truncation, at most 0.6 of the truncation of d_{r−1}, plus 1.5·δ/h_r, so
// δ ≥ (|d_r| − 0.6·|d_{r−1}|)·h_r/1.95 and σ ≥ δ/2. That holds only in
// the regime, and only rows below two corrections in a row that shrank to
// between 1/32 and 0.6 of the one before, clear of round-off, count (one
// such shrink happens by chance at steps of half a radian): above, beyond
// the reach of the expansion, a smooth function's corrections can grow
// too. Nor does a growth whose δ the rows below refute: noise δ keeps the
// corrections near δ/h as the step halves, and three rows in a row in the
// Taylor regime whose corrections, not zero, stand below δ/(64·h) (a
// chance of about 3e-5 with noise) say the growth was truncation, the
// regime's start misread (zero where the loss stayed at f(x) on both
// sides and no quantum was found: constant near x, which noise would have
// moved); at a kink at x, where the central differences
// converge to the mean of the one-sided slopes, rows whose jump F − B
// stays put so (a kink in each, F − B not shrinking) count as well: a
// second kink at a distance from x on one side makes the central
// differences grow as the step halves toward it and collapse below it. It
// is taken with the σ measured along the entry: the noise spacings
// can miss a rounding that the ladder shows (tanh(u) + 1 with tanh(u) near
// −1 lies on the grid of an ulp of 1, coarser than the loss's own ulps,
// and seven values near x may not leave a stair). σ is absolute:
// round-off follows the size of the terms a loss is computed from, which a
// small loss made by cancellation does not show. A loss whose terms cancel
// (a small value made of large terms) or a float32 loss summed over many
// terms carries far more round-off than one rounding of its value; measuring
// it keeps the first pass from rejecting correct entries and refinement from
// mistaking noise for curvature.
//
// Staircases. A loss computed from an intermediate rounded more coarsely
// than its own value (a tanh within a few ulps of 1, the small term of a
// sum that cancels, a subnormal product) takes only values some quantum Δ
// apart near x, and does not move at all at small steps. Refinement finds
// Δ as the change at the step just above a run of two or more steps, down
// to the smallest so far, at which the loss stayed at f(x) to the bit (a
// smooth loss returns to f(x) at most once on each side), and raises the
// round-off bound of every step to Δ/2 over the step: a zero slope read
// below the first stair is no evidence against a nonzero derivative. Not
// where the other side stayed at f(x) at every step from a larger one
// down, over which this side moved by more than 2Δ and not by a whole
// number of stairs: a staircase's side that stayed on its stair over that
// step says the stair is wider than the step, so that the other side
// could cross no edge but its first, and moved by Δ. The loss is constant
// near x there, as a weight clamped at a bound leaves it, and a gradient
// leaked through the clamp passed as a Kink against Δ/2h. Nor where the
// other side, at two of those steps in a row, moved by a change that is
// not a whole number of stairs: a staircase's values lie on its grid on
// both sides, and a side that leaves it is smooth, so that the side that
// stayed is the flat side of a kink at x (a pinball or hinge loss whose
// terms sum to a zero slope on one side), which moved at the larger step
// because another kink lay within it. Neither holds against a side that
// shows a stair itself, near x: the same change to the bit at two steps
// in a row, or changes of opposite signs, which neither a smooth side nor
// the loss beyond a constant stretch makes. A loss summed from terms
// rounded to bfloat16 has stairs of as many heights as it has terms, and
// a change that is no whole number of one term's stairs is made of
// others'. A staircase that moves by whole
// stairs at every step of the ladder shows no such run, but may show
// itself where the noise is measured along the
// entry: seven values that did not move at all over a window w of the
// noise spacings say that the loss's quantum is at least |f'|·w, |f'| from
// the first-pass difference less its own round-off of Δ/2h, so Δ ≥
// |n|·w/(1 + w/2h). That bound is below an ulp of f for a loss rounded to
// its own size and raises nothing there; where it is above (tanh(u) − 1
// with tanh(u) within 1e-10 of 1 lies on the grid of an ulp of 1, and its
// rounding repeats from step to step where the count of stairs halves
// exactly with the step), the ladders are judged again with it. A
// staircase times a smooth factor, Q(x)·s(x), does not stay at f(x) below
// its first stair but moves with s, a smooth function there whose slope is
// Q·s', not the derivative. The row whose step reaches a stair's edge on
// one side only shows the edge: its second difference f(x + h) + f(x − h)
// − 2·f(x) holds the quantum, and those of the rows below, the smooth
// factor's alone, fall to an eighth of it or to the loss's rounding. Where
// that row's second difference is at least half the one above (a smooth
// loss's shrinks fourfold, a kink's twofold), the row lies below the steps
// from which the ladder shows the Taylor regime, and the loss crosses at
// least 32 such stairs over the largest step (a saturated unit seen from
// far has one edge, of the size of that change), it bounds Δ from below.
//
// Refinement. An entry that does not pass is never failed on one estimate.
// It is evaluated on a ladder of steps h_j = 0.1·scale/2^j down to the
// smaller of the first-pass step and √ε·scale (sixteen rows at most). The
// first-pass step suits a loss that varies on the scale of its parameter;
// one that varies faster (sin(x³) at x = 3 turns a radian in 0.04) needs
// smaller steps, which in float32, where the first-pass step is
// 3.9e-3·scale, the ladder would not otherwise reach: a check of such a
// loss saw only steps outside its Taylor regime and took their disagreement
// for a kink. Down to √ε·scale a central difference's round-off stays below
// √ε·|f|/scale. In float64 the sixteen rows end first, at 3e-6·scale.
// Where the ladder ends without a pass (a loss that varies on a scale far
// below its parameter's, as an energy of atoms at coordinates near 1e5 on
// the scale of their distances, or one with a second, finer scale, a bend
// 1e-4 from straight, on which rows converged on the coarser one cannot
// see it), a second ladder goes on below its last row, six rows at least,
// to ε^(2/3)·scale, where the round-off of the loss over the step is
// ε^(1/3)·|f|/scale (in float32 a tanh RNN with exploding gradients turns
// within 1e-4 of its weights). Its agreement stands if the loss moved
// over it and its bound resolves the disagreement above decisively: an
// OK, or, where the first ladder was still moving at its last row, a Kink
// whose bound resolves its slopes as an OK's must (below a ladder that
// converged, a bend only smaller steps see may be the rounding of terms
// that cancel); and it does not run where the first saw the loss jump
// within its steps. On the
// ladder,
//
//   - Ridders' extrapolation of the central differences (in powers of h²)
//     and of the one-sided slopes (in powers of h) gives estimates whose
//     error bound is Ridders' spread plus the round-off of the rows they
//     combine, carried through the tableau; the estimate with the smallest
//     bound err wins. One-sided estimates win where the second derivative
//     jumps, on the seam of a piecewise loss. Ridders' spread takes the
//     error of an entry's parents from the ratio R = r^(kq) that their
//     column's errors have in its asymptotic regime; where two terms of
//     that column cancel between the two parents, the spread is small by
//     chance (1/(1 + u²) at u = 0.0056: 1.6e-14 against an error of
//     1.2e-13). The column's next correction shows the parent's error by
//     the same ratio, and the bound is raised to it: in the regime, where
//     the corrections shrink by R, that changes nothing; it binds exactly
//     where they grow (internal/fdiff, Extrapolate).
//   - The difference of the one-sided slopes, F(h) − B(h), halves with h on
//     a smooth function and stays put at a kink. At a kink the analytic
//     value must lie between the one-sided slopes, as a subgradient must:
//     verdict Kink, which passes, or Mismatch. Each side's slopes are
//     extrapolated over the rows below its last correction that did not
//     shrink, where there are three or more: a second kink on one side
//     enters that side's slopes at the steps above its distance from x,
//     where they are no series in h. Where there are fewer, that side's
//     slopes still move at the smallest steps, toward its one-sided slope
//     as the step shrinks to the next kink's distance, and a Mismatch
//     does not rest on the extrapolation of the side nearest the analytic
//     value where its slope at the smallest step has come closer to that
//     value, beyond both bounds: the entry is Inconclusive (a float32 CNN
//     whose ReLU and max-pool kinks lie 1e-4 to 2e-3 from a kernel weight
//     on both sides, below the steps float32 resolves). The far side
//     would have to pass the near side's limit to reach it, and refutes
//     nothing. A loss whose value at x stands apart
//     from both sides by as much at every step of the last rows (f(x ± h)
//     − f(x) of one sign, neither shrinking as the step halves: a pole or
//     an isolated value within every step) has no kink there: its slopes
//     ±Δ/h hold any value, and the entry is Inconclusive. A Kink rests on F − B
//     above its round-off bound: where the ladder's corrections grew
//     beyond the noise it was judged with (below), it goes on as a
//     Mismatch from the last row does, judged again with the noise along
//     the entry. So does a Kink whose one-sided slopes differ by no more
//     than K times their error bound, which does not resolve the kink it
//     claims: a float32 sum of many terms whose round-off along the entry
//     is several times the noise measured along another coordinate made
//     F − B of a smooth attention layer stay put, and a gradient off by
//     97% passed between its slopes. A Mismatch from that noise replaces
//     such a Kink where it reads the derivative within the Kink's slopes
//     and their bound; otherwise the Kink stands (a float32 ReLU at its
//     kink, which the entry's noise hides; a staircase of stairs narrower
//     than the steps, whose mean slope that noise finds instead of the
//     smooth part's). The extrapolation leaves out
//     the steps above the last row flagged so. On a smooth function whose
//     f⁽²⁾ is small, F − B can stay put too (its next term, of the other
//     sign, holds it); there (F − B)/h still converges like a smooth
//     function's, its corrections shrinking to a quarter per halving where
//     a kink's do not shrink at all. Where they do, and the rows are in
//     the Taylor regime, the steps left out go back in, for an agreement
//     only: a wider window never makes a Mismatch.
//   - A loss that jumps within every step of the last rows (an if on a
//     parameter that adds a constant, pieces of a seam that do not meet,
//     a cutoff without a shift) has one side's slopes growing as J/h, and
//     their extrapolation, with a bound as large as itself, would take any
//     value for a subgradient. Its sign is D = f(x + h) − f(x − h) that
//     stops shrinking as the step halves and settles on J as a series in
//     h, J larger than any kink within the smallest step could make
//     (jumpSlope). No Kink, and no Mismatch, rests on such slopes: unless
//     the slope J adds at the smallest step is within the resolution a
//     derivative needs, the entry goes on to the climbed ladder, whose
//     larger steps count for nothing either way, and to the Taylor
//     remainder, which may confirm the derivative on the side away from
//     the jump but not refute it. The noise along the entry is not
//     measured for it: it reads the jump as noise. Where the jump is
//     farther than the smallest steps, the rows below it judge as usual.
//   - Second differences f(x + h) + f(x − h) − 2·f(x) shrink at least
//     64-fold over six rows on a smooth loss and eightfold at a kink;
//     where the last three rows' largest has not shrunk to half of the
//     three before's, it is rounding, and a quarter of it bounds the
//     loss's noise from below: rounding the noise measurement missed
//     ((2 + y) − 2 on the grid of an ulp of 2, its rounding on a line at
//     each noise spacing).
//   - Otherwise the entry is OK when |a − n| ≤ Atol + Rtol·(m + 1e-3·G) +
//     K·err + K·ε·max(|f⁽²⁾|·scale, S) + N and Mismatch when it is not. The
//     term K·ε·|f⁽²⁾|·scale is the uncertainty of any gradient at a point
//     known only to ε·scale; it matters only where the gradient is near
//     zero, as at a zero-residual minimum, where the residuals' rounding
//     biases both sides alike. S ≈ Σ_j |∂²f/∂x_i∂x_j|·scale_j extends it to
//     the rounding of the other parameters, and of intermediates of their
//     size: a loss can compute its slope along one parameter from another
//     rounded at the scale of a constant it was added to, and no step
//     along the first can see that (float32 x2·sin(c + (x0 − c)) with c ≈ 2
//     and x0 = 6e-5: a relative 1e-3 of the slope along x2). S comes from
//     two evaluations of the gradient with every parameter moved by
//     ±ε^(1/3)·scale, pseudo-random signs, made with the noise measurement
//     where some entry waits for it (Report.NoiseGradEvals), and not
//     where the gradient keeps state between calls. N is the smallest
//     normal number of the precision: below it numbers lose their relative
//     precision bit by bit, and differences of a loss that underflows near
//     x say nothing.
//   - Refinement stops early once its verdict cannot change: a decisive
//     Mismatch (below), an agreement already as tight as Rtol, or one whose
//     newest step is already as noisy as its error (smaller steps only add
//     round-off). An early agreement, like an early Mismatch, needs its
//     rows, three at least, in the Taylor regime: two steps beyond the
//     reach of the expansion can agree by chance, and their spread then
//     understates the error.
//   - The ladder may stop early, but an early Mismatch needs a second witness:
//     the first-pass estimate, able itself to resolve the disagreement, must
//     disagree with the analytic value a by about as much (to within a tenth
//     of it), since coarse steps can extrapolate consistently to a wrong value
//     on a fast-varying function. A first pass over which the loss did not
//     move at all is no witness: its zero says only that the derivative is
//     below what the step sees, and the loss's own values, as small as its
//     rounding, may hide how coarsely it is quantized (−1 + √(1 + u²) with u²
//     absorbed into 1). And an early Mismatch needs the loss's noise known,
//     measured or stated: with σ = 0 both witnesses rest on the one-rounding
//     floor, which a loss small by cancellation exceeds by far and whose
//     rounding can repeat from step to step, and the ladder goes on to its
//     last row. It goes on too where its own corrections grew in the Taylor
//     regime by more than σ allows (below): both witnesses may sit on one
//     stair of a staircase the noise measurement missed. And the rows of
//     an early Mismatch, three at least, must be in the Taylor regime (as
//     corroboration asks, below): on a sine that turns many radians within
//     the larger steps, two of them and the first pass can agree by chance.
//     And the row after them, where there is one, must say Mismatch too:
//     evenly spaced stairs that the larger steps straddle 4, 2 and 1 of
//     read one average slope at each, and so does the first pass (a
//     float32 log(x − a) with x − a about 100 ulps of a).
//     And where the noise was measured along another coordinate, an early
//     Mismatch is judged again with the noise along the entry, as one from
//     the last row is: evenly spaced stairs that the larger steps straddle
//     4, 2 and 1 of read one average slope at each, and so does the first
//     pass (a float32 log(x − a) with x − a about 100 ulps of a).
//   - A Mismatch from the last row needs corroboration: the central
//     differences at the smallest steps that resolve the disagreement
//     eight times over, extrapolated on their own, must disagree too, and
//     those steps must be in the function's Taylor regime, which shows
//     only in how one correction compares with the next: where just two
//     rows resolve the disagreement, their one correction says nothing,
//     and the next smaller row supplies the second. There, halving
//     the step, the corrections of the central differences shrink to about
//     a quarter (a sixteenth where f⁽³⁾ vanishes) and F − B to about a half
//     (an eighth where f⁽²⁾ vanishes); a correction that shrinks by less
//     than 0.6, or collapses by more than those ratios allow with a further
//     factor of two, is outside it. A saturated unit seen from far is a
//     plateau on one side and an exponential fall on the other: its central
//     differences collapse by factors of a thousand, and its one-sided
//     slopes on the plateau grow as the step shrinks (Δ/h). So the
//     one-sided slopes F and B must each converge as well: the central
//     difference is their mean, and a plateau's growing slopes and an
//     exponential's falling ones can add up, by chance, to central
//     differences that shrink by a quarter and extrapolate to a wrong
//     value with a small spread. A one-sided correction shrinks to a half
//     where the central one shrinks to a quarter, so for the same share
//     of higher-order terms as the 0.6 above allows, it need only shrink
//     at all, wherever it stands above its own round-off bound (that of
//     the two rows it spans), not eight times above it as for the central
//     differences: a plateau Δ below f(x) gives slopes Δ/h whose
//     corrections, Δ/2h per halving, stay within eight times their bound
//     2ε|f|/h while Δ is below 32 ulps of f (a tanh 25 ulps below 1 passed),
//     and Δ/2h is also the bias they put into the central differences,
//     which extrapolation carries through. A growing correction within the
//     bound, 3ε|f|/h, biases them by less than the K = 4 times ε|f|/h of
//     round-off the threshold allows. The test only withholds a Mismatch,
//     so its margin leans that way. Where the one-sided corrections do not
//     shrink, the slopes are in the regime all the same if (F − B)/h, a
//     series in h² like the central differences, converges as they must:
//     F and B are the central difference plus and minus half of F − B,
//     whose terms in h and h² cancel in B's corrections near h =
//     |f⁽²⁾/f⁽³⁾| (a wrong gradient near a stationary point, x³ composed
//     at x = 4.6e-4, passed for that); a plateau's (F − B)/h grows
//     fourfold per halving. And a one-sided slope corroborates only where it converges
//     on its own over three steps or more, with some correction clear of
//     round-off: its round-off grows like 1/h, as a plateau's Δ/h does,
//     and a plateau a few ulps from f(x) would pass for converged. Where
//     no step resolves the disagreement eight times over, the verdict
//     rests on the extrapolation's error bound, and all the rows it comes
//     from must be in the Taylor regime: a disagreement of a few ulps over the
//     step is out of every step's reach on a plateau too. With σ = 0 the
//     round-off of the corroborating rows is at least one rounding of the
//     largest loss value the ladder saw, over the step: a loss small by
//     cancellation near x (1/(1 + u²) − 1 with u² = 1e-14) carries the
//     rounding of its terms, which its values near x do not show but its
//     values at the largest steps, made of the same terms, bound from below.
//     The Taylor regime of the corroborating rows is judged against the
//     same bound: against the ladder's own, the rounding of 1 + x ± h in
//     x·(tanh(−5.9) + 1 + x) at x = 6e-8, a quadratic whose central
//     differences agree to 5e-17 at every step, counted as corrections
//     that do not shrink, and a gradient off by 1.5e-9 passed.
//     Kinks at every scale that resolves the disagreement (a float32
//     ReLU network's batch mean: a kink wherever a sample's pre-activation
//     crosses zero, dozens within a step of 0.1, none only within a few
//     1e-4, where float32's round-off is about 1% of the slope) bias the
//     larger steps, whose corrections can grow within eight times their
//     bound and pass for round-off. So the rows below the corroborating
//     ones that still resolve the disagreement, where they come closer to
//     the analytic value, must be in the regime as well, and strictly:
//     the corrections of the central differences and of (F − B)/h must
//     shrink wherever they stand above their own bound. So must the rows
//     that resolve it at all where none does eight times over. And a
//     last-row Mismatch is withheld where the three extrapolations
//     disagree beyond their bounds while the one-sided ones accept the
//     analytic value, as a kink near x, reached by one side only, makes
//     them. Such an entry is Inconclusive, and the climbed ladder judges
//     it again. Where the rows below or the rows that resolve the
//     disagreement withheld it, the Taylor remainder may confirm the
//     disagreement (order 1) but not overrule the rows that showed it: at
//     its large steps an order of 2 hides a bug small beside h·f⁽²⁾
//     (where only the one-sided slopes withheld it, no case has shown
//     the remainder passing a wrong gradient, and it judges as usual).
//   - A loss that never moves along the coordinate, at any step, gives a
//     numeric zero bounded by one ulp of f over the largest step. That
//     step is the climbed ladder's (see Resolution): a loss that did not
//     move at any step of the first ladder says only that its derivative
//     is below what those steps see, since its values, as small as their
//     rounding, may hide how coarsely it is quantized (tanh(u) − 1 with
//     tanh(u) 13 ulps of 1 below 1 lies on the grid of an ulp of 1, and
//     in float32 stays there to the bit from 0.1·scale down, while its
//     own ulp over 0.1 is a thousandth of its derivative). Such an entry
//     goes on to the climbed ladder, which judges it as any other.
//
// Resolution. An OK needs the estimate to resolve the derivative: K·err
// within 10% of m, or within 1e-3 of the gradient's scale
// max(G, ε^(2/3)·|f|, slope), where slope is the size of the slopes the
// function shows on the ladder (near a stationary point the derivative is
// tiny but the function is not flat). An entry that no step resolves is
// Inconclusive, never guessed; before saying so the checker tries a ladder
// eight times higher (round-off shrinks with the step while extrapolation
// removes the truncation error) and a Taylor-remainder test, which needs no
// step. An agreement of the higher ladder that the slopes of its own
// steps alone call resolved does not overrule a disagreement the lower
// ladder found, where its bound holds both the analytic value and the
// lower estimate: its large steps may cross a limit beyond which the loss
// explodes (an explicit time step past its stability limit), and slopes of
// 1e22 there are no scale for the derivative. A Mismatch from either must
// show at small steps: the smallest steps that resolve the disagreement
// eight times over, if any do, must be in the function's Taylor regime
// (as above) and disagree on their own. The Taylor remainder is fitted on
// one side at a time, and a remainder linear on one side refutes only
// that side's slope: its Mismatch needs the secant on the other side to
// disagree the same way at the step that corroborates it, as a smooth
// loss's does. At a kink the remainder is linear on the side whose slope
// the analytic value is not (an exact min's one-sided derivative, with a
// second kink within the ladder's steps, was a Mismatch so), and the entry
// stays Inconclusive. Its OK likewise needs the secant on the other side,
// at the window's smallest step, to disagree with the analytic value by
// at most four times this side's disagreement there, as a smooth loss's
// does: a soft minimum at γ = 1e-4 turns within 3e-5, far below a window
// at steps of 0.03, and the slope beyond the turn passed as an OK.
// Steps of nearly the parameter's scale see the plateau of a saturated
// unit, not its derivative. A loss whose value is 1e12 times its
// slope is resolved to a few tenths of a percent: the report's summary
// names such coarse passes.
//
// Where the loss is NaN or infinite on one side of an entry, a one-sided
// estimate from the other side decides, an agreement as a disagreement
// only where its slopes at the smallest steps are in the Taylor regime:
// beside an edge of the domain closer than every step they grow as the
// step halves toward it, and the entry goes on to the climbed ladder and
// the Taylor remainder. Where the loss is not finite on either side at
// any step tried, the verdict is NonFinite; a climbed ladder whose steps
// all leave a domain that the lower ladder's steps saw says nothing.
//
// # Changes from the first design
//
// The design notes proposed a round-off estimate of a few ε·|f|. A fixed
// multiple is wrong both ways: too large for a loss near 1e12 that is
// correctly rounded (it made correct entries inconclusive), far too small
// for a float32 transformer whose loss carries ten roundings (it made noise
// look like a jump in the second derivative and flagged a correct layer).
// So the noise is measured, with one rounding of |f| as the floor, which
// also covers round-off that repeats from step to step and so escapes the
// spread of Ridders' extrapolations (gonum's BrownBadlyScaled, a quadratic
// near 1e12). Ridders' early stop was dropped: with
// the round-off bound in every tableau entry it only threw away good small
// steps after bad large ones. The threshold gained the 1e-3·Rtol·G term:
// the analytic gradient's own round-off follows the scale of the terms
// that were summed, not of each entry (an entry small by cancellation, or
// subnormal, has few correct digits). A loss that jumps within every step
// of the ladder is named by a flag, Entry.Jumped, not by a sixth verdict:
// such an entry is Inconclusive unless the Taylor remainder's smaller steps
// judge it on the side away from the jump, and then its verdict is theirs,
// so the five verdicts of the design keep their meaning and the flag says
// why.
//
// # Hazards
//
// Before any verdict the checker evaluates Loss twice, Gradient, Loss and
// Gradient again, and names what it sees: a nondeterministic loss, a Loss
// or Gradient that changes the parameters, a Gradient that adds into Grad
// without zeroing it, a loss changed by a call of Gradient (hidden state).
// All but the accumulating gradient make verdicts meaningless and stop the
// check; an accumulating gradient is reported, and the verdicts judge what
// the first call returned. A loss that moved after a call of Gradient is
// blamed on Gradient (hidden state) only if three more calls of Loss leave
// it where it moved: a loss that moves again on its own is nondeterministic
// (random draws whose first two values agreed by chance, as a dropout mask
// of few entries does; statistics that only every third call of Loss
// updates). And where the second call of Gradient disagrees with the first,
// the loss is read once more, which names a Gradient that redraws state
// Loss reads (a dropout mask drawn in Gradient) even when its first draw
// repeated the last. The fix a nondeterministic loss is given names
// Model.Reseed and, where no Options.Noise is stated, Options.Noise of at
// least the spread seen: a sum in another order at each call, as a
// parallel reduction makes, has no seed to fix.
//
// A Loss not safe for concurrent use is named after a parallel first pass
// (Options.Workers): the entries that did not pass it at once are
// evaluated again on the model alone, and a value that differs from the
// worker's is a NotConcurrent hazard; the check is then made again on one
// worker.
package gradcheck
